//! A JWT's `exp` and `iat`, read with the browser's own `atob` and `JSON.parse` (no decoder of
//! ours in the wasm): the machine gets numbers.

use js_sys::{Reflect, JSON};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Throws on anything that is not base64.
    #[wasm_bindgen(catch, js_name = atob)]
    fn atob(data: &str) -> Result<String, JsValue>;
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
    // header.payload.signature: the payload, base64url → base64 (`atob` knows only the latter
    // and needs no padding), gathered in one pass over the bytes rather than with JavaScript's
    // `split` and `replaceAll` (two imports: bytes). A byte that is not base64 reaches `atob`,
    // which refuses it; so does an empty payload `JSON.parse`.
    let mut dots = 0;
    let mut base64 = String::new();
    for &byte in token.as_bytes() {
        match byte {
            b'.' => dots += 1,
            _ if dots != 1 => {}
            b'-' => base64.push('+'),
            b'_' => base64.push('/'),
            _ => base64.push(char::from(byte)),
        }
    }
    if dots != 2 {
        return None;
    }
    // `atob` gives one char per byte; UTF-8 in the payload only matters inside strings, and
    // `exp`/`iat` are numbers, so reading the bytes as Latin-1 is enough.
    let json = atob(&base64).ok()?;
    let payload = JSON::parse(&json).ok()?;
    payload.is_object().then_some(payload)
}
