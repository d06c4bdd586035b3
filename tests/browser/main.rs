//! The browser shell in a real page (headless Chrome and Firefox, and WebKit, through
//! `wasm-pack test`), against an in-page fake `powerbi` service and a scripted token provider
//! (tests/support/fake_powerbi.js). One test binary: each module below holds one topic, and all
//! of them share the harness in tests/support (which tests/powerbi_client.rs uses too).
//!
//! Timers are short (checks every 20 ms, retries after 10 ms) and every wait is bounded polling.
//! Nothing asserts on how long something took: only on counts, order and content. A test that
//! waits to show that something does *not* happen waits several check intervals.
//!
//! Every test ends in [`support::Env::finish`], which stops its refreshers, checks that none is
//! left started, that nothing was thrown at the page (uncaught exception or unhandled rejection),
//! and only then reports the failed checks. Checks are collected rather than asserted on the spot
//! so that a failing test still cleans up: with `panic = "abort"` an early panic would leave
//! timers running into the next tests.

#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

#[path = "../support/mod.rs"]
mod support;

mod constructor;
mod cross_tab;
mod debug_output;
mod embeds;
mod expiration;
mod handlers;
mod lifecycle;
mod provider;
mod refresh_now;
mod retries;
mod schedule;
mod set_access_token;
mod soak;
mod stopped;
mod wake_ups;

wasm_bindgen_test_configure!(run_in_browser);
