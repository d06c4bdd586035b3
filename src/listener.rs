//! A DOM event listener owned by a Rust value: dropping it removes exactly that listener.

use wasm_bindgen::prelude::*;
use web_sys::{Event, EventTarget};

#[must_use = "the listener is removed when this value is dropped"]
pub struct EventListener {
    target: EventTarget,
    name: &'static str,
    callback: Closure<dyn FnMut(Event)>,
}

impl EventListener {
    pub fn new(
        target: &EventTarget,
        name: &'static str,
        callback: impl FnMut(Event) + 'static,
    ) -> Self {
        Self::boxed(target, name, Box::new(callback))
    }

    /// Not generic: one copy of the closure plumbing for every kind of callback.
    fn boxed(target: &EventTarget, name: &'static str, callback: Box<dyn FnMut(Event)>) -> Self {
        let callback = Closure::wrap(callback);
        // Only fails on a target that is not an EventTarget, which the type rules out.
        let _ = target.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
        Self {
            target: target.clone(),
            name,
            callback,
        }
    }
}

impl Drop for EventListener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.name, self.callback.as_ref().unchecked_ref());
    }
}
