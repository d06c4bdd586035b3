//! Keeps the access token of embedded Power BI content fresh.
//!
//! Microsoft documents a loop for this: every 30 s, if the token expires within 10 minutes, ask
//! the app's backend for a new one and hand it to `setAccessToken`. This crate is that loop done
//! right, compiled to WebAssembly and used from JavaScript as `new TokenRefresher(options)`.
//!
//! Two halves, split where the compiler enforces it:
//! - **The machine** (the `powerbi-token-refresh-core` crate in `core/`, imported here as
//!   `refresh_core`; it cannot reach the browser) owns every decision: when to refresh, who waits
//!   for whom across tabs, what a timeout or a stop abandons, when it must be woken next, what is
//!   reported. Inputs in (with the time on both clocks), commands out; tested by plain
//!   `cargo test`, and driven through thousands of simulated days by the very same code.
//! - **This crate, the shell**, only does I/O: `refresher` is the class JavaScript sees and
//!   turns its calls into inputs; `driver` owns the machine, turns timers, listeners
//!   (`running`), promises and messages into inputs, and carries out the commands through
//!   wasm-bindgen externs (`bindings`): the token provider (`provider`),
//!   `setAccessToken`/`reload` (`embed`), the other tabs (`cross_tab`); `objects` formats what
//!   handlers and `status` return. What runs between `start()` and `stop()` is one value whose
//!   `Drop` undoes it; `stop()` drops it.
//!
//! Nothing reaches the host page as an exception at run time: every failure becomes an `error`
//! event and a retry; every number JavaScript hands over passes one range check
//! (`refresh_core::js_number`). Tokens are never logged; debug output shows only their last characters.

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
mod clock;
#[cfg(target_arch = "wasm32")]
mod cross_tab;
#[cfg(target_arch = "wasm32")]
mod debug_log;
#[cfg(target_arch = "wasm32")]
mod driver;
#[cfg(target_arch = "wasm32")]
mod embed;
#[cfg(target_arch = "wasm32")]
mod error;
#[cfg(target_arch = "wasm32")]
mod expiration_value;
#[cfg(target_arch = "wasm32")]
mod handlers;
#[cfg(target_arch = "wasm32")]
mod jwt_claims;
#[cfg(target_arch = "wasm32")]
mod listener;
#[cfg(target_arch = "wasm32")]
mod objects;
#[cfg(target_arch = "wasm32")]
mod options;
#[cfg(target_arch = "wasm32")]
mod page;
#[cfg(target_arch = "wasm32")]
mod provider;
#[cfg(target_arch = "wasm32")]
mod refresher;
#[cfg(target_arch = "wasm32")]
mod running;
#[cfg(target_arch = "wasm32")]
mod timeout;
#[cfg(target_arch = "wasm32")]
mod typescript;
#[cfg(target_arch = "wasm32")]
mod waiters;

#[cfg(target_arch = "wasm32")]
pub use refresher::TokenRefresher;

// lol_alloc's free list: the smallest of the maintained allocators measured here (README
// "Size"); dlmalloc, Rust's default, costs 3 KB gzip more for a workload of a few small,
// repeated allocations.
// SAFETY: this wasm module has no threads (no atomics, no shared memory).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
