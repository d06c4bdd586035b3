//! Waiting for several futures at once: `setAccessToken` on every embed that shares a token, so
//! one that hangs until its timeout does not hold the others back.

use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::task::Poll;

/// Every output, in the order given, once all are ready.
pub async fn all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pending: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    poll_fn(|cx| {
        for (future, slot) in pending.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                if let Poll::Ready(out) = future.as_mut().poll(cx) {
                    *slot = Some(out);
                }
            }
        }
        if done.iter().all(Option::is_some) {
            Poll::Ready(done.iter_mut().filter_map(Option::take).collect())
        } else {
            Poll::Pending
        }
    })
    .await
}
