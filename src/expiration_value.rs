//! An expiration as JavaScript hands it over: an ISO 8601 string, milliseconds, or a `Date`.

use wasm_bindgen::{JsCast, JsValue};

use refresh_core::expiration::{self, ExpirationError};
use refresh_core::Millis;

pub fn read(value: &JsValue) -> Result<Millis, ExpirationError> {
    if let Some(text) = value.as_string() {
        expiration::from_text(&text)
    } else if let Some(ms) = value.as_f64() {
        expiration::from_millis(ms)
    } else if let Some(date) = value.dyn_ref::<js_sys::Date>() {
        expiration::from_millis(date.get_time())
    } else {
        Err(ExpirationError::WrongType)
    }
}
