//! The pure core driven through more than 10,000 simulated days of hostile conditions, by a
//! virtual clock: timers that fire late (up to an hour), sleeps of up to 8 hours, clocks moved by
//! up to an hour either way, slow and failing providers, offline spells, token lifetimes from
//! 2 minutes to 30 days, and the refresher stopped and started again.
//!
//! The model of the browser shell is the one `refresher.rs` implements: every trigger runs
//! `check` (observe both clocks, report an expiry, poll, arm the one-shot wake timer at
//! `next_wake`); a refresh asks the provider, anchors the answer, hands it to the embed, and
//! tells the schedule. Deterministic: a fixed seed, no real time.
//!
//! Asserted: never two refreshes in flight; no refresh starts closer than the minimum gap to the
//! previous one; a token held through calm conditions (provider answering within the margin,
//! awake, online, no failures) gets exactly one replacement and never expires; nothing happens
//! while stopped. The figures are printed (`cargo test --test simulation -- --nocapture`).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use powerbi_token_refresh_core::anchor::{anchor, Claims};
use powerbi_token_refresh_core::schedule::{Policy, Schedule, Trigger};
use powerbi_token_refresh_core::Millis;

const SECOND: Millis = 1_000;
const MINUTE: Millis = 60 * SECOND;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;
const SIMULATED_DAYS: Millis = 10_000;

/// splitmix64: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn between(&mut self, low: Millis, high: Millis) -> Millis {
        low + (self.unit() * (high - low) as f64) as Millis
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Throttle {
    /// Timers late by up to a second.
    None,
    /// Chrome's intensive throttling: the interval once a minute; one-shot timers armed from
    /// a promise or an event stay within a second.
    Intensive,
    /// Every timer late by up to an hour (Firefox for Android and worse).
    Heavy,
}

/// The conditions of one era (a page load): settings and how the world behaves.
#[derive(Debug, Clone, Copy)]
struct Era {
    policy: Policy,
    lifetime: Millis,
    latency: (Millis, Millis),
    throttle: Throttle,
    /// The provider answers `serverTime` too.
    server_time: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    IntervalTick { epoch: u32 },
    WakeTimer { epoch: u32, generation: u64 },
    ProviderAnswers { epoch: u32 },
    EmbedAccepts { epoch: u32 },
    Sleep,
    WakeUp,
    ClockJump,
    Offline,
    Online,
    FailureStreak,
    NewEra,
}

struct Flight {
    /// The token being fetched or set: (true expiry, anchored expiry on the device clock).
    token: Option<(Millis, Millis)>,
}

/// The token the embed holds, and what happened while it was held.
struct Held {
    expires_at: Millis,
    received: Millis,
    calm: bool,
    calls: u32,
}

#[derive(Default, Debug)]
struct Figures {
    provider_calls: u64,
    refreshes: u64,
    failures: u64,
    tokens: u64,
    calm_tokens: u64,
    max_calls_per_calm_token: u32,
    /// Per era (with a right clock, many lifetimes long): provider calls and successful
    /// refreshes per token lifetime.
    calls_per_lifetime: Vec<(f64, f64)>,
    expired_ms_awake: Millis,
    expired_ms_awake_calm: Millis,
    /// The same time by what the conditions were: heavy throttling, a provider slower than the
    /// margin, a wrong clock with no reference, offline, anything else (failures, sleep, jumps).
    expired_ms_by_cause: [Millis; 5],
    sleeps: u64,
    clock_jumps: u64,
    offline_spells: u64,
    stops: u64,
    dropped_after_stop: u64,
    late_checks: u64,
}

struct World {
    rng: Rng,
    /// True time.
    t: Millis,
    /// Device clock minus true time.
    offset: Millis,
    /// Time spent asleep (the monotonic clock stands still then).
    slept: Millis,
    awake: bool,
    online: bool,
    failures_left: u32,
    era: Era,
    era_started: Millis,
    era_calls: u64,
    era_refreshes: u64,
    /// The device clock was right all era, or answers carried the issuer's time.
    era_clock_right: bool,
    queue: BinaryHeap<Reverse<(Millis, u64, Event)>>,
    sequence: u64,
    // The refresher:
    schedule: Schedule,
    running: bool,
    epoch: u32,
    flight: Option<Flight>,
    wake: Option<(Millis, u64)>,
    wake_generation: u64,
    /// Start of the last refresh (true time), and whether the device clock moved forward since.
    last_start: Option<Millis>,
    jumped_forward: bool,
    held: Held,
    figures: Figures,
}

