//! Where a new token's deadline sits on this device's clock.
//!
//! An expiration is an instant on the issuer's clock. Compared with a device clock that is off
//! by an hour it is wrong by an hour: the token looks expired on arrival, or lives an hour past
//! its real end. What the issuer meant is the lifetime at issue, so when the answer carries a
//! reference to the issuer's clock — `expiresIn` (OAuth's `expires_in`), `serverTime` (e.g. the
//! response's `Date` header), or a JWT's `iat` — the deadline is anchored on the moment the
//! answer arrived instead.

use crate::Millis;

/// Device and issuer clocks may differ by this much before it counts as skew: token backends
/// cache, networks lag.
pub const SKEW_TOLERANCE: Millis = 60_000;

/// What an answer says about its token's life, in milliseconds on the issuer's clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Claims {
    /// `expiration` (or the JWT's `exp`).
    pub expires_at: Option<Millis>,
    /// Lifetime left at issue (`expiresIn`, given in seconds, converted).
    pub expires_in: Option<Millis>,
    /// The issuer's clock when it answered (`serverTime`).
    pub server_now: Option<Millis>,
    /// The JWT's `iat`.
    pub issued_at: Option<Millis>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchored {
    /// The deadline on this device's clock.
    pub expires_at: Millis,
    /// Issuer's clock minus this device's, when a reference showed more than
    /// [`SKEW_TOLERANCE`] of difference.
    pub skew: Option<Millis>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnchorError {
    /// Nothing says when the token expires.
    NoExpiration,
    /// It had expired when it arrived, by the issuer's clock when there is a reference, else
    /// by this device's.
    AlreadyExpired,
}

/// The deadline of a token that arrived at `now` (this device's clock).
pub fn anchor(now: Millis, claims: Claims) -> Result<Anchored, AnchorError> {
    let (expires_at, issuer_now) = match claims {
        Claims {
            expires_in: Some(left),
            ..
        } => {
            let issuer_now = claims
                .server_now
                .or(claims.expires_at.map(|at| at.saturating_sub(left)));
            (now.saturating_add(left), issuer_now)
        }
        Claims {
            expires_at: Some(at),
            server_now: Some(server),
            ..
        } => (now.saturating_add(at.saturating_sub(server)), Some(server)),
        // A JWT made "in the future", or expired on arrival while made after its `iat`: this
        // clock is off, and `exp - iat` is the lifetime the issuer meant. A JWT made in the
        // past may just be a cached one, so its `exp` stands.
        Claims {
            expires_at: Some(at),
            issued_at: Some(iat),
            ..
        } if at > iat && (iat > now.saturating_add(SKEW_TOLERANCE) || at <= now) => {
            (now.saturating_add(at.saturating_sub(iat)), Some(iat))
        }
        Claims {
            expires_at: Some(at),
            ..
        } => (at, None),
        _ => return Err(AnchorError::NoExpiration),
    };
    // No `Date` holds a later instant (and none goes to other tabs).
    let expires_at = expires_at.min(crate::js_number::LATEST);
    if expires_at <= now {
        return Err(AnchorError::AlreadyExpired);
    }
    let skew = issuer_now
        .map(|issuer| issuer.saturating_sub(now))
        .filter(|skew| skew.saturating_abs() > SKEW_TOLERANCE);
    Ok(Anchored { expires_at, skew })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_764_324_000_000;
    const HOUR: Millis = 3_600_000;

    fn at(expires_at: Millis) -> Claims {
        Claims {
            expires_at: Some(expires_at),
            ..Claims::default()
        }
    }

    #[test]
    fn a_plain_expiration_is_taken_as_it_is() {
        assert_eq!(
            anchor(NOW, at(NOW + HOUR)),
            Ok(Anchored {
                expires_at: NOW + HOUR,
                skew: None
            })
        );
        assert_eq!(
            anchor(NOW, at(NOW)),
            Err(AnchorError::AlreadyExpired),
            "no reference: the device clock decides"
        );
        assert_eq!(
            anchor(NOW, Claims::default()),
            Err(AnchorError::NoExpiration)
        );
    }

    #[test]
    fn server_time_anchors_on_the_lifetime() {
        // This device runs two hours fast: the token looks expired by its clock.
        let server = NOW - 2 * HOUR;
        let claims = Claims {
            server_now: Some(server),
            ..at(server + HOUR)
        };
        assert_eq!(
            anchor(NOW, claims),
            Ok(Anchored {
                expires_at: NOW + HOUR,
                skew: Some(-2 * HOUR)
            })
        );
        let on_time = Claims {
            server_now: Some(NOW + 5_000),
            ..at(NOW + HOUR)
        };
        assert_eq!(
            anchor(NOW, on_time),
            Ok(Anchored {
                expires_at: NOW + HOUR - 5_000,
                skew: None
            }),
            "within tolerance: no skew reported, still anchored"
        );
        let expired = Claims {
            server_now: Some(NOW - 2 * HOUR),
            ..at(NOW - 2 * HOUR)
        };
        assert_eq!(anchor(NOW, expired), Err(AnchorError::AlreadyExpired));
    }

    #[test]
    fn expires_in_wins_and_reveals_skew_with_an_expiration() {
        let alone = Claims {
            expires_in: Some(HOUR),
            ..Claims::default()
        };
        assert_eq!(
            anchor(NOW, alone),
            Ok(Anchored {
                expires_at: NOW + HOUR,
                skew: None
            })
        );
        let behind = Claims {
            expires_in: Some(HOUR),
            ..at(NOW + 3 * HOUR)
        };
        assert_eq!(anchor(NOW, behind).unwrap().skew, Some(2 * HOUR));
        let zero = Claims {
            expires_in: Some(0),
            ..Claims::default()
        };
        assert_eq!(anchor(NOW, zero), Err(AnchorError::AlreadyExpired));
    }

    #[test]
    fn jwt_iat_corrects_a_clock_that_is_off() {
        let jwt = |iat: Millis, exp: Millis| Claims {
            issued_at: Some(iat),
            ..at(exp)
        };
        // Device 3 hours slow: the token was made "in the future".
        let slow = anchor(NOW, jwt(NOW + 3 * HOUR, NOW + 4 * HOUR)).unwrap();
        assert_eq!((slow.expires_at, slow.skew), (NOW + HOUR, Some(3 * HOUR)));
        // Device 3 hours fast: expired on arrival, though made after its iat.
        let fast = anchor(NOW, jwt(NOW - 3 * HOUR, NOW - 2 * HOUR)).unwrap();
        assert_eq!((fast.expires_at, fast.skew), (NOW + HOUR, Some(-3 * HOUR)));
        // A cached token made 40 minutes ago: its exp stands.
        let cached = anchor(NOW, jwt(NOW - 40 * 60_000, NOW + 20 * 60_000)).unwrap();
        assert_eq!((cached.expires_at, cached.skew), (NOW + 20 * 60_000, None));
        assert_eq!(
            anchor(NOW, jwt(NOW - HOUR, NOW - HOUR)),
            Err(AnchorError::AlreadyExpired),
            "exp not after iat: expired, not skewed"
        );
    }

    #[test]
    fn extremes_do_not_overflow() {
        let huge = Claims {
            expires_in: Some(Millis::MAX),
            server_now: Some(Millis::MIN),
            ..at(Millis::MAX)
        };
        assert_eq!(
            anchor(NOW, huge).unwrap().expires_at,
            crate::js_number::LATEST
        );
        let odd = Claims {
            server_now: Some(Millis::MIN),
            ..at(Millis::MAX)
        };
        assert!(anchor(NOW, odd).is_ok());
    }

    #[test]
    fn a_lifetime_anchored_near_the_end_of_time_stays_within_a_date() {
        let now = crate::js_number::LATEST - 1_000;
        let claims = Claims {
            expires_in: Some(HOUR),
            ..Claims::default()
        };
        let anchored = anchor(now, claims).unwrap();
        assert_eq!(anchored.expires_at, crate::js_number::LATEST);
    }
}
