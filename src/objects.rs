//! The plain objects JavaScript gets: each event's, and `status`. Formatted here and nowhere
//! else.

use refresh_core::io::{Event, Status};
use refresh_core::{js_number, Millis};
use serde::ser::{Serialize, Serializer};
use wasm_bindgen::JsValue;

use crate::handlers::EventName;

/// A field's value in an event object.
pub enum Value<'a> {
    Str(&'a str),
    Num(f64),
    Bool(bool),
    Null,
}

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Value::Str(s) => serializer.serialize_str(s),
            Value::Num(n) => serializer.serialize_f64(n),
            Value::Bool(b) => serializer.serialize_bool(b),
            Value::Null => serializer.serialize_unit(),
        }
    }
}

pub fn num(n: Option<f64>) -> Value<'static> {
    n.map_or(Value::Null, Value::Num)
}

pub fn text(s: Option<&str>) -> Value<'_> {
    s.map_or(Value::Null, Value::Str)
}

/// The fields as a plain object: serde-wasm-bindgen converts each value, `Reflect::set` names
/// it. Not serialized as a map: serde-wasm-bindgen's map serializer also links its `Map` path
/// (two imports and their glue) that `json_compatible` never takes (measured: bytes).
pub fn object(fields: &[(&str, Value)]) -> JsValue {
    let object = js_sys::Object::new();
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    for (key, value) in fields {
        let value = value.serialize(&serializer).unwrap_or(JsValue::NULL);
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &value);
    }
    object.into()
}

/// ISO 8601; empty for an instant no `Date` can hold (where `toISOString` would throw).
fn iso(ms: Millis) -> String {
    if !js_number::in_date_range(ms) {
        return String::new();
    }
    js_sys::Date::new(&JsValue::from_f64(ms as f64))
        .to_iso_string()
        .into()
}

/// The object `status` returns.
pub fn status(status: &Status) -> JsValue {
    let ms = |v: Option<Millis>| num(v.map(|ms| ms as f64));
    let expiration = status.expires_at.map(iso);
    object(&[
        ("running", Value::Bool(status.running)),
        ("refreshing", Value::Bool(status.refreshing)),
        ("expiration", text(expiration.as_deref())),
        ("expiresInMs", ms(status.expires_in)),
        ("failures", Value::Num(status.failures.into())),
        ("nextRetryInMs", ms(status.next_retry_in)),
        (
            "lastError",
            text(status.last_error.map(|code| code.as_str())),
        ),
        ("refreshCount", Value::Num(status.refresh_count.into())),
    ])
}

/// The event's name and the object its handlers get.
pub fn event(event: Event<JsValue>) -> (EventName, JsValue) {
    use Value::{Num, Str};
    let ms = |ms: Millis| Num(ms as f64);
    let (name, object, cause) = match event {
        Event::Refreshed {
            expires_at,
            expires_in,
            reason,
            attempts,
        } => (
            EventName::Refreshed,
            object(&[
                ("type", Str("refreshed")),
                // ISO 8601, as GenerateToken writes it.
                ("expiration", Str(&iso(expires_at))),
                ("expiresAt", ms(expires_at)),
                ("expiresInMs", ms(expires_in)),
                ("reason", Str(reason.as_str())),
                // Attempts this refresh took (1 when the first try worked).
                ("attempts", Num(attempts.into())),
            ]),
            JsValue::UNDEFINED,
        ),
        Event::Error {
            failure,
            attempt,
            retry,
        } => {
            let fields = [
                ("type", Str("error")),
                ("code", Str(failure.code.as_str())),
                ("message", Str(failure.message)),
                // Failures in a row, this one included.
                ("attempt", Num(attempt.into())),
                ("retryAt", num(retry.map(|r| r.at as f64))),
                ("retryInMs", num(retry.map(|r| r.in_ms as f64))),
                // Only when there are several embeds.
                ("embedIndex", num(failure.embed.map(|i| i as f64))),
            ];
            let len = fields.len() - usize::from(failure.embed.is_none());
            (EventName::Error, object(&fields[..len]), failure.cause)
        }
        Event::Expired {
            expires_at,
            expired_for,
        } => (
            EventName::Expired,
            object(&[
                ("type", Str("expired")),
                ("expiration", Str(&expires_at.map(iso).unwrap_or_default())),
                ("expiredForMs", ms(expired_for)),
            ]),
            JsValue::UNDEFINED,
        ),
        Event::ClockSkew { skew } => (
            EventName::Warning,
            object(&[
                ("type", Str("warning")),
                ("code", Str("ClockSkew")),
                ("message", Str("this device's clock differs from the token issuer's; deadlines follow the issuer's")),
                // The token issuer's clock minus this device's.
                ("skewMs", ms(skew)),
            ]),
            JsValue::UNDEFINED,
        ),
    };
    if !cause.is_undefined() {
        let _ = js_sys::Reflect::set(&object, &"cause".into(), &cause);
    }
    (name, object)
}