impl World {
    fn wall(&self) -> Millis {
        self.t + self.offset
    }

    fn mono(&self) -> Millis {
        self.t - self.slept
    }

    fn at(&mut self, when: Millis, event: Event) {
        self.sequence += 1;
        self.queue.push(Reverse((when, self.sequence, event)));
    }

    fn lateness(&mut self, interval: bool) -> Millis {
        match (self.era.throttle, interval) {
            (Throttle::None, _) | (Throttle::Intensive, false) => self.rng.between(0, SECOND),
            (Throttle::Intensive, true) => self.rng.between(0, MINUTE),
            (Throttle::Heavy, _) => self.rng.between(0, HOUR),
        }
    }

    fn new_era(&mut self) {
        if self.running {
            self.stop();
        }
        self.close_era();
        self.era_started = self.t;
        let rng = &mut self.rng;
        let margin = rng.pick(&[10 * MINUTE, 10 * MINUTE, 5 * MINUTE, MINUTE, 30 * SECOND]);
        let check_interval = rng.pick(&[30 * SECOND, 30 * SECOND, MINUTE, 5 * MINUTE]);
        let lifetime = rng.pick(&[
            2 * MINUTE,
            5 * MINUTE,
            15 * MINUTE,
            HOUR,
            HOUR,
            90 * MINUTE,
            DAY,
            30 * DAY,
        ]);
        let latency = rng.pick(&[
            (50, 2 * SECOND),
            (100, 10 * SECOND),
            (SECOND, 30 * SECOND),
            (MINUTE, 20 * MINUTE),
        ]);
        let throttle = rng.pick(&[Throttle::None, Throttle::Intensive, Throttle::Heavy]);
        self.era = Era {
            policy: Policy {
                margin,
                retry_base: 5 * SECOND,
                retry_cap: 5 * MINUTE,
                min_gap: 5 * SECOND,
                check_interval,
            },
            lifetime,
            latency,
            throttle,
            server_time: rng.chance(0.5),
        };
        self.figures.stops += 1;
        self.era_clock_right = self.offset == 0 || self.era.server_time;
        // A page load: the embed's token is given as the `expiration` option (device clock).
        self.schedule = Schedule::new(self.era.policy, Some(self.held.expires_at + self.offset));
        self.last_start = None;
        self.held.calm = false;
        self.start();
        let next = self.t + self.rng.between(DAY, 3 * DAY);
        self.at(next, Event::NewEra);
    }

    fn close_era(&mut self) {
        let span = self.t - self.era_started;
        // Only eras many lifetimes long say anything about calls per lifetime, and only with a
        // clock that tells the true lifetime: a clock 59 minutes fast makes a 1-hour token
        // look like a 1-minute one, refreshed as such.
        // An era that made no call lived on a token from before it.
        if span >= 10 * self.era.lifetime && self.era_clock_right && self.era_calls > 0 {
            let lifetimes = span as f64 / self.era.lifetime as f64;
            let calls = self.era_calls as f64 / lifetimes;
            let refreshes = self.era_refreshes as f64 / lifetimes;
            self.figures.calls_per_lifetime.push((calls, refreshes));
        }
        self.era_calls = 0;
        self.era_refreshes = 0;
    }

    fn start(&mut self) {
        self.running = true;
        let epoch = self.epoch;
        let first = self.t + self.era.policy.check_interval;
        self.at(first, Event::IntervalTick { epoch });
        self.check();
    }

    fn stop(&mut self) {
        self.running = false;
        self.epoch += 1;
        self.wake = None;
        if self.flight.take().is_some() {
            self.schedule.abandoned();
        }
    }

    /// What every trigger runs, as `Inner::check` does.
    fn check(&mut self) {
        assert!(self.running, "a check ran after stop()");
        self.observe();
        let wall = self.wall();
        self.schedule.take_expiry(wall);
        let trigger = Trigger {
            manual: false,
            online: self.online,
        };
        if self.schedule.poll(wall, trigger).is_some() {
            self.begin_refresh();
        }
        self.arm_wake();
    }

    /// Both clocks, as the shell reads them before every decision and before it records the
    /// outcome of a refresh.
    fn observe(&mut self) {
        let (wall, mono) = (self.wall(), self.mono());
        if self.schedule.observe(wall, mono).is_some() {
            self.figures.late_checks += 1;
        }
    }

