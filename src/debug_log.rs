//! Console output, only with `debug: true`, and never a whole token.

use wasm_bindgen::JsValue;

pub fn log(enabled: bool, message: &str, detail: &JsValue) {
    if enabled {
        web_sys::console::debug_3(&"[powerbi-token-refresh]".into(), &message.into(), detail);
    }
}
