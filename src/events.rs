//! The events a page can listen to, their handlers, and the plain objects handlers receive.

use js_sys::Function;
use serde::Serialize;

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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Refreshed {
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// ISO 8601, as GenerateToken writes it.
    pub expiration: String,
    pub expires_at: f64,
    pub expires_in_ms: f64,
    pub reason: &'static str,
    /// Attempts this refresh took (1 when the first try worked).
    pub attempts: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Failed {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub code: &'static str,
    pub message: &'static str,
    /// Failures in a row, this one included.
    pub attempt: u32,
    /// When the next attempt is due (ms since the epoch), if the refresher is running.
    pub retry_at: Option<f64>,
    pub retry_in_ms: Option<f64>,
    /// Which embed, by its index in the `container` (or `embed`) list, when there are several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embed_index: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Expired {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub expiration: String,
    pub expired_for_ms: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub code: &'static str,
    pub message: &'static str,
    /// The token issuer's clock minus this device's.
    pub skew_ms: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
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
