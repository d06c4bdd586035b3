//! A deadline for a promise: powerbi-client's `setAccessToken` has no timeout of its own, and a
//! token provider can hang on a dead network.

use gloo_timers::callback::Timeout;
use js_sys::{Array, Object, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// `Some(outcome)` if `promise` settles within `ms`, else `None`; the timer is cleared when this
/// returns. Raced in JavaScript (`Promise.race`), not by polling two futures: a `JsFuture`
/// whose promise never settles keeps its two callbacks, and their references, forever, and the
/// loser of a race in Rust is exactly that. The JavaScript race always settles (the timer sees
/// to it), so nothing here outlives the wait.
pub async fn within(ms: u32, promise: &JsValue) -> Option<Result<JsValue, JsValue>> {
    // Only this function has the object the timer resolves with: nothing else can look like it.
    let timed_out: JsValue = Object::new().into();
    let (deadline, _timer) = sleep(ms, &timed_out);
    let first = Promise::race(&Array::of2(promise, &deadline));
    match JsFuture::from(first).await {
        Ok(value) if Object::is(&value, &timed_out) => None,
        outcome => Some(outcome),
    }
}

/// A promise that resolves with `value` after `ms`, and the timer behind it (`Some`:
/// `Promise::new` runs the executor at once): dropping the timer clears it.
/// Rather than gloo-timers' `TimeoutFuture`: the promise is awaited by the `JsFuture` every
/// other wait here uses, so the timer future and its channel are not linked in (measured: bytes).
pub fn sleep(ms: u32, value: &JsValue) -> (Promise, Option<Timeout>) {
    let mut timer = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        let value = value.clone();
        timer = Some(Timeout::new(ms, move || {
            let _ = resolve.call1(&JsValue::UNDEFINED, &value);
        }));
    });
    (promise, timer)
}
