//! The one door for numbers that come from JavaScript (answers, other tabs' messages, event
//! payloads) and for numbers that go back to its timers: every value is range-checked here, so
//! no conversion downstream can overflow, panic or make a `Date` throw.

use crate::Millis;

/// The largest instant (and the smallest, negated) a JavaScript `Date` can hold.
pub const LATEST: Millis = 8_640_000_000_000_000;

/// The longest delay `setTimeout` honours; a longer one fires at once.
pub const MAX_TIMER_MS: u32 = i32::MAX as u32;

/// An instant a `Date` can hold, or `None` (NaN, infinite, out of range).
pub fn instant(value: f64) -> Option<Millis> {
    (value.is_finite() && value.abs() <= LATEST as f64).then_some(value as Millis)
}

/// A delay computed here, clamped to what `setTimeout` holds.
pub fn timer(ms: Millis) -> u32 {
    ms.clamp(0, Millis::from(MAX_TIMER_MS)) as u32
}

/// `true` when `ms` is an instant a `Date` can hold (so `toISOString` cannot throw).
pub fn in_date_range(ms: Millis) -> bool {
    (-LATEST..=LATEST).contains(&ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants() {
        assert_eq!(instant(1_764_324_000_000.0), Some(1_764_324_000_000));
        assert_eq!(instant(LATEST as f64), Some(LATEST));
        assert_eq!(instant(-(LATEST as f64)), Some(-LATEST));
        assert_eq!(instant(LATEST as f64 + 1e6), None);
        assert_eq!(instant(1e300), None);
        assert_eq!(instant(f64::NAN), None);
        assert_eq!(instant(f64::INFINITY), None);
    }

    #[test]
    fn delays() {
        assert_eq!(timer(-1), 0);
        assert_eq!(timer(Millis::MAX), MAX_TIMER_MS);
        assert_eq!(timer(30_000), 30_000);
    }
}
