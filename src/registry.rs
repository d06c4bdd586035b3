//! Started refreshers, kept alive here rather than by the page.
//!
//! wasm-bindgen frees an exported object when JavaScript drops its last reference to it. A
//! started refresher must go on until `stop()`, like a `setInterval` would, so `start()` puts a
//! strong reference here and `stop()` takes it out. Timers and listeners hold only weak ones.

use std::cell::RefCell;
use std::rc::Rc;

use crate::refresher::Inner;

thread_local! {
    static STARTED: RefCell<Vec<Rc<Inner>>> = const { RefCell::new(Vec::new()) };
}

pub fn keep(inner: &Rc<Inner>) {
    STARTED.with_borrow_mut(|all| {
        if !all.iter().any(|x| Rc::ptr_eq(x, inner)) {
            all.push(Rc::clone(inner));
        }
    });
}

pub fn release(inner: &Inner) {
    // Dropped after the borrow ends: a drop may run JavaScript (clearInterval).
    let released = STARTED.with_borrow_mut(|all| {
        let at = all
            .iter()
            .position(|x| core::ptr::eq(Rc::as_ptr(x), inner))?;
        Some(all.swap_remove(at))
    });
    drop(released);
}

/// How many refreshers are started; for tests.
pub fn started() -> usize {
    STARTED.with_borrow(Vec::len)
}
