//! Every form an expiration arrives in, turned into milliseconds since the epoch — or a reason
//! why not that a developer can act on.

use crate::js_number::LATEST;
use crate::{rfc3339, Millis};

/// 2000-01-01T00:00:00Z. An expiration before it is a mistake, most often seconds given
/// where milliseconds were meant.
const EARLIEST: f64 = 946_684_800_000.0;
/// A count of seconds from 2000 up to this one (the year 5138) is read as seconds when
/// milliseconds were expected; as milliseconds it would be a date in 1973.
const SECONDS_BELOW: f64 = 100_000_000_000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpirationError {
    /// A string that is not an RFC 3339 / ISO 8601 date-time.
    NotADateTime,
    /// A number (or `Date`) that is NaN or infinite.
    NotFinite,
    /// A number small enough to be seconds rather than milliseconds since the epoch.
    LooksLikeSeconds,
    /// Before 2000 or after the last date JavaScript can represent.
    OutOfRange,
    /// Neither a string, a number nor a `Date`.
    WrongType,
    /// A bare token that is not a JWT with an `exp` claim, so nothing says when it expires.
    NoExpClaim,
}

impl ExpirationError {
    pub fn message(self) -> &'static str {
        match self {
            Self::NotADateTime => {
                "expiration is not an ISO 8601 date-time such as \"2026-11-28T10:00:00Z\""
            }
            Self::NotFinite => "expiration is not a finite number or valid Date",
            Self::LooksLikeSeconds => {
                "expiration looks like seconds since the epoch; give milliseconds (seconds * 1000)"
            }
            Self::OutOfRange => "expiration is before the year 2000 or beyond what a Date can hold",
            Self::WrongType => {
                "expiration must be an ISO 8601 string, milliseconds since the epoch or a Date"
            }
            Self::NoExpClaim => {
                "the token is not a JWT with an exp claim; answer { token, expiration } instead"
            }
        }
    }
}

/// Milliseconds since the epoch, as a number or a `Date`'s `getTime()`.
pub fn from_millis(ms: f64) -> Result<Millis, ExpirationError> {
    if !ms.is_finite() {
        Err(ExpirationError::NotFinite)
    } else if (EARLIEST / 1000.0..SECONDS_BELOW).contains(&ms) {
        Err(ExpirationError::LooksLikeSeconds)
    } else if !(EARLIEST..=LATEST as f64).contains(&ms) {
        Err(ExpirationError::OutOfRange)
    } else {
        Ok(ms as Millis)
    }
}

/// An RFC 3339 / ISO 8601 string such as GenerateToken's `"2018-07-29T17:58:19Z"`.
pub fn from_text(text: &str) -> Result<Millis, ExpirationError> {
    let ms = rfc3339::parse(text).ok_or(ExpirationError::NotADateTime)?;
    from_millis(ms as f64)
}

/// A JWT's `exp` claim (seconds since the epoch), as the shell read it with `atob` and
/// `JSON.parse`; `None` when the token is no JWT or has no numeric `exp`.
pub fn from_exp_claim(seconds: Option<f64>) -> Result<Millis, ExpirationError> {
    let seconds = seconds.ok_or(ExpirationError::NoExpClaim)?;
    if seconds >= SECONDS_BELOW {
        return Err(ExpirationError::OutOfRange);
    }
    from_millis(seconds * 1000.0)
}

/// A JWT's `iat` claim in milliseconds, if it has a plausible one.
pub fn from_iat_claim(seconds: Option<f64>) -> Option<Millis> {
    let seconds = seconds.filter(|s| *s < SECONDS_BELOW)?;
    from_millis(seconds * 1000.0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExpirationError::*;

    #[test]
    fn milliseconds() {
        assert_eq!(from_millis(1_764_324_000_000.0), Ok(1_764_324_000_000));
        assert_eq!(from_millis(1_764_324_000_000.7), Ok(1_764_324_000_000));
        assert_eq!(from_millis(EARLIEST), Ok(946_684_800_000));
        assert_eq!(from_millis(LATEST as f64), Ok(8_640_000_000_000_000));
    }

    #[test]
    fn seconds_are_caught() {
        assert_eq!(from_millis(1_764_324_000.0), Err(LooksLikeSeconds));
        assert_eq!(from_millis(946_684_800.0), Err(LooksLikeSeconds));
    }

    #[test]
    fn nonsense_numbers() {
        assert_eq!(from_millis(f64::NAN), Err(NotFinite));
        assert_eq!(from_millis(f64::INFINITY), Err(NotFinite));
        assert_eq!(from_millis(f64::NEG_INFINITY), Err(NotFinite));
        assert_eq!(from_millis(0.0), Err(OutOfRange));
        assert_eq!(from_millis(42.0), Err(OutOfRange));
        assert_eq!(from_millis(-1.0), Err(OutOfRange));
        assert_eq!(from_millis(EARLIEST - 1.0), Err(OutOfRange));
        assert_eq!(from_millis(LATEST as f64 + 1.0), Err(OutOfRange));
    }

    #[test]
    fn text() {
        assert_eq!(from_text("2018-07-29T17:58:19Z"), Ok(1_532_887_099_000));
        assert_eq!(from_text("garbage"), Err(NotADateTime));
        assert_eq!(from_text("1999-12-31T23:59:59Z"), Err(OutOfRange));
    }

    #[test]
    fn jwt_exp_is_seconds() {
        assert_eq!(from_exp_claim(Some(1_764_324_000.0)), Ok(1_764_324_000_000));
        assert_eq!(from_exp_claim(None), Err(NoExpClaim));
        // Milliseconds where seconds belong.
        assert_eq!(from_exp_claim(Some(1_764_324_000_000.0)), Err(OutOfRange));
        assert_eq!(from_exp_claim(Some(f64::NAN)), Err(NotFinite));
        assert_eq!(
            from_iat_claim(Some(1_764_324_000.0)),
            Some(1_764_324_000_000)
        );
        assert_eq!(from_iat_claim(Some(-5.0)), None);
    }

    #[test]
    fn every_message_is_distinct() {
        let all = [
            NotADateTime,
            NotFinite,
            LooksLikeSeconds,
            OutOfRange,
            WrongType,
            NoExpClaim,
        ];
        for (i, a) in all.iter().enumerate() {
            assert!(a.message().starts_with("expiration") || a.message().starts_with("the token"));
            for b in &all[i + 1..] {
                assert_ne!(a.message(), b.message());
            }
        }
    }
}
