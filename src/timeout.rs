//! A deadline for a future: powerbi-client's `setAccessToken` has no timeout of its own, and a
//! token provider can hang on a dead network.

use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::Poll;

use gloo_timers::callback::Timeout;
use js_sys::Promise;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// `Some(output)` if `future` finishes within `ms`, else `None`. The timer is cleared when this
/// returns either way (dropping the `Timeout` calls `clearTimeout`).
pub async fn within<F: Future>(ms: u32, future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let (deadline, _timer) = sleep(ms);
    let mut deadline = JsFuture::from(deadline);
    poll_fn(|cx| {
        if let Poll::Ready(out) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        match core::pin::Pin::new(&mut deadline).poll(cx) {
            Poll::Ready(_) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// A promise that resolves after `ms`, and the timer behind it (`Some`: `Promise::new` runs the
/// executor at once): dropping the timer clears it.
/// Rather than gloo-timers' `TimeoutFuture`: the promise is awaited by the `JsFuture` every
/// other wait here uses, so the timer future and its channel are not linked in (measured: bytes).
pub fn sleep(ms: u32) -> (Promise, Option<Timeout>) {
    let mut timer = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        timer = Some(Timeout::new(ms, move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }));
    });
    (promise, timer)
}
