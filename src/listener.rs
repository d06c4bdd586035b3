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
        let callback = Closure::<dyn FnMut(Event)>::new(callback);
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
