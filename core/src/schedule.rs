//! The decision: given the time and what is known about the token, refresh now or not.
//!
//! Pure and clock-free: every input carries `now`, read from the wall clock by the shell each time
//! something fires, so a check that runs late (throttled timer, sleep) still decides on the real
//! time left. [`Schedule::observe`] compares the wall clock with a monotonic one to notice a clock
//! turned back or a page that slept, and [`Schedule::next_wake`] tells the shell when to look again.

use crate::{backoff, Millis};

/// The settings that shape decisions, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Refresh when the token expires within this much (`minutesBeforeExpiration`).
    pub margin: Millis,
    /// Ceiling of the first retry delay after a failure; the ceiling doubles per failure in a row.
    pub retry_base: Millis,
    /// Largest retry delay.
    pub retry_cap: Millis,
    /// Shortest time between the starts of two refreshes not asked for by `refreshNow()`: a
    /// loop guard against tokens that live too short or look expired on arrival.
    pub min_gap: Millis,
    /// How often the shell's interval checks; a check far later than this means sleep or
    /// heavy throttling.
    pub check_interval: Millis,
}

/// Clocks may disagree by this much (timer jitter, rounding) before it means anything.
pub const CLOCK_TOLERANCE: Millis = 2_000;

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
    /// Another tab refreshed and shared its token (the provider was not called).
    Shared,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Expiring => "expiring",
            Self::Expired => "expired",
            Self::Manual => "manual",
            Self::Shared => "shared",
        }
    }
}

/// What fired a check, as far as the decision cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trigger {
    /// `refreshNow()`: skips the margin, the retry delay, the gap and the offline pause, never
    /// the single flight.
    pub manual: bool,
}

impl Trigger {
    pub const AUTO: Self = Self { manual: false };
    pub const MANUAL: Self = Self { manual: true };
}

/// Something [`Schedule::observe`] noticed between two checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disturbance {
    /// The wall clock moved back by this much: deadlines were moved with it.
    ClockBack(Millis),
    /// This check came this long after the previous one, far later than the interval: the page
    /// slept, was frozen or throttled, or the clock jumped forward. Any retry wait is dropped.
    Late(Millis),
}

#[derive(Debug, Clone)]
pub struct Schedule {
    policy: Policy,
    expires_at: Option<Millis>,
    /// Lifetime of the current token as received; `None` when it came from outside (the
    /// `expiration` option or the embed's token).
    lifetime: Option<Millis>,
    failures: u32,
    retry_at: Option<Millis>,
    /// Start of the last automatic refresh, for the minimum gap.
    last_start: Option<Millis>,
    /// `(wall, monotonic)` at the last [`observe`](Self::observe) given both clocks.
    last_seen: Option<(Millis, Millis)>,
    /// The wall clock at the last [`observe`](Self::observe).
    last_wall: Option<Millis>,
    expiry_reported: bool,
}

