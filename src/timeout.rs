//! A deadline for a future: powerbi-client's `setAccessToken` has no timeout of its own, and a
//! token provider can hang on a dead network.

use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::Poll;

use gloo_timers::future::TimeoutFuture;

/// `Some(output)` if `future` finishes within `ms`, else `None`. The timer is cleared when this
/// returns either way (dropping `TimeoutFuture` calls `clearTimeout`).
pub async fn within<F: Future>(ms: u32, future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut deadline = TimeoutFuture::new(ms);
    poll_fn(|cx| {
        if let Poll::Ready(out) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        match core::pin::Pin::new(&mut deadline).poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}
