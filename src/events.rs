//! The events a page can listen to, their handlers, and the plain objects handlers receive.

use js_sys::Function;
use serde::ser::{Serialize, SerializeMap, Serializer};

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
enum Value<'a> {
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

fn num(n: Option<f64>) -> Value<'static> {
    n.map_or(Value::Null, Value::Num)
}

fn text(s: Option<&str>) -> Value<'_> {
    s.map_or(Value::Null, Value::Str)
}

/// The fields as a plain object. Written as a map rather than derived: serde-wasm-bindgen keeps
/// a derived struct's field names in a hash map, which cost more bytes than all the events.
fn object<S: Serializer>(serializer: S, fields: &[(&str, Value)]) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(fields.len()))?;
    for (key, value) in fields {
        map.serialize_entry(key, value)?;
    }
    map.end()
}

pub struct Refreshed {
    /// ISO 8601, as GenerateToken writes it.
    pub expiration: String,
    pub expires_at: f64,
    pub expires_in_ms: f64,
    pub reason: &'static str,
    /// Attempts this refresh took (1 when the first try worked).
    pub attempts: u32,
}

impl Serialize for Refreshed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use Value::*;
        let fields = [
            ("type", Str("refreshed")),
            ("expiration", Str(&self.expiration)),
            ("expiresAt", Num(self.expires_at)),
            ("expiresInMs", Num(self.expires_in_ms)),
            ("reason", Str(self.reason)),
            ("attempts", Num(self.attempts.into())),
        ];
        object(serializer, &fields)
    }
}

pub struct Failed {
    pub code: &'static str,
    pub message: &'static str,
    /// Failures in a row, this one included.
    pub attempt: u32,
    /// When the next attempt is due (ms since the epoch), if the refresher is running.
    pub retry_at: Option<f64>,
    pub retry_in_ms: Option<f64>,
    /// Which embed, by its index in the `container` (or `embed`) list, when there are several;
    /// the field is left out otherwise.
    pub embed_index: Option<u32>,
}

impl Serialize for Failed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use Value::*;
        let fields = [
            ("type", Str("error")),
            ("code", Str(self.code)),
            ("message", Str(self.message)),
            ("attempt", Num(self.attempt.into())),
            ("retryAt", num(self.retry_at)),
            ("retryInMs", num(self.retry_in_ms)),
            ("embedIndex", num(self.embed_index.map(f64::from))),
        ];
        let len = fields.len() - usize::from(self.embed_index.is_none());
        object(serializer, &fields[..len])
    }
}

pub struct Expired {
    pub expiration: String,
    pub expired_for_ms: f64,
}

impl Serialize for Expired {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use Value::*;
        let fields = [
            ("type", Str("expired")),
            ("expiration", Str(&self.expiration)),
            ("expiredForMs", Num(self.expired_for_ms)),
        ];
        object(serializer, &fields)
    }
}

pub struct Warning {
    pub code: &'static str,
    pub message: &'static str,
    /// The token issuer's clock minus this device's.
    pub skew_ms: f64,
}

impl Serialize for Warning {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use Value::*;
        let fields = [
            ("type", Str("warning")),
            ("code", Str(self.code)),
            ("message", Str(self.message)),
            ("skewMs", Num(self.skew_ms)),
        ];
        object(serializer, &fields)
    }
}

pub struct Status {
    pub running: bool,
    pub refreshing: bool,
    pub expiration: Option<String>,
    pub expires_in_ms: Option<f64>,
    pub failures: u32,
    pub next_retry_in_ms: Option<f64>,
    pub last_error: Option<&'static str>,
    pub refresh_count: u32,
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use Value::*;
        let fields = [
            ("running", Bool(self.running)),
            ("refreshing", Bool(self.refreshing)),
            ("expiration", text(self.expiration.as_deref())),
            ("expiresInMs", num(self.expires_in_ms)),
            ("failures", Num(self.failures.into())),
            ("nextRetryInMs", num(self.next_retry_in_ms)),
            ("lastError", text(self.last_error)),
            ("refreshCount", Num(self.refresh_count.into())),
        ];
        object(serializer, &fields)
    }
}
