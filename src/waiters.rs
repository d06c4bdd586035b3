//! Promises waiting for the refresh in flight (`refreshNow()`, `accessTokenProvider`), settled
//! together when it ends.

use js_sys::Function;
use wasm_bindgen::JsValue;

pub enum Waiter {
    /// `refreshNow()`: resolves `true` or `false`.
    Done(Function),
    /// `accessTokenProvider`: resolves the token, or rejects.
    Token { resolve: Function, reject: Function },
}

/// How the refresh in flight ended.
#[derive(Clone, Copy)]
pub enum Outcome<'a> {
    /// The embeds hold this token.
    Token(&'a str),
    /// It failed (or was dropped), for this reason.
    Failed(&'a str),
}

/// Resolves every waiter: with the token (or `true`) on success, else with `false` (or a
/// rejection carrying the message).
pub fn settle(waiters: Vec<Waiter>, outcome: Outcome) {
    for waiter in waiters {
        let _ = match (waiter, outcome) {
            (Waiter::Done(resolve), _) => {
                let done = matches!(outcome, Outcome::Token(_));
                resolve.call1(&JsValue::UNDEFINED, &done.into())
            }
            (Waiter::Token { resolve, .. }, Outcome::Token(token)) => {
                resolve.call1(&JsValue::UNDEFINED, &token.into())
            }
            (Waiter::Token { reject, .. }, Outcome::Failed(message)) => {
                reject.call1(&JsValue::UNDEFINED, &js_sys::Error::new(message).into())
            }
        };
    }
}