impl Schedule {
    pub fn new(policy: Policy, expires_at: Option<Millis>) -> Self {
        Self {
            policy,
            expires_at,
            lifetime: None,
            failures: 0,
            retry_at: None,
            last_start: None,
            last_seen: None,
            last_wall: None,
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

    /// The lifetime of the last token a refresh brought, as it arrived.
    pub fn lifetime(&self) -> Option<Millis> {
        self.lifetime
    }

    /// When the next refresh is due, ignoring any retry delay; `None` when it is due now
    /// because the expiration is unknown.
    pub fn due_at(&self) -> Option<Millis> {
        self.expires_at.map(|at| at.saturating_sub(self.lead()))
    }

    /// Called first by every input with the wall clock, and with the monotonic one unless it is
    /// an interval tick. The wall clock (`Date.now()`) says how much time the token has left;
    /// the monotonic one (`performance.now()`) cannot be set by anyone, so a wall clock that
    /// advanced less than it, since it was last read, was turned back. A monotonic clock that
    /// advanced less than the wall clock proves nothing: it stops during sleep on some systems,
    /// so that case is treated as sleep, where the wall clock is right.
    pub fn observe(&mut self, wall: Millis, mono: Option<Millis>) -> Option<Disturbance> {
        let last_wall = self.last_wall.replace(wall);
        let then = mono.and_then(|mono| self.last_seen.replace((wall, mono)));
        if let (Some(mono), Some((then_wall, then_mono))) = (mono, then) {
            let walled = wall.saturating_sub(then_wall);
            let back = mono.saturating_sub(then_mono).saturating_sub(walled);
            if back > CLOCK_TOLERANCE {
                let earlier = |at: Millis| at.saturating_sub(back);
                self.expires_at = self.expires_at.map(earlier);
                self.last_start = self.last_start.map(earlier);
                self.retry_at = None;
                return Some(Disturbance::ClockBack(back));
            }
        }
        let walled = wall.saturating_sub(last_wall?);
        let late_after = self
            .policy
            .check_interval
            .saturating_mul(2)
            .saturating_add(60_000);
        if walled > late_after {
            self.retry_at = None;
            return Some(Disturbance::Late(walled));
        }
        None
    }

    /// The embed says its token expired (`TokenExpired`), whatever this clock thinks: due at
    /// once, without waiting out a retry delay (the minimum gap still holds).
    pub fn reported_expired(&mut self, now: Millis) {
        self.expires_at = Some(self.expires_at.map_or(now, |at| at.min(now)));
        self.retry_at = None;
    }

    /// The network came back (`online`): the next check may try at once.
    pub fn online_again(&mut self) {
        self.retry_at = None;
    }

    /// Called by every trigger while no refresh is in flight (the machine keeps that: one at a
    /// time). `Some(reason)` means a refresh starts now. `online()` (`navigator.onLine`) is
    /// asked only where it decides, an automatic refresh that is due: while it is false none
    /// is made (it would only fail and push the next retry further away).
    pub fn poll(
        &mut self,
        now: Millis,
        trigger: Trigger,
        online: impl FnOnce() -> bool,
    ) -> Option<Reason> {
        let reason = self.reason(now);
        if trigger.manual {
            reason.or(Some(Reason::Manual))
        } else if reason.is_none() || self.earliest_retry().is_some_and(|at| now < at) || !online()
        {
            None
        } else {
            self.last_start = Some(now);
            reason
        }
    }

    /// Why the token needs replacing at `now`, if it does (before the retry delay and the gap).
    fn reason(&self, now: Millis) -> Option<Reason> {
        match (self.expires_at, self.due_at()) {
            (None, _) => Some(Reason::Unknown),
            (Some(at), _) if now >= at => Some(Reason::Expired),
            (_, Some(due)) if now >= due => Some(Reason::Expiring),
            _ => None,
        }
    }

    /// The earliest an automatic refresh may start, by the retry delay and the minimum gap.
    fn earliest_retry(&self) -> Option<Millis> {
        let gap_end = self
            .last_start
            .map(|at| at.saturating_add(self.policy.min_gap));
        self.retry_at.max(gap_end)
    }

    /// When to check next, by the shell's one-shot timer, while no refresh is in flight: the
    /// due time, pushed back by a retry delay or the minimum gap. `None` when the moment has
    /// come but `online()` is false (the `online` event re-checks); a moment still ahead does
    /// not ask, and a timer that fires offline is not armed again. One-shot timers armed from
    /// an event or a promise are barely throttled in hidden tabs, unlike the interval (once a
    /// minute in Chrome).
    pub fn next_wake(&self, now: Millis, online: impl FnOnce() -> bool) -> Option<Millis> {
        let due = self.due_at().unwrap_or(now);
        let wake = due.max(self.earliest_retry().unwrap_or(due));
        (wake > now || online()).then_some(wake)
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
        self.failures = 0;
        self.retry_at = None;
        self.expiry_reported = false;
    }

    /// The refresh failed; returns when the next attempt is due. Full jitter: the delay is
    /// drawn by `random` (in `0.0..1.0`) between half the base delay and a ceiling that doubles
    /// per failure in a row up to the cap, so many pages failing together do not retry
    /// together; it never runs past half the time the current token has left, and never below
    /// half the base delay, so there is no tight loop even at the last second. Once the token has
    /// expired the report is dead: retries come at least once per check interval (as often as
    /// the documented loop tries), so recovery follows the provider's within one interval.
    pub fn failed(&mut self, now: Millis, random: f64) -> Millis {
        self.failures = self.failures.saturating_add(1);
        let Policy {
            retry_base,
            retry_cap,
            ..
        } = self.policy;
        let floor = (retry_base / 2).max(1);
        let ceiling = backoff::delay(self.failures, retry_base, retry_cap).max(floor);
        let mut delay = floor + ((ceiling - floor) as f64 * random.clamp(0.0, 1.0)) as Millis;
        match self.expires_at.map(|at| at.saturating_sub(now)) {
            Some(left) if left > 0 => delay = delay.min((left / 2).max(floor)),
            Some(_) => delay = delay.min(self.policy.check_interval.max(floor)),
            None => {}
        }
        self.retry_at = Some(now.saturating_add(delay));
        // The minimum gap may hold the retry back further: say when it really comes.
        self.earliest_retry().unwrap_or(now)
    }

    pub fn expires_at(&self) -> Option<Millis> {
        self.expires_at
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
        min_gap: 0,
        check_interval: 30_000,
    };

    fn expiring_at(at: Millis) -> Schedule {
        Schedule::new(POLICY, Some(at))
    }

    #[test]
    fn unknown_expiration_refreshes_at_once() {
        assert_eq!(
            Schedule::new(POLICY, None).poll(NOW, Trigger::AUTO, || true),
            Some(Reason::Unknown)
        );
    }

    #[test]
    fn every_edge_of_the_margin() {
        let at = NOW + 10 * MIN;
        assert_eq!(
            expiring_at(at + 1).poll(NOW, Trigger::AUTO, || true),
            None,
            "1 ms outside the margin"
        );
        assert_eq!(
            expiring_at(at).poll(NOW, Trigger::AUTO, || true),
            Some(Reason::Expiring),
            "exactly at the margin"
        );
        assert_eq!(
            expiring_at(at - 1).poll(NOW, Trigger::AUTO, || true),
            Some(Reason::Expiring),
            "1 ms inside"
        );
        assert_eq!(
            expiring_at(NOW + 1).poll(NOW, Trigger::AUTO, || true),
            Some(Reason::Expiring),
            "1 ms left"
        );
        assert_eq!(
            expiring_at(NOW).poll(NOW, Trigger::AUTO, || true),
            Some(Reason::Expired),
            "expires this instant"
        );
        assert_eq!(
            expiring_at(NOW - 1).poll(NOW, Trigger::AUTO, || true),
            Some(Reason::Expired),
            "1 ms ago"
        );
        assert_eq!(
            expiring_at(NOW - 8 * 60 * MIN).poll(NOW, Trigger::AUTO, || true),
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
        assert_eq!(
            Schedule::new(zero, Some(NOW + 1)).poll(NOW, Trigger::AUTO, || true),
            None
        );
        assert_eq!(
            Schedule::new(zero, Some(NOW)).poll(NOW, Trigger::AUTO, || true),
            Some(Reason::Expired)
        );
        let half_minute = Policy {
            margin: 30_000,
            ..POLICY
        };
        assert_eq!(
            Schedule::new(half_minute, Some(NOW + 30_001)).poll(NOW, Trigger::AUTO, || true),
            None
        );
        assert_eq!(
            Schedule::new(half_minute, Some(NOW + 30_000)).poll(NOW, Trigger::AUTO, || true),
            Some(Reason::Expiring)
        );
    }

    #[test]
    fn manual_refresh_of_a_fresh_token() {
        let mut s = expiring_at(NOW + 60 * MIN);
        assert_eq!(s.poll(NOW, Trigger::MANUAL, || true), Some(Reason::Manual));
        let mut s = expiring_at(NOW - 1);
        assert_eq!(
            s.poll(NOW, Trigger::MANUAL, || true),
            Some(Reason::Expired),
            "the real reason wins"
        );
    }

    #[test]
    fn success_moves_the_due_time() {
        let mut s = expiring_at(NOW + MIN);
        s.poll(NOW, Trigger::AUTO, || true);
        s.succeeded(NOW, NOW + 60 * MIN);
        assert_eq!(s.expires_at(), Some(NOW + 60 * MIN));
        assert_eq!(s.due_at(), Some(NOW + 50 * MIN));
        assert_eq!(s.poll(NOW + 50 * MIN - 1, Trigger::AUTO, || true), None);
        assert_eq!(
            s.poll(NOW + 50 * MIN, Trigger::AUTO, || true),
            Some(Reason::Expiring)
        );
    }

    #[test]
    fn short_lived_tokens_refresh_at_half_life_not_every_check() {
        let mut s = Schedule::new(POLICY, None);
        s.poll(NOW, Trigger::AUTO, || true);
        s.succeeded(NOW, NOW + 3 * MIN);
        assert_eq!(s.due_at(), Some(NOW + 3 * MIN / 2));
        assert_eq!(
            s.poll(NOW + 30_000, Trigger::AUTO, || true),
            None,
            "a check 30 s later does not refresh"
        );
        assert_eq!(
            s.poll(NOW + 3 * MIN / 2, Trigger::AUTO, || true),
            Some(Reason::Expiring)
        );
    }

    #[test]
    fn failures_back_off_then_recover() {
        let mut s = expiring_at(NOW + 60 * MIN);
        s.poll(NOW + 50 * MIN, Trigger::AUTO, || true);
        let t = NOW + 50 * MIN;
        assert_eq!(s.failed(t, 1.0), t + 5_000);
        assert_eq!(s.failures(), 1);
        assert_eq!(
            s.poll(t + 4_999, Trigger::AUTO, || true),
            None,
            "waits out the retry delay"
        );
        assert_eq!(
            s.poll(t + 5_000, Trigger::AUTO, || true),
            Some(Reason::Expiring)
        );
        assert_eq!(s.failed(t + 5_000, 1.0), t + 15_000, "doubles");
        s.poll(t + 15_000, Trigger::AUTO, || true);
        s.succeeded(t + 15_500, t + 75 * MIN);
        assert_eq!((s.failures(), s.retry_at()), (0, None));
    }

    #[test]
    fn retries_come_sooner_as_expiry_nears() {
        let mut s = expiring_at(NOW + 60 * MIN);
        s.poll(NOW + 50 * MIN, Trigger::AUTO, || true);
        for _ in 0..7 {
            s.failed(NOW + 50 * MIN, 1.0);
        }
        // 7 failures would wait the 5 min cap; 10 min are left, so half of that.
        assert_eq!(s.retry_at(), Some(NOW + 55 * MIN));
        let mut s = expiring_at(NOW + 4_000);
        s.poll(NOW, Trigger::AUTO, || true);
        assert_eq!(
            s.failed(NOW, 1.0),
            NOW + 2_500,
            "never below half the base delay: no tight loop"
        );
    }

    #[test]
    fn retries_after_expiry_keep_backing_off() {
        let mut s = expiring_at(NOW - MIN);
        let mut t = NOW;
        let mut delays = vec![];
        for _ in 0..8 {
            assert_eq!(s.poll(t, Trigger::AUTO, || true), Some(Reason::Expired));
            let next = s.failed(t, 1.0);
            delays.push(next - t);
            assert_eq!(s.poll(next - 1, Trigger::AUTO, || true), None);
            t = next;
        }
        assert_eq!(
            delays,
            [5_000, 10_000, 20_000, 30_000, 30_000, 30_000, 30_000, 30_000],
            "capped at the check interval once expired"
        );
    }

    #[test]
    fn expiry_is_reported_once_per_token() {
        let mut s = expiring_at(NOW);
        assert_eq!(s.take_expiry(NOW - 1), None);
        assert_eq!(s.take_expiry(NOW + 7), Some(7));
        assert_eq!(s.take_expiry(NOW + 8), None);
        s.poll(NOW + 9, Trigger::AUTO, || true);
        s.succeeded(NOW + 10, NOW + 20);
        assert_eq!(s.take_expiry(NOW + 25), Some(5));
    }

    #[test]
    fn far_future_expirations_do_not_overflow() {
        let mut s = expiring_at(Millis::MAX);
        assert_eq!(s.poll(NOW, Trigger::AUTO, || true), None);
        let mut s = expiring_at(Millis::MIN);
        assert_eq!(s.poll(NOW, Trigger::AUTO, || true), Some(Reason::Expired));
        assert_eq!(s.failed(Millis::MAX - 1, 1.0), Millis::MAX);
    }

    #[test]
    fn full_jitter_between_half_the_base_and_the_doubling_ceiling() {
        let mut s = expiring_at(NOW + 24 * 60 * MIN);
        s.poll(NOW, Trigger::MANUAL, || true);
        assert_eq!(
            s.failed(NOW, 0.0),
            NOW + 2_500,
            "lowest draw: half the base"
        );
        assert_eq!(
            s.failed(NOW, 0.5),
            NOW + 6_250,
            "2nd failure: 2.5 s to 10 s"
        );
        assert_eq!(s.failed(NOW, 0.999_999), NOW + 19_999, "3rd: up to 20 s");
        for _ in 0..20 {
            s.failed(NOW, 1.0);
        }
        assert_eq!(s.retry_at(), Some(NOW + 5 * MIN), "capped");
        assert_eq!(s.failed(NOW, 7.0), NOW + 5 * MIN, "a bad draw is clamped");
        assert_eq!(s.failed(NOW, f64::NAN), NOW + 2_500, "NaN draws the floor");
    }

    #[test]
    fn minimum_gap_between_automatic_refreshes() {
        let gap = Policy {
            min_gap: 10_000,
            ..POLICY
        };
        let mut s = Schedule::new(gap, None);
        assert_eq!(s.poll(NOW, Trigger::AUTO, || true), Some(Reason::Unknown));
        // A token that arrives already inside the margin and lives 2 s.
        s.succeeded(NOW + 100, NOW + 2_100);
        assert_eq!(
            s.poll(NOW + 1_100, Trigger::AUTO, || true),
            None,
            "due, but too soon"
        );
        assert_eq!(s.next_wake(NOW + 1_100, || true), Some(NOW + 10_000));
        assert_eq!(s.poll(NOW + 9_999, Trigger::AUTO, || true), None);
        assert_eq!(
            s.poll(NOW + 10_000, Trigger::AUTO, || true),
            Some(Reason::Expired)
        );
        assert_eq!(
            s.poll(NOW + 10_001, Trigger::MANUAL, || true),
            Some(Reason::Expired),
            "refreshNow is not held back by the gap"
        );
    }

    #[test]
    fn an_expiry_reported_by_the_embed_is_believed() {
        let mut s = expiring_at(NOW + 60 * MIN);
        s.poll(NOW, Trigger::MANUAL, || true);
        s.failed(NOW, 1.0);
        s.reported_expired(NOW + 1);
        assert_eq!(s.expires_at(), Some(NOW + 1));
        assert_eq!(s.take_expiry(NOW + 1), Some(0));
        assert_eq!(
            s.poll(NOW + 1, Trigger::AUTO, || true),
            Some(Reason::Expired)
        );
        let mut s = expiring_at(NOW - MIN);
        s.reported_expired(NOW);
        assert_eq!(s.expires_at(), Some(NOW - MIN), "an earlier expiry stands");
    }

    #[test]
    fn the_retry_time_given_includes_the_minimum_gap() {
        let gap = Policy {
            min_gap: 60_000,
            ..POLICY
        };
        let mut s = Schedule::new(gap, Some(NOW + 60 * MIN));
        assert!(s.poll(NOW + 50 * MIN, Trigger::AUTO, || true).is_some());
        let t = NOW + 50 * MIN + 100;
        assert_eq!(
            s.failed(t, 0.0),
            NOW + 50 * MIN + 60_000,
            "the gap, not 2.5 s"
        );
        assert_eq!(s.next_wake(t, || true), Some(NOW + 50 * MIN + 60_000));
    }

    #[test]
    fn offline_pauses_automatic_attempts_only() {
        let mut s = expiring_at(NOW - 1);
        assert_eq!(s.poll(NOW, Trigger::AUTO, || false), None);
        assert_eq!(
            s.next_wake(NOW, || false),
            None,
            "the online event re-checks"
        );
        assert_eq!(s.failures(), 0, "no retry burnt");
        assert_eq!(
            s.poll(NOW, Trigger::MANUAL, || false),
            Some(Reason::Expired)
        );
        s.failed(NOW, 1.0);
        assert_eq!(s.poll(NOW + 1, Trigger::AUTO, || true), None, "retry delay");
        s.online_again();
        assert_eq!(
            s.poll(NOW + 1, Trigger::AUTO, || true),
            Some(Reason::Expired)
        );
    }

    #[test]
    fn next_wake_is_the_due_time_or_the_retry() {
        let mut s = expiring_at(NOW + 60 * MIN);
        assert_eq!(s.next_wake(NOW, || true), Some(NOW + 50 * MIN));
        assert_eq!(
            Schedule::new(POLICY, None).next_wake(NOW, || true),
            Some(NOW)
        );
        s.poll(NOW + 50 * MIN, Trigger::AUTO, || true);
        let retry = s.failed(NOW + 50 * MIN, 1.0);
        assert_eq!(s.next_wake(NOW + 50 * MIN, || true), Some(retry));
    }

    #[test]
    fn a_clock_turned_back_moves_the_deadlines_with_it() {
        let mut s = expiring_at(NOW + 60 * MIN);
        assert_eq!(s.observe(NOW, Some(1_000)), None);
        assert_eq!(s.observe(NOW + 30_000, Some(31_000)), None, "a normal tick");
        // 30 s later by the monotonic clock, an hour earlier by the wall clock.
        let wall = NOW + 60_000 - 60 * MIN;
        assert_eq!(
            s.observe(wall, Some(61_000)),
            Some(Disturbance::ClockBack(60 * MIN))
        );
        assert_eq!(s.expires_at(), Some(NOW), "same instant, new clock");
        // 59 minutes were left before the change and still are: due in 49.
        assert_eq!(s.poll(wall + 49 * MIN - 1, Trigger::AUTO, || true), None);
        assert_eq!(
            s.poll(wall + 49 * MIN, Trigger::AUTO, || true),
            Some(Reason::Expiring)
        );
        let mut s = expiring_at(NOW + 60 * MIN);
        s.observe(NOW, Some(0));
        assert_eq!(
            s.observe(NOW + 29_000, Some(30_500)),
            None,
            "jitter is tolerated"
        );
    }

    #[test]
    fn a_late_check_drops_the_retry_wait() {
        let mut s = expiring_at(NOW + 60 * MIN);
        s.observe(NOW, Some(0));
        s.poll(NOW, Trigger::MANUAL, || true);
        for _ in 0..9 {
            s.failed(NOW, 1.0);
        }
        assert_eq!(s.retry_at(), Some(NOW + 5 * MIN));
        // Asleep for 3 hours: the monotonic clock stood still, the wall clock did not.
        let woke = NOW + 3 * 60 * MIN;
        assert_eq!(
            s.observe(woke, Some(1)),
            Some(Disturbance::Late(3 * 60 * MIN))
        );
        assert_eq!(s.retry_at(), None);
        assert_eq!(s.poll(woke, Trigger::AUTO, || true), Some(Reason::Expired));
        let mut s = expiring_at(NOW + 60 * MIN);
        s.observe(NOW, Some(0));
        assert_eq!(
            s.observe(NOW + 60_000, Some(60_000)),
            None,
            "Chrome's once-a-minute throttling is not a wake-up"
        );
    }

    #[test]
    fn a_clock_turned_back_between_ticks_shows_at_the_next_look_at_both_clocks() {
        let mut s = expiring_at(NOW + 60 * MIN);
        s.observe(NOW, Some(0));
        // Ticks read the wall clock only: turned back an hour, they see nothing wrong...
        let back = NOW - 60 * MIN;
        assert_eq!(s.observe(back + 30_000, None), None);
        assert_eq!(s.observe(back + 60_000, None), None);
        assert_eq!(s.expires_at(), Some(NOW + 60 * MIN));
        // ...the next input with both clocks (the wake timer at the latest) does.
        assert_eq!(
            s.observe(back + 90_000, Some(90_000)),
            Some(Disturbance::ClockBack(60 * MIN))
        );
        assert_eq!(s.expires_at(), Some(NOW));
        // A tick 3 hours after the last look is late, with or without the monotonic clock.
        let woke = back + 90_000 + 3 * 60 * MIN;
        assert_eq!(s.observe(woke, None), Some(Disturbance::Late(3 * 60 * MIN)));
    }
}
