//! The events a page can listen to, their handlers, and the plain objects handlers receive.

use js_sys::Function;
use serde::ser::{Serialize, Serializer};
use wasm_bindgen::JsValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventName {
    /// The embed holds a new token.
    Refreshed,
    /// A refresh failed; another attempt is scheduled.
    Error,
    /// The embed's token expired before a new one arrived.
    Expired,
    /// Something is off but handled (this device's clock).
    Warning,
}

impl EventName {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "refreshed" => Some(Self::Refreshed),
            "error" => Some(Self::Error),
            "expired" => Some(Self::Expired),
            "warning" => Some(Self::Warning),
            _ => None,
        }
    }
}

/// Handlers in the order added; like `addEventListener`, adding the same one twice is a no-op.
#[derive(Default)]
pub struct Handlers(Vec<(EventName, Function)>);

impl Handlers {
    pub fn add(&mut self, name: EventName, handler: Function) {
        if !self.0.iter().any(|(n, h)| *n == name && h == &handler) {
            self.0.push((name, handler));
        }
    }

    pub fn remove(&mut self, name: EventName, handler: &Function) {
        self.0.retain(|(n, h)| !(*n == name && h == handler));
    }

    /// A snapshot, so a handler may add or remove handlers (or stop) while it runs.
    pub fn of(&self, name: EventName) -> Vec<Function> {
        self.0
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, h)| h.clone())
            .collect()
    }
}

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
