//! Started refreshers, kept alive here rather than by the page.
//!
//! wasm-bindgen frees an exported object when JavaScript drops its last reference to it. A
//! started refresher must go on until `stop()`, like a `setInterval` would, so `start()` has it
//! hold a strong reference to itself and `stop()` takes that out: a cycle on purpose, and only
//! while it runs. Timers and listeners hold only weak ones. Rather than a list of all of them in a
//! `thread_local!`, whose access checks cost bytes; a counter says how many there are.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use crate::refresher::Inner;

/// How many refreshers are started (single-threaded: the atomic is only a safe `static`).
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// A refresher's hold on itself while started.
#[derive(Default)]
pub struct Kept(Cell<Option<Rc<Inner>>>);

impl Kept {
    pub fn keep(&self, inner: &Rc<Inner>) {
        let held = self.0.replace(Some(Rc::clone(inner)));
        if held.is_none() {
            STARTED.fetch_add(1, Relaxed);
        }
    }

    pub fn release(&self) {
        // Dropped after the count: a drop may run JavaScript (clearInterval).
        let released = self.0.take();
        if released.is_some() {
            STARTED.fetch_sub(1, Relaxed);
        }
        drop(released);
    }
}

/// How many refreshers are started; for tests.
pub fn started() -> usize {
    STARTED.load(Relaxed)
}
