//! Raw bindings to the JavaScript the refresher talks to: the options object, powerbi-client's
//! service and embed, and the global provider the documented loop tells apps to write.
//! Everything here is typed but unchecked; `options`, `embed` and `provider` wrap it safely.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The object given to `new TokenRefresher(...)`, read through getters (duck typing).
    #[wasm_bindgen(typescript_type = "TokenRefresherOptions")]
    pub type Options;

    #[wasm_bindgen(method, getter, structural)]
    pub fn container(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, structural)]
    pub fn embed(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, structural)]
    pub fn powerbi(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, structural, js_name = reportId)]
    pub fn report_id(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, structural, js_name = groupId)]
    pub fn group_id(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, structural)]
    pub fn expiration(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, structural, js_name = getNewAccessToken)]
    pub fn get_new_access_token(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, structural, js_name = minutesBeforeExpiration)]
    pub fn minutes_before_expiration(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, structural, js_name = checkIntervalMs)]
    pub fn check_interval_ms(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, structural, js_name = providerTimeoutMs)]
    pub fn provider_timeout_ms(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, structural, js_name = setAccessTokenTimeoutMs)]
    pub fn set_access_token_timeout_ms(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, structural, js_name = retryDelayMs)]
    pub fn retry_delay_ms(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, structural, js_name = maxRetryDelayMs)]
    pub fn max_retry_delay_ms(this: &Options) -> JsValue;
    #[wasm_bindgen(method, getter, structural)]
    pub fn debug(this: &Options) -> JsValue;

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

    /// The function the documented loop tells every app to write; called when no
    /// `getNewAccessToken` option is given. A missing global is a ReferenceError, caught.
    #[wasm_bindgen(catch, js_name = getNewUserAccessToken)]
    pub fn get_new_user_access_token(
        report_id: &JsValue,
        group_id: &JsValue,
    ) -> Result<JsValue, JsValue>;
}
