//! A JWT's `exp` and `iat`, read with the browser's own `atob` and `JSON.parse` (no decoder of
//! ours in the wasm): the machine gets numbers.

use js_sys::{JsString, Reflect, JSON};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Throws on anything that is not base64.
    #[wasm_bindgen(catch, js_name = atob)]
    fn atob(data: &JsString) -> Result<String, JsValue>;
}

/// `(exp, iat)` in seconds, each when the token is a JWT whose payload has it as a number.
pub fn claims(token: &str) -> (Option<f64>, Option<f64>) {
    let Some(payload) = payload(token) else {
        return (None, None);
    };
    let claim = |name: &str| Reflect::get(&payload, &name.into()).ok()?.as_f64();
    (claim("exp"), claim("iat"))
}

fn payload(token: &str) -> Option<JsValue> {
    let parts = JsString::from(token).split(".");
    let body: JsString = parts.get(1).dyn_into().ok()?;
    // An empty payload is left to `JSON.parse` to refuse.
    if parts.length() != 3 {
        return None;
    }
    // base64url → base64: `atob` knows only the latter (it needs no padding).
    let base64 = body.replace_all("-", "+").replace_all("_", "/");
    // `atob` gives one char per byte; UTF-8 in the payload only matters inside strings, and
    // `exp`/`iat` are numbers, so reading the bytes as Latin-1 is enough.
    let json = atob(&base64).ok()?;
    let payload = JSON::parse(&json).ok()?;
    payload.is_object().then_some(payload)
}
