//! Every decision of powerbi-token-refresh, with no browser in it.
//!
//! [`machine::Machine`] is a state machine: the shell (the wasm package) turns what fires in the
//! browser — timers, page events, the provider's answer, the embeds' answers, another tab's
//! message, the lock — into an [`io::Input`] with the time on both clocks ([`io::Now`]), and
//! carries out the [`io::Command`]s that come back: call the provider with a deadline, set the
//! token on these embeds, reload, arm the wake timer, publish to the other tabs, emit this event,
//! settle these promises. The simulation and the property tests drive the very same machine
//! with virtual time, so what they prove is what ships.
//!
//! Under it: [`schedule`] (refresh now or not, single flight, the minimum gap, retry delays from
//! [`backoff`], clock disturbances), [`anchor`] (a token's deadline on this device's clock),
//! [`expiration`] (every form an expiration arrives in, via [`rfc3339`]), [`js_number`] (the one
//! range check for numbers from JavaScript), [`failure`] (error codes and messages) and
//! [`redact`] (what of a token a log may show).
//!
//! This crate's manifest has no wasm-bindgen, web-sys or js-sys: the compiler keeps the browser
//! out.

pub mod anchor;
pub mod backoff;
pub mod expiration;
pub mod failure;
pub mod io;
pub mod js_number;
pub mod machine;
pub mod redact;
pub mod rfc3339;
pub mod schedule;

/// Milliseconds since the Unix epoch (an instant) or between two instants (a duration).
pub type Millis = i64;
