//! Raw bindings to the JavaScript the refresher talks to: the options object, powerbi-client's
//! service and embed, and the global provider the documented loop tells apps to write.
//! Everything here is typed but unchecked; `options`, `embed` and `provider` wrap it safely.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The object given to `new TokenRefresher(...)`, typed for TypeScript; read in `options`.
    #[wasm_bindgen(typescript_type = "TokenRefresherOptions")]
    pub type Options;

    /// powerbi-client's service (`window.powerbi`, or `new service.Service(...)`).
    #[derive(Clone)]
    pub type PowerBiService;

    /// Throws when the element has no embed.
    #[wasm_bindgen(method, catch, structural)]
    pub fn get(this: &PowerBiService, element: &JsValue) -> Result<Embed, JsValue>;

    /// A report, dashboard, tile, visual or Q&A embed.
    #[derive(Clone)]
    pub type Embed;

    /// A promise that resolves once the iframe accepted the token; may reject, or never settle.
    #[wasm_bindgen(method, catch, structural, js_name = setAccessToken)]
    pub fn set_access_token(this: &Embed, token: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, getter, structural)]
    pub fn config(this: &Embed) -> JsValue;

    /// Loads the item again; needed after its token expired.
    #[wasm_bindgen(method, catch, structural)]
    pub fn reload(this: &Embed) -> Result<JsValue, JsValue>;

    /// The function the documented loop tells every app to write; called when no
    /// `getNewAccessToken` option is given. A missing global is a ReferenceError, caught.
    #[wasm_bindgen(catch, js_name = getNewUserAccessToken)]
    pub fn get_new_user_access_token(
        report_id: &JsValue,
        group_id: &JsValue,
    ) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks` (Web Locks); bound here because web-sys marks it unstable.
    pub type LockManager;

    /// Calls `callback(lock)` once the lock is held, and holds it until the promise the
    /// callback returns settles. Rejects if `options.signal` aborts first.
    #[wasm_bindgen(method, catch)]
    pub fn request(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &js_sys::Function,
    ) -> Result<js_sys::Promise, JsValue>;
}