    fn arm_wake(&mut self) {
        let wall = self.wall();
        let Some(at) = self.schedule.next_wake(wall, self.online) else {
            self.wake = None;
            return;
        };
        if matches!(self.wake, Some((armed, _)) if armed == at && at > wall) {
            return;
        }
        self.wake_generation += 1;
        let generation = self.wake_generation;
        self.wake = Some((at, generation));
        // setTimeout counts elapsed time, clamped to what it honours.
        let delay = (at - wall).clamp(0, i32::MAX as Millis) + self.lateness(false);
        let epoch = self.epoch;
        self.at(self.t + delay, Event::WakeTimer { epoch, generation });
    }

    fn begin_refresh(&mut self) {
        assert!(self.flight.is_none(), "two refreshes in flight");
        if let Some(previous) = self.last_start {
            assert!(
                self.t - previous >= self.era.policy.min_gap || self.jumped_forward,
                "refreshes {} ms apart",
                self.t - previous
            );
        }
        self.last_start = Some(self.t);
        self.jumped_forward = false;
        self.flight = Some(Flight { token: None });
        self.figures.provider_calls += 1;
        self.era_calls += 1;
        self.held.calls += 1;
        let (low, high) = self.era.latency;
        let latency = self.rng.between(low, high);
        let epoch = self.epoch;
        self.at(self.t + latency, Event::ProviderAnswers { epoch });
    }

    fn provider_answers(&mut self) {
        let wall = self.wall();
        let fails = !self.online || self.failures_left > 0;
        if fails {
            self.failures_left = self.failures_left.saturating_sub(1);
            return self.refresh_failed();
        }
        // The issuer's clock is true time; its tokens live `lifetime` from now.
        let expires_at = self.t + self.era.lifetime;
        let claims = Claims {
            expires_at: Some(expires_at),
            server_now: self.era.server_time.then_some(self.t),
            ..Claims::default()
        };
        match anchor(wall, claims) {
            Ok(anchored) => {
                self.flight = Some(Flight {
                    token: Some((expires_at, anchored.expires_at)),
                });
                let epoch = self.epoch;
                let latency = self.rng.between(10, 500);
                self.at(self.t + latency, Event::EmbedAccepts { epoch });
            }
            Err(_) => self.refresh_failed(),
        }
    }

    fn embed_accepts(&mut self) {
        let Some(Flight {
            token: Some((true_expiry, device_expiry)),
        }) = self.flight.take()
        else {
            unreachable!("the embed answered a call that was never made");
        };
        self.close_held();
        self.held = Held {
            expires_at: true_expiry,
            received: self.t,
            calm: true,
            calls: 0,
        };
        self.figures.refreshes += 1;
        self.era_refreshes += 1;
        self.observe();
        self.schedule.succeeded(self.wall(), device_expiry);
        self.arm_wake();
    }

    fn refresh_failed(&mut self) {
        self.flight = None;
        self.figures.failures += 1;
        self.held.calm = false;
        let random = self.rng.unit();
        self.observe();
        self.schedule.failed(self.wall(), random);
        self.arm_wake();
    }

    /// Accounts for the token the embed held until now.
    fn close_held(&mut self) {
        let held = &self.held;
        if held.received == 0 {
            return;
        }
        self.figures.tokens += 1;
        if held.calm {
            self.figures.calm_tokens += 1;
            self.figures.max_calls_per_calm_token =
                self.figures.max_calls_per_calm_token.max(held.calls);
            assert!(
                self.t < held.expires_at,
                "a token held in calm conditions expired {} ms before its replacement ({:?})",
                self.t - held.expires_at,
                self.era
            );
        }
    }

    /// Whether the current era lets a refresh finish within the lead before expiry.
    fn era_is_calm(&self) -> bool {
        let era = &self.era;
        let lead = era.policy.margin.min(era.lifetime / 2);
        let worst = era.latency.1 + 500 + SECOND;
        era.throttle != Throttle::Heavy
            && worst < lead
            && era.lifetime / 2 >= era.policy.min_gap
            && self.failures_left == 0
            && self.online
            // A wrong clock and an absolute expiration with no reference to the issuer's clock:
            // nothing can tell the true deadline.
            && (self.offset == 0 || era.server_time)
    }

