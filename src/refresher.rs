//! `TokenRefresher`, the class JavaScript sees. Each method turns a call into an input for the
//! [`Driver`], which owns the machine and does the rest.

use std::rc::Rc;

use js_sys::{Function, Promise};
use refresh_core::io::Input;
use wasm_bindgen::prelude::*;

use crate::bindings::Options;
use crate::driver::{self, Driver};
use crate::handlers::EventName;
use crate::options;
use crate::waiters::Waiter;

/// Keeps an embedded Power BI item's access token fresh. See the README for the options.
///
/// Dropping this handle (JavaScript garbage-collecting it) stops nothing: a started refresher
/// keeps itself until `stop()`, and an idle one owns no timers.
#[wasm_bindgen]
pub struct TokenRefresher {
    driver: Rc<Driver>,
}

#[wasm_bindgen]
impl TokenRefresher {
    /// Checks the options and throws a `TypeError` on a mistake; starts nothing.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Options) -> Result<TokenRefresher, JsValue> {
        // Set on every construction rather than with `set_once`: the same hook each time, and no
        // `std::sync::Once` (bytes).
        std::panic::set_hook(Box::new(console_error_panic_hook::hook));
        let config = options::read(&options)?;
        Ok(TokenRefresher {
            driver: Rc::new(Driver::new(config)),
        })
    }

    /// Starts checking: at once, then every `checkIntervalMs`, when a refresh is due, and
    /// whenever the page may have been away (visible again, shown, focused, online, resumed).
    /// Calling it again while running does nothing.
    pub fn start(&self) {
        self.driver.start();
    }

    /// Stops every timer and listener and abandons a refresh in flight; nothing is called after
    /// it. Calling it again does nothing. `start()` may follow.
    pub fn stop(&self) {
        self.driver.feed(Input::Stop);
    }

    /// Refreshes now, even if the token is still fresh, or joins the refresh in flight.
    /// Resolves `true` once the embed holds a new token, `false` if that failed (an `error`
    /// event says why) or the refresher was stopped. Never rejects.
    #[wasm_bindgen(js_name = refreshNow, unchecked_return_type = "Promise<boolean>")]
    pub fn refresh_now(&self) -> Promise {
        let promise = Promise::new(&mut |resolve, _reject| {
            self.driver.waiters.borrow_mut().push(Waiter::Done(resolve));
        });
        self.driver.feed(Input::RefreshNow);
        promise
    }

    /// A function for powerbi-client's `eventHooks.accessTokenProvider` (Azure AD tokens,
    /// report embeds): when the report asks for a token it gets the current one if fresh, else
    /// joins or starts this refresher's single provider call, so the report's pull and the
    /// refresher's push never fetch twice. Rejects when the refresh fails.
    #[wasm_bindgen(getter = accessTokenProvider, unchecked_return_type = "() => Promise<string>")]
    pub fn access_token_provider(&self) -> Function {
        self.driver.hook()
    }

    /// Adds a handler for `"refreshed"`, `"error"`, `"expired"` or `"warning"`; throws on any
    /// other name.
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, name: JsValue, handler: Function) -> Result<(), JsValue> {
        self.listen(&name, handler, true)
    }

    /// Removes a handler added with `on`.
    #[wasm_bindgen(skip_typescript)]
    pub fn off(&self, name: JsValue, handler: Function) -> Result<(), JsValue> {
        self.listen(&name, handler, false)
    }

    /// A snapshot: running or not, the current token's expiration, failures in a row, ...
    #[wasm_bindgen(getter, unchecked_return_type = "TokenRefresherStatus")]
    pub fn status(&self) -> JsValue {
        self.driver.status()
    }

    /// How many refreshers are started on this page (kept alive until `stop()`).
    #[wasm_bindgen(js_name = startedCount)]
    pub fn started_count() -> usize {
        driver::started()
    }
}

impl TokenRefresher {
    /// `on` (`add`) and `off` in one body: the name is checked once for both (bytes).
    fn listen(&self, name: &JsValue, handler: Function, add: bool) -> Result<(), JsValue> {
        let name = event_name(name)?;
        let mut handlers = self.driver.handlers.borrow_mut();
        if add {
            handlers.add(name, handler);
        } else {
            handlers.remove(name, &handler);
        }
        Ok(())
    }
}

/// Taken as a `JsValue` rather than `&str`: the string shim of each method cost more bytes than
/// reading it here.
fn event_name(name: &JsValue) -> Result<EventName, JsValue> {
    name.as_string()
        .and_then(|name| EventName::parse(&name))
        .ok_or_else(|| {
            js_sys::TypeError::new(
                "unknown event: use \"refreshed\", \"error\", \"expired\" or \"warning\"",
            )
            .into()
        })
}
