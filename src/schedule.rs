//! The decision: given the time and what is known about the token, refresh now or not.
//!
//! Pure and clock-free: every input carries `now`, read from the wall clock by the shell each time
//! something fires, so a check that runs late (throttled timer, sleep) still decides on the real
//! time left.

use crate::{backoff, Millis};

/// The settings that shape decisions, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Refresh when the token expires within this much (`minutesBeforeExpiration`).
    pub margin: Millis,
    /// First retry delay after a failure; doubles per failure in a row.
    pub retry_base: Millis,
    /// Longest retry delay.
    pub retry_cap: Millis,
}

/// Why a refresh starts; handed to the token provider as `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Nothing says when the current token expires.
    Unknown,
    /// The token expires within the margin.
    Expiring,
    /// The token has already expired.
    Expired,
    /// `refreshNow()` was called while the token was still fresh.
    Manual,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Expiring => "expiring",
            Self::Expired => "expired",
            Self::Manual => "manual",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Schedule {
    policy: Policy,
    expires_at: Option<Millis>,
    /// Lifetime of the current token as received; `None` when it came from outside (the
    /// `expiration` option or the embed's token).
    lifetime: Option<Millis>,
    in_flight: bool,
    failures: u32,
    retry_at: Option<Millis>,
    expiry_reported: bool,
}

impl Schedule {
    pub fn new(policy: Policy, expires_at: Option<Millis>) -> Self {
        Self {
            policy,
            expires_at,
            lifetime: None,
            in_flight: false,
            failures: 0,
            retry_at: None,
            expiry_reported: false,
        }
    }

    /// How long before expiry a refresh is due. A token that lives no longer than twice the
    /// margin is refreshed at half its life, so a short-lived token never refreshes on every check.
    fn lead(&self) -> Millis {
        match self.lifetime {
            Some(life) => self.policy.margin.min(life / 2),
            None => self.policy.margin,
        }
    }

    /// When the next refresh is due, ignoring any retry delay; `None` when it is due now
    /// because the expiration is unknown.
    pub fn due_at(&self) -> Option<Millis> {
        self.expires_at.map(|at| at.saturating_sub(self.lead()))
    }

    /// Called by every trigger. `Some(reason)` means a refresh starts now: the schedule counts it
    /// as in flight until [`succeeded`](Self::succeeded), [`failed`](Self::failed) or
    /// [`abandoned`](Self::abandoned). Never two at once. `manual` skips the margin and any retry
    /// delay, not the single flight.
    pub fn poll(&mut self, now: Millis, manual: bool) -> Option<Reason> {
        if self.in_flight {
            return None;
        }
        let reason = match (self.expires_at, self.due_at()) {
            (None, _) => Some(Reason::Unknown),
            (Some(at), _) if now >= at => Some(Reason::Expired),
            (_, Some(due)) if now >= due => Some(Reason::Expiring),
            _ => None,
        };
        let reason = if manual {
            reason.or(Some(Reason::Manual))
        } else if self.retry_at.is_some_and(|retry| now < retry) {
            None
        } else {
            reason
        };
        self.in_flight = reason.is_some();
        reason
    }

    /// Once per token: `Some(ms expired)` the first time a check finds it past its expiration.
    pub fn take_expiry(&mut self, now: Millis) -> Option<Millis> {
        let at = self.expires_at?;
        if now < at || self.expiry_reported {
            return None;
        }
        self.expiry_reported = true;
        Some(now.saturating_sub(at))
    }

    /// The embed now holds a token that expires at `expires_at`.
    pub fn succeeded(&mut self, now: Millis, expires_at: Millis) {
        self.expires_at = Some(expires_at);
        self.lifetime = Some(expires_at.saturating_sub(now).max(0));
        self.in_flight = false;
        self.failures = 0;
        self.retry_at = None;
        self.expiry_reported = false;
    }

    /// The refresh failed; returns when the next attempt is due. The delay doubles per failure
    /// in a row but never runs past half the time the current token has left.
    pub fn failed(&mut self, now: Millis) -> Millis {
        self.in_flight = false;
        self.failures = self.failures.saturating_add(1);
        let Policy {
            retry_base,
            retry_cap,
            ..
        } = self.policy;
        let mut delay = backoff::delay(self.failures, retry_base, retry_cap);
        if let Some(left) = self
            .expires_at
            .map(|at| at.saturating_sub(now))
            .filter(|left| *left > 0)
        {
            delay = delay.min((left / 2).max(retry_base));
        }
        let at = now.saturating_add(delay);
        self.retry_at = Some(at);
        at
    }