    /// Time passes from `self.t` to `until`: count time awake with an expired token.
    fn advance(&mut self, until: Millis) {
        if self.awake && until > self.held.expires_at {
            let expired = until - self.t.max(self.held.expires_at);
            self.figures.expired_ms_awake += expired;
            if self.held.calm {
                self.figures.expired_ms_awake_calm += expired;
            }
            let era = &self.era;
            let cause = if era.throttle == Throttle::Heavy {
                0
            } else if era.latency.1 >= era.policy.margin.min(era.lifetime / 2) {
                1
            } else if self.offset != 0 && !era.server_time {
                2
            } else if !self.online {
                3
            } else {
                4
            };
            self.figures.expired_ms_by_cause[cause] += expired;
        }
        self.t = until;
    }

    fn run(&mut self, days: Millis) {
        let start = self.t;
        self.at(start, Event::NewEra);
        for event in [
            Event::Sleep,
            Event::ClockJump,
            Event::Offline,
            Event::FailureStreak,
        ] {
            let when = start + self.rng.between(HOUR, DAY);
            self.at(when, event);
        }
        let end = start + days * DAY;
        while let Some(Reverse((when, _, event))) = self.queue.pop() {
            if when > end {
                break;
            }
            self.advance(when.max(self.t));
            self.handle(event);
            if !self.era_is_calm() || !self.awake {
                self.held.calm = false;
            }
        }
        self.close_era();
    }

    fn handle(&mut self, event: Event) {
        let asleep = !self.awake;
        match event {
            // Nothing of the page runs while the device sleeps: timers and network answers
            // wait for the wake-up.
            Event::IntervalTick { .. }
            | Event::WakeTimer { .. }
            | Event::ProviderAnswers { .. }
            | Event::EmbedAccepts { .. }
                if asleep =>
            {
                let later = self.t + self.rng.between(HOUR / 60, HOUR / 2);
                self.at(later, event);
            }
            Event::IntervalTick { epoch } if epoch == self.epoch => {
                self.check();
                let next = self.t + self.era.policy.check_interval + self.lateness(true);
                self.at(next, Event::IntervalTick { epoch });
            }
            Event::WakeTimer { epoch, generation } if epoch == self.epoch => {
                if matches!(self.wake, Some((_, g)) if g == generation) {
                    self.wake = None;
                    self.check();
                }
            }
            Event::ProviderAnswers { epoch } if epoch == self.epoch => self.provider_answers(),
            Event::EmbedAccepts { epoch } if epoch == self.epoch => self.embed_accepts(),
            Event::IntervalTick { .. }
            | Event::WakeTimer { .. }
            | Event::ProviderAnswers { .. }
            | Event::EmbedAccepts { .. } => self.figures.dropped_after_stop += 1,
            Event::Sleep if asleep => {}
            Event::Sleep => {
                self.awake = false;
                self.figures.sleeps += 1;
                let length = self.rng.between(MINUTE, 8 * HOUR);
                self.slept += length;
                self.at(self.t + length, Event::WakeUp);
            }
            Event::WakeUp => {
                self.awake = true;
                // visibilitychange, pageshow, focus, resume: each runs a check.
                for _ in 0..self.rng.between(1, 4) {
                    self.check();
                }
                let next = self.t + self.rng.between(HOUR, 2 * DAY);
                self.at(next, Event::Sleep);
            }
            Event::ClockJump => {
                // Set wrong by up to an hour, or put right again (by NTP or by hand).
                self.figures.clock_jumps += 1;
                let offset = if self.offset == 0 {
                    self.rng.between(-HOUR, HOUR)
                } else {
                    0
                };
                self.jumped_forward |= offset > self.offset;
                self.offset = offset;
                self.era_clock_right &= offset == 0 || self.era.server_time;
                let next = self.t + self.rng.between(HOUR, 3 * DAY);
                self.at(next, Event::ClockJump);
            }
            Event::Offline => {
                self.figures.offline_spells += 1;
                self.online = false;
                let length = self.rng.between(SECOND, 2 * HOUR);
                self.at(self.t + length, Event::Online);
            }
            Event::Online => {
                self.online = true;
                if self.awake {
                    self.schedule.online_again();
                    self.check();
                }
                let next = self.t + self.rng.between(HOUR, 3 * DAY);
                self.at(next, Event::Offline);
            }
            Event::FailureStreak => {
                self.failures_left = self.rng.pick(&[1, 2, 3, 10, 50]);
                let next = self.t + self.rng.between(HOUR, 3 * DAY);
                self.at(next, Event::FailureStreak);
            }
            Event::NewEra => self.new_era(),
        }
    }
}

