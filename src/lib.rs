//! Keeps the access token of embedded Power BI content fresh.
//!
//! Microsoft documents a loop for this: every 30 s, if the token expires within 10 minutes, ask
//! the app's backend for a new one and hand it to `setAccessToken`. This crate is that loop done
//! right, compiled to WebAssembly and used from JavaScript as `new TokenRefresher(options)`.
//!
//! Two halves:
//! - **A pure core** that decides and parses, with no browser in it, tested by plain `cargo test`:
//!   [`schedule`] (refresh now or not, single flight, retry delays from [`backoff`]) and
//!   [`expiration`] (ISO 8601 strings via [`rfc3339`], milliseconds, JWT `exp` via [`jwt`]).
//!   Time is an input (`now`), so late timers, sleep and clock changes are just other inputs.
//! - **A thin browser shell** that owns every timer and listener as a value whose `Drop` undoes
//!   it, turns what fires into core inputs and turns the core's answers into calls: the token
//!   provider (`provider`) and `embed.setAccessToken` (`embed`), both through wasm-bindgen
//!   externs (`bindings`). `refresher` holds it together; `stop()` drops the running part.
//!
//! [`allocator`] replaces dlmalloc in the shipped wasm: a sixth of the package's bytes for a
//! workload of a few small, repeated allocations.
//!
//! Nothing reaches the host page as an exception at run time: every failure becomes an `error`
//! event and a retry. Tokens are never logged; debug output shows only their last characters.

pub mod allocator;
pub mod anchor;
pub mod backoff;
pub mod expiration;
mod json_member;
pub mod jwt;
pub mod redact;
pub mod rfc3339;
pub mod schedule;

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
mod cross_tab;
#[cfg(target_arch = "wasm32")]
mod debug_log;
#[cfg(target_arch = "wasm32")]
mod embed;
#[cfg(target_arch = "wasm32")]
mod error;
#[cfg(target_arch = "wasm32")]
mod events;
#[cfg(target_arch = "wasm32")]
mod expiration_value;
#[cfg(target_arch = "wasm32")]
mod listener;
#[cfg(target_arch = "wasm32")]
mod options;
#[cfg(target_arch = "wasm32")]
mod provider;
#[cfg(target_arch = "wasm32")]
mod refresher;
#[cfg(target_arch = "wasm32")]
mod registry;
#[cfg(target_arch = "wasm32")]
mod timeout;
#[cfg(target_arch = "wasm32")]
mod typescript;

#[cfg(target_arch = "wasm32")]
pub use refresher::TokenRefresher;

/// Milliseconds since the Unix epoch (an instant) or between two instants (a duration).
pub type Millis = i64;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: allocator::SizeClasses<allocator::WasmMemory> =
    allocator::SizeClasses::new(allocator::WasmMemory);