    /// The refresh in flight was dropped (the refresher stopped); nothing about the token changed.
    pub fn abandoned(&mut self) {
        self.in_flight = false;
    }

    pub fn expires_at(&self) -> Option<Millis> {
        self.expires_at
    }

    pub fn in_flight(&self) -> bool {
        self.in_flight
    }

    /// Failures in a row since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// When the next attempt after a failure is due, if the last attempt failed.
    pub fn retry_at(&self) -> Option<Millis> {
        self.retry_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Millis = 60_000;
    const NOW: Millis = 1_764_324_000_000;
    const POLICY: Policy = Policy {
        margin: 10 * MIN,
        retry_base: 5_000,
        retry_cap: 5 * MIN,
    };

    fn expiring_at(at: Millis) -> Schedule {
        Schedule::new(POLICY, Some(at))
    }

    #[test]
    fn unknown_expiration_refreshes_at_once() {
        assert_eq!(
            Schedule::new(POLICY, None).poll(NOW, false),
            Some(Reason::Unknown)
        );
    }

    #[test]
    fn every_edge_of_the_margin() {
        let at = NOW + 10 * MIN;
        assert_eq!(
            expiring_at(at + 1).poll(NOW, false),
            None,
            "1 ms outside the margin"
        );
        assert_eq!(
            expiring_at(at).poll(NOW, false),
            Some(Reason::Expiring),
            "exactly at the margin"
        );
        assert_eq!(
            expiring_at(at - 1).poll(NOW, false),
            Some(Reason::Expiring),
            "1 ms inside"
        );
        assert_eq!(
            expiring_at(NOW + 1).poll(NOW, false),
            Some(Reason::Expiring),
            "1 ms left"
        );
        assert_eq!(
            expiring_at(NOW).poll(NOW, false),
            Some(Reason::Expired),
            "expires this instant"
        );
        assert_eq!(
            expiring_at(NOW - 1).poll(NOW, false),
            Some(Reason::Expired),
            "1 ms ago"
        );
        assert_eq!(
            expiring_at(NOW - 8 * 60 * MIN).poll(NOW, false),
            Some(Reason::Expired),
            "hours ago"
        );
    }

    #[test]
    fn zero_and_fractional_margins() {
        let zero = Policy {
            margin: 0,
            ..POLICY
        };
        assert_eq!(Schedule::new(zero, Some(NOW + 1)).poll(NOW, false), None);
        assert_eq!(
            Schedule::new(zero, Some(NOW)).poll(NOW, false),
            Some(Reason::Expired)
        );
        let half_minute = Policy {
            margin: 30_000,
            ..POLICY
        };
        assert_eq!(
            Schedule::new(half_minute, Some(NOW + 30_001)).poll(NOW, false),
            None
        );
        assert_eq!(
            Schedule::new(half_minute, Some(NOW + 30_000)).poll(NOW, false),
            Some(Reason::Expiring)
        );
    }

    #[test]
    fn single_flight() {
        let mut s = expiring_at(NOW + MIN);
        assert_eq!(s.poll(NOW, false), Some(Reason::Expiring));
        assert!(s.in_flight());
        assert_eq!(s.poll(NOW + 1, false), None);
        assert_eq!(
            s.poll(NOW + 2, true),
            None,
            "refreshNow joins, never starts a second call"
        );
        s.succeeded(NOW + 3, NOW + 60 * MIN);
        assert!(!s.in_flight());
        assert_eq!(s.poll(NOW + 4, false), None);
    }

    #[test]
    fn manual_refresh_of_a_fresh_token() {
        let mut s = expiring_at(NOW + 60 * MIN);
        assert_eq!(s.poll(NOW, true), Some(Reason::Manual));
        let mut s = expiring_at(NOW - 1);
        assert_eq!(
            s.poll(NOW, true),
            Some(Reason::Expired),
            "the real reason wins"
        );
    }

    #[test]
    fn success_moves_the_due_time() {
        let mut s = expiring_at(NOW + MIN);
        s.poll(NOW, false);
        s.succeeded(NOW, NOW + 60 * MIN);
        assert_eq!(s.expires_at(), Some(NOW + 60 * MIN));
        assert_eq!(s.due_at(), Some(NOW + 50 * MIN));
        assert_eq!(s.poll(NOW + 50 * MIN - 1, false), None);
        assert_eq!(s.poll(NOW + 50 * MIN, false), Some(Reason::Expiring));
    }

    #[test]
    fn short_lived_tokens_refresh_at_half_life_not_every_check() {
        let mut s = Schedule::new(POLICY, None);
        s.poll(NOW, false);
        s.succeeded(NOW, NOW + 3 * MIN);
        assert_eq!(s.due_at(), Some(NOW + 3 * MIN / 2));
        assert_eq!(
            s.poll(NOW + 30_000, false),
            None,
            "a check 30 s later does not refresh"
        );
        assert_eq!(s.poll(NOW + 3 * MIN / 2, false), Some(Reason::Expiring));
    }

    #[test]
    fn failures_back_off_then_recover() {
        let mut s = expiring_at(NOW + 60 * MIN);
        s.poll(NOW + 50 * MIN, false);
        let t = NOW + 50 * MIN;
        assert_eq!(s.failed(t), t + 5_000);
        assert_eq!(s.failures(), 1);
        assert_eq!(s.poll(t + 4_999, false), None, "waits out the retry delay");
        assert_eq!(s.poll(t + 5_000, false), Some(Reason::Expiring));
        assert_eq!(s.failed(t + 5_000), t + 15_000, "doubles");
        s.poll(t + 15_000, false);
        s.succeeded(t + 15_500, t + 75 * MIN);
        assert_eq!((s.failures(), s.retry_at()), (0, None));
    }

    #[test]
    fn retries_come_sooner_as_expiry_nears() {
        let mut s = expiring_at(NOW + 60 * MIN);
        s.poll(NOW + 50 * MIN, false);
        for _ in 0..7 {
            s.failed(NOW + 50 * MIN);
        }
        // 7 failures would wait the 5 min cap; 10 min are left, so half of that.
        assert_eq!(s.retry_at(), Some(NOW + 55 * MIN));
        let mut s = expiring_at(NOW + 4_000);
        s.poll(NOW, false);
        assert_eq!(
            s.failed(NOW),
            NOW + 5_000,
            "never below the base delay: no tight loop"
        );
    }

    #[test]
    fn retries_after_expiry_keep_backing_off() {
        let mut s = expiring_at(NOW - MIN);
        let mut t = NOW;
        let mut delays = vec![];
        for _ in 0..8 {
            assert_eq!(s.poll(t, false), Some(Reason::Expired));
            let next = s.failed(t);
            delays.push(next - t);
            assert_eq!(s.poll(next - 1, false), None);
            t = next;
        }
        assert_eq!(
            delays,
            [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]
        );
    }

    #[test]
    fn expiry_is_reported_once_per_token() {
        let mut s = expiring_at(NOW);
        assert_eq!(s.take_expiry(NOW - 1), None);
        assert_eq!(s.take_expiry(NOW + 7), Some(7));
        assert_eq!(s.take_expiry(NOW + 8), None);
        s.poll(NOW + 9, false);
        s.succeeded(NOW + 10, NOW + 20);
        assert_eq!(s.take_expiry(NOW + 25), Some(5));
    }

    #[test]
    fn abandoned_refresh_frees_the_flight() {
        let mut s = expiring_at(NOW);
        assert!(s.poll(NOW, false).is_some());
        s.abandoned();
        assert!(!s.in_flight());
        assert_eq!(s.expires_at(), Some(NOW));
        assert!(s.poll(NOW, false).is_some());
    }

    #[test]
    fn far_future_expirations_do_not_overflow() {
        let mut s = expiring_at(Millis::MAX);
        assert_eq!(s.poll(NOW, false), None);
        let mut s = expiring_at(Millis::MIN);
        assert_eq!(s.poll(NOW, false), Some(Reason::Expired));
        assert_eq!(s.failed(Millis::MAX - 1), Millis::MAX);
    }
}
