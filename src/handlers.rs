//! The events a page can listen to, and its handlers for them.

use js_sys::Function;

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