fn world(seed: u64) -> World {
    let t = 1_764_324_000_000;
    let policy = Policy {
        margin: 10 * MINUTE,
        retry_base: 5 * SECOND,
        retry_cap: 5 * MINUTE,
        min_gap: 5 * SECOND,
        check_interval: 30 * SECOND,
    };
    World {
        rng: Rng(seed),
        t,
        offset: 0,
        slept: 0,
        awake: true,
        online: true,
        failures_left: 0,
        era: Era {
            policy,
            lifetime: HOUR,
            latency: (50, SECOND),
            throttle: Throttle::None,
            server_time: false,
        },
        era_started: t,
        era_calls: 0,
        era_refreshes: 0,
        era_clock_right: true,
        queue: BinaryHeap::new(),
        sequence: 0,
        schedule: Schedule::new(policy, None),
        running: false,
        epoch: 0,
        flight: None,
        wake: None,
        wake_generation: 0,
        last_start: None,
        jumped_forward: false,
        held: Held {
            expires_at: t + HOUR,
            received: 0,
            calm: false,
            calls: 0,
        },
        figures: Figures::default(),
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

#[test]
fn ten_thousand_days_of_hostile_conditions() {
    let mut w = world(0x5EED_2026_1128);
    w.run(SIMULATED_DAYS);
    let f = &mut w.figures;
    let percent = |ms: Millis| 100.0 * ms as f64 / (SIMULATED_DAYS * DAY) as f64;
    let eras = std::mem::take(&mut f.calls_per_lifetime);
    let (mut calls, mut refreshes): (Vec<f64>, Vec<f64>) = eras.into_iter().unzip();
    let worst_calls = calls.iter().copied().fold(0.0, f64::max);
    let worst_refreshes = refreshes.iter().copied().fold(0.0, f64::max);
    let (typical_calls, typical_refreshes) = (median(&mut calls), median(&mut refreshes));
    println!(
        "simulated {SIMULATED_DAYS} days: {} provider calls, {} refreshes, {} failures; \
         {} tokens ({} held in calm conditions, at most {} call(s) each); \
         per token lifetime over {} eras: provider calls median {typical_calls:.2}, worst \
         {worst_calls:.2}; successful refreshes median {typical_refreshes:.2}, worst \
         {worst_refreshes:.2}; \
         time awake with an expired token: {:.2}% ({} ms in calm conditions; by cause, in % of \
         time: heavy throttling {:.2}, provider slower than the margin {:.2}, wrong clock \
         without serverTime {:.2}, offline {:.2}, failures/sleep/clock jumps {:.2}); \
         {} sleeps, {} clock jumps, {} offline spells, {} page loads, {} late or jumped checks, \
         {} timer/answer callbacks dropped after stop",
        f.provider_calls,
        f.refreshes,
        f.failures,
        f.tokens,
        f.calm_tokens,
        f.max_calls_per_calm_token,
        calls.len(),
        percent(f.expired_ms_awake),
        f.expired_ms_awake_calm,
        percent(f.expired_ms_by_cause[0]),
        percent(f.expired_ms_by_cause[1]),
        percent(f.expired_ms_by_cause[2]),
        percent(f.expired_ms_by_cause[3]),
        percent(f.expired_ms_by_cause[4]),
        f.sleeps,
        f.clock_jumps,
        f.offline_spells,
        f.stops,
        f.late_checks,
        f.dropped_after_stop,
    );
    assert_eq!(f.expired_ms_awake_calm, 0, "calm tokens expired");
    assert!(
        f.calm_tokens > 10_000,
        "the run had too few calm stretches to mean anything"
    );
    assert_eq!(
        f.max_calls_per_calm_token, 1,
        "a calm token took more than one provider call to replace"
    );
    // Short tokens refresh at half life: 2 per lifetime. Failed attempts add calls, each
    // after a growing delay; a storm (a call per check) would be over 100.
    assert!(
        worst_refreshes <= 2.2,
        "an era refreshed {worst_refreshes:.2} times per token lifetime"
    );
    assert!(
        worst_calls < 10.0,
        "an era made {worst_calls:.2} provider calls per token lifetime: a storm"
    );
    assert!(f.sleeps > 1_000 && f.clock_jumps > 1_000 && f.offline_spells > 1_000);
    assert!(f.dropped_after_stop > 0, "stops never raced anything");
}
