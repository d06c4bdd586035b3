//! The refresher's every decision, as a state machine: [`Input`]s in (each with [`Senses`]),
//! [`Command`]s out, no browser anywhere. The shell and the simulation drive this same machine.
//!
//! A refresh is an *attempt* that moves through phases (let other tabs go first, take the lock,
//! ask the provider, hand the token to the embeds, reload them), each phase waiting for one
//! answer identified by a ticket. `stop()` drops the attempt, so a late answer finds no ticket
//! to match and changes nothing; commands queued before an outside `stop()` are dropped with it.

use crate::anchor::{self, AnchorError, Claims};
use crate::expiration::ExpirationError;
use crate::failure::{Code, Failure};
use crate::io::{Answer, Command, Detail, Event, Input, Retry, Senses, Status};
use crate::schedule::{Disturbance, Policy, Reason, Schedule, Trigger};
use crate::Millis;

/// How long a tab that just started waits for the others' answer to its hello.
pub const HELLO_WAIT_MS: Millis = 300;
/// How long the lock is kept after the token was published: the lock can reach the next tab
/// before the message does (they travel apart), and that tab would then ask the provider again.
pub const LOCK_LINGER_MS: u32 = 150;
/// How long a hidden tab (throttled, maybe frozen soon) lets visible ones go first.
pub const HIDDEN_HEAD_START_MS: Millis = 2_000;
/// powerbi-client skips a `reload()` within 100 ms of the embed's previous load; wait longer.
pub const RELOAD_RETRY_MS: u32 = 150;
/// Skipped reloads tried again this many times before it is reported.
pub const RELOAD_TRIES: u8 = 5;
/// On the interval alone, the embeds' presence is looked at once in this many ticks (every other
/// input looks): reading the page is most of an idle tick's cost, and an embed that left is
/// dropped before anything is done for it anyway, since every refresh looks first.
pub const PRESENCE_TICKS: u32 = 10;
/// No token another tab shares is believed to live longer than this (or than the last token
/// here, if that lived longer): a tab whose expiry is wrong (a bug, another version) would
/// otherwise stop every tab from refreshing until the report dies.
pub const SHARED_LIFETIME_CAP_MS: Millis = 24 * 60 * 60 * 1000;

/// What promises settle with once the refresher was stopped.
const STOPPED: &str = "the refresher was stopped";
/// What promises of a refresh dropped by a freeze settle with.
const FROZEN: &str = "the page was frozen";
/// The message of a failure another tab had, for the tabs that waited for it.
const PEER_FAILED: &str = "the tab refreshing for all tabs failed so";

/// The settings that do not change while the refresher lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub policy: Policy,
    pub provider_timeout_ms: u32,
    /// `reload()` the embeds after a token that had expired is replaced.
    pub reload_after_expiry: bool,
    /// How many embeds share the token.
    pub embeds: usize,
    /// Make [`Command::Log`] lines.
    pub debug: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Yielding once (so a `stop()` in the same task abandons it), or letting other tabs go
    /// first, until the attempt's `until`.
    Waiting,
    Locking,
    Providing,
    Setting,
    Reloading,
    /// A skipped reload waits to be tried again, until the attempt's `until`.
    ReloadWaiting,
}

/// Embeds whose reload is still owed, and the tries so far.
#[derive(Debug, Clone, Default)]
struct Reload {
    embeds: Vec<usize>,
    tries: u8,
}

#[derive(Debug, Clone)]
struct Attempt {
    reason: Reason,
    phase: Phase,
    /// The answer this attempt waits for.
    ticket: u32,
    /// When a waiting phase ends, on the wall clock; `None` while it waits for an answer, or
    /// (waiting) for the yield only.
    until: Option<Millis>,
    /// The new token and its deadline, once known.
    token: Option<(String, Millis)>,
    reload: Reload,
}

pub struct Machine<C> {
    settings: Settings,
    schedule: Schedule,
    running: bool,
    /// `stop()` was called and no `start()` since: nothing may be asked for any more.
    stopped: bool,
    /// Other tabs can be reached (with `crossTab`, while running).
    peers: bool,
    initialised: bool,
    /// For each embed: still on the page.
    present: Vec<bool>,
    attempt: Option<Attempt>,
    tickets: u32,
    /// The lock is held for the attempt (or lingering).
    lock: bool,
    /// The token expired while the embeds held it: reload them after the next success.
    reload_pending: bool,
    /// The last token handed to the embeds, for `accessTokenProvider` and late tabs.
    token: Option<String>,
    /// A newer token another tab shared, waiting to be applied.
    shared: Option<(String, Millis)>,
    /// When the hello went out, by the monotonic clock: a wall clock turned back would
    /// stretch the wait.
    hello_at: Millis,
    timeouts_in_row: u32,
    last_error: Option<Code>,
    refresh_count: u32,
    skew_reported: bool,
    /// Interval ticks so far, for [`PRESENCE_TICKS`].
    ticks: u32,
    random: u64,
    /// Commands not yet taken, oldest first (a handful at a time).
    outbox: Vec<Command<C>>,
}

impl<C: Default> Machine<C> {
    /// `seed` feeds the retry jitter (the shell passes `Math.random()` bits).
    pub fn new(settings: Settings, seed: u64) -> Self {
        Self {
            settings,
            schedule: Schedule::new(settings.policy, None),
            running: false,
            stopped: false,
            peers: false,
            initialised: false,
            present: vec![true; settings.embeds],
            attempt: None,
            tickets: 0,
            lock: false,
            reload_pending: false,
            token: None,
            shared: None,
            hello_at: 0,
            timeouts_in_row: 0,
            last_error: None,
            refresh_count: 0,
            skew_reported: false,
            ticks: 0,
            random: seed,
            outbox: Vec::new(),
        }
    }

    /// The next command to carry out. The shell takes them one at a time, so an input fed
    /// while one is carried out (a handler calling `stop()`) decides what follows.
    pub fn next_command(&mut self) -> Option<Command<C>> {
        (!self.outbox.is_empty()).then(|| self.outbox.remove(0))
    }

    /// The machine needs [`Input::Initial`] before it can decide anything about the token (not
    /// once stopped: then it decides nothing).
    pub fn wants_initial(&self) -> bool {
        !self.initialised && !self.stopped
    }

    pub fn running(&self) -> bool {
        self.running
    }

    /// Waiting for the provider, the lock or the embeds.
    pub fn refreshing(&self) -> bool {
        self.attempt.is_some()
    }

    /// The next instant, on the wall clock, at which the machine must get [`Input::Timeout`]:
    /// the end of the attempt's wait, else (while running) when a refresh comes due, pushed
    /// back by a retry delay or the minimum gap. `None` while it waits for an answer, or when
    /// the moment has come but the browser is offline (the `online` event checks again). The
    /// shell keeps one timer for it and moves that timer only when this changes.
    pub fn poll_timeout(&self, now: &impl Senses) -> Option<Millis> {
        match &self.attempt {
            Some(attempt) => attempt.until,
            None if self.running => self.schedule.next_wake(now.wall(), || now.online()),
            None => None,
        }
    }

    pub fn status(&self, now: Millis) -> Status {
        let expires_at = self.schedule.expires_at();
        Status {
            running: self.running,
            refreshing: self.attempt.is_some(),
            expires_at,
            expires_in: expires_at.map(|at| at.saturating_sub(now)),
            failures: self.schedule.failures(),
            next_retry_in: self
                .schedule
                .retry_at()
                .map(|at| at.saturating_sub(now).max(0)),
            last_error: self.last_error,
            refresh_count: self.refresh_count,
        }
    }

    pub fn handle(&mut self, now: &impl Senses, input: Input<C>) {
        let mono = (!matches!(input, Input::Tick)).then(|| now.mono());
        if let Some(disturbed) = self.schedule.observe(now.wall(), mono) {
            let (what, ms) = match disturbed {
                Disturbance::ClockBack(ms) => {
                    // Deadlines already read on the old clock (a token being handed to the
                    // embeds, one another tab shared) move with it, as the schedule's did.
                    if let Some(attempt) = self.attempt.as_mut() {
                        let token = attempt.token.as_mut().map(|(_, at)| at);
                        for at in token.into_iter().chain(attempt.until.as_mut()) {
                            *at = at.saturating_sub(ms);
                        }
                    }
                    if let Some((_, at)) = self.shared.as_mut() {
                        *at = at.saturating_sub(ms);
                    }
                    ("clock turned back (ms)", ms)
                }
                Disturbance::Late(ms) => ("check late after sleep or throttling (ms)", ms),
            };
            self.log(what, Detail::Number(ms));
        }
        match input {
            Input::Start { peers } => self.start(now, peers),
            Input::Stop => {
                // Whatever was queued before belonged to the run that is ending.
                self.outbox.clear();
                self.stop();
            }
            Input::Initial(expires_at) => self.initialise(expires_at),
            Input::Tick if self.running => {
                self.ticks = self.ticks.wrapping_add(1);
                let look = self.ticks % PRESENCE_TICKS == 0;
                self.check_looking(now, false, look);
            }
            Input::Check if self.running => self.check(now, false),
            // Shown, maybe back from the back/forward cache (whose `visibilitychange` may come
            // before `pageshow`): the other tabs likely refreshed meanwhile, so they are asked
            // first, as by a tab that just started. Hidden pages are left alone.
            Input::Restored | Input::VisibilityChanged if self.running && !now.hidden() => {
                self.hello(now);
                self.check(now, false);
            }
            // Hidden between retries: its timers may be throttled for long, so a lock kept for
            // every tab goes to the next (a visible one goes first), as for a freeze.
            Input::VisibilityChanged if self.attempt.is_none() => self.frozen(),
            Input::Tick | Input::Check | Input::VisibilityChanged | Input::Restored => {}
            Input::Frozen => self.frozen(),
            Input::Timeout => {
                let due = self
                    .attempt
                    .as_ref()
                    .filter(|a| a.until.is_none_or(|at| now.wall() >= at));
                match due.map(|a| a.phase) {
                    Some(Phase::Waiting) => self.obtain(now),
                    Some(Phase::ReloadWaiting) => self.reload(),
                    _ => {}
                }
                if self.running {
                    self.check(now, false);
                }
            }
            Input::Online if self.running => {
                self.schedule.online_again();
                self.check(now, false);
            }
            Input::Online => {}
            Input::EmbedSaysExpired if self.running => {
                self.log("the embed reported TokenExpired", Detail::None);
                self.schedule.reported_expired(now.wall());
                self.reload_pending = true;
                self.check(now, false);
            }
            Input::EmbedSaysExpired => {}
            // A stopped refresher asks for nothing, whoever calls.
            Input::RefreshNow | Input::TokenWanted { .. } if self.stopped => {
                self.push(Command::Settle(Err(STOPPED)));
            }
            Input::RefreshNow => self.check(now, true),
            Input::TokenWanted { embed_token } => {
                match self
                    .token
                    .clone()
                    .or(embed_token)
                    .filter(|_| self.fresh(now))
                {
                    Some(token) => self.push(Command::Settle(Ok(token))),
                    None => self.check(now, true),
                }
            }
            Input::LockGranted { ticket } => {
                if self.waiting(ticket) == Some(Phase::Locking) {
                    self.lock = true;
                    self.obtain(now);
                } else if !self.lock {
                    // Granted too late: this tab no longer needs it. (While it holds the lock
                    // already, a second grant cannot come: the request queues behind its own.)
                    self.push(Command::ReleaseLock { linger_ms: 0 });
                }
            }
            Input::Answered { ticket, answer } => {
                if self.waiting(ticket) == Some(Phase::Providing) {
                    self.answered(now, answer);
                }
            }
            Input::TokenSet { ticket, results } => {
                if self.waiting(ticket) == Some(Phase::Setting) {
                    self.token_set(now, results);
                }
            }
            Input::Reloaded { ticket, results } => {
                if self.waiting(ticket) == Some(Phase::Reloading) {
                    self.reloaded(now, results);
                }
            }
            Input::PeerHello => self.peer_hello(now),
            Input::PeerToken { token, expires_at } => self.peer_token(now, token, expires_at),
            Input::PeerFailed { code } => self.peer_failed(now, code),
        }
    }

    /// The phase of the attempt, if it waits for `ticket`.
    fn waiting(&self, ticket: u32) -> Option<Phase> {
        self.attempt
            .as_ref()
            .filter(|a| a.ticket == ticket)
            .map(|a| a.phase)
    }

    fn start(&mut self, now: &impl Senses, peers: bool) {
        if self.running {
            return;
        }
        self.running = true;
        self.stopped = false;
        self.peers = peers;
        self.log("started", Detail::None);
        self.hello(now);
        self.push(Command::Yield);
    }

    /// Ends the run and abandons the attempt in flight; nothing it asked for is applied.
    fn stop(&mut self) {
        let was_running = std::mem::replace(&mut self.running, false);
        self.stopped = true;
        self.peers = false;
        self.shared = None;
        self.let_go(STOPPED);
        if was_running {
            self.log("stopped", Detail::None);
        }
        self.push(Command::Stopped);
    }

    /// Asks the other tabs for their token; a refresh in the next moment waits for the answers.
    fn hello(&mut self, now: &impl Senses) {
        if self.peers {
            self.push(Command::Hello);
            self.hello_at = now.mono();
        }
    }

    /// A frozen page runs nothing, so it must not keep the other tabs waiting: the attempt in
    /// flight is dropped and the lock let go. `resume` checks again.
    fn frozen(&mut self) {
        self.let_go(FROZEN);
    }

    /// Drops the attempt in flight, settling its promises with `why` (they would otherwise wait
    /// for the next refresh), and lets the lock go: another tab takes over at once.
    fn let_go(&mut self, why: &'static str) {
        if self.attempt.take().is_some() {
            self.push(Command::Abort);
            self.push(Command::Settle(Err(why)));
        }
        if std::mem::take(&mut self.lock) {
            self.push(Command::ReleaseLock { linger_ms: 0 });
        }
    }

    fn initialise(&mut self, expires_at: Result<Option<Millis>, Failure<C>>) {
        if std::mem::replace(&mut self.initialised, true) {
            return;
        }
        let expires_at = match expires_at {
            Ok(at) => at,
            Err(failure) => {
                // Refresh at once rather than guess; the event says what was wrong.
                self.error(failure, None);
                None
            }
        };
        self.schedule = Schedule::new(self.settings.policy, expires_at);
    }

    /// Every trigger ends here: drop embeds that left, report an expiry, start a refresh if one
    /// is due and none is in flight.
    fn check(&mut self, now: &impl Senses, manual: bool) {
        self.check_looking(now, manual, true);
    }

    /// [`check`](Self::check), looking at the embeds' presence only if `look`.
    fn check_looking(&mut self, now: &impl Senses, manual: bool, look: bool) {
        if look && !self.prune(now) {
            return;
        }
        if let Some(expired_for) = self.schedule.take_expiry(now.wall()) {
            // A report whose token expired stays dead until it is reloaded.
            self.reload_pending = true;
            let expires_at = self.schedule.expires_at();
            self.emit(Event::Expired {
                expires_at,
                expired_for,
            });
        }
        if self.attempt.is_some() {
            return;
        }
        let trigger = Trigger { manual };
        if let Some(reason) = self.schedule.poll(now.wall(), trigger, || now.online()) {
            self.begin(now, reason);
        }
    }

    /// Drops embeds that left the page, each with an `EmbedRemoved` event; when none remain,
    /// a `NoEmbedsLeft` event and a stop. `false` when stopped.
    fn prune(&mut self, now: &impl Senses) -> bool {
        for index in 0..self.present.len() {
            if self.present[index] && now.gone(index) {
                self.present[index] = false;
                let failure = Failure::new(
                    Code::EmbedRemoved,
                    "an embed's container (or iframe) was removed from the page; it is no longer refreshed",
                );
                self.error(failure.of_embed(index), None);
            }
        }
        if self.present.iter().any(|p| *p) {
            return true;
        }
        self.error(
            Failure::new(
                Code::NoEmbedsLeft,
                "every embed was removed from the page, so the refresher stopped",
            ),
            None,
        );
        self.stop();
        false
    }

    fn ticket(&mut self) -> u32 {
        self.tickets = self.tickets.wrapping_add(1);
        self.tickets
    }

    /// A refresh starts: it first yields (so a `stop()` in the same task abandons it before
    /// anything is asked); with other tabs, a tab that just started gives them a moment to
    /// answer its hello, and a hidden tab gives visible ones a head start, never past a quarter
    /// of the time left.
    fn begin(&mut self, now: &impl Senses, reason: Reason) {
        self.log("refreshing", Detail::Text(reason.as_str()));
        let mut wait = 0;
        // A tab that kept the lock through a failure retries for everyone: no waiting.
        if self.peers && self.shared.is_none() && !self.lock {
            wait = (self.hello_at + HELLO_WAIT_MS - now.mono()).clamp(0, HELLO_WAIT_MS);
            if now.hidden() {
                let left = self.schedule.expires_at().map_or(0, |at| at - now.wall());
                wait = wait.max(HIDDEN_HEAD_START_MS.min(left / 4));
            }
        }
        let ticket = self.ticket();
        self.attempt = Some(Attempt {
            reason,
            phase: Phase::Waiting,
            ticket,
            until: (wait > 0).then(|| now.wall().saturating_add(wait)),
            token: None,
            reload: Reload::default(),
        });
        self.push(Command::Begin);
        if wait == 0 {
            self.push(Command::Yield);
        }
    }

    /// Moves the attempt on; the ticket its next answer must carry.
    fn next_phase(&mut self, phase: Phase) -> u32 {
        let ticket = self.ticket();
        if let Some(attempt) = self.attempt.as_mut() {
            attempt.phase = phase;
            attempt.ticket = ticket;
            attempt.until = None;
        }
        ticket
    }

    /// The new token: another tab's when it shared one (re-checked under the lock: the tab that
    /// held it before may have), else the provider's, under the lock when there are other tabs.
    fn obtain(&mut self, now: &impl Senses) {
        // One that died while this tab waited, or is older than what the embeds hold, is no use.
        let shared = self.shared.take().filter(|(_, at)| self.newer(now, *at));
        if shared.is_none() && self.peers && !self.lock {
            let ticket = self.next_phase(Phase::Locking);
            return self.push(Command::RequestLock { ticket });
        }
        if let Some((token, expires_at)) = shared {
            if let Some(attempt) = self.attempt.as_mut() {
                attempt.reason = Reason::Shared;
            }
            let claims = Claims {
                expires_at: Some(expires_at),
                ..Claims::default()
            };
            self.accept(now, Answer { token, claims });
            return;
        }
        // A provider that timed out may just be slower than `providerTimeoutMs`: each timeout
        // in a row doubles the next wait, up to four times the setting.
        let slow = self.timeouts_in_row.min(2);
        let timeout_ms = self.settings.provider_timeout_ms.saturating_mul(1 << slow);
        let reason = self.attempt.as_ref().map_or(Reason::Unknown, |a| a.reason);
        let ticket = self.next_phase(Phase::Providing);
        self.push(Command::CallProvider {
            ticket,
            reason,
            timeout_ms,
        });
    }

    fn answered(&mut self, now: &impl Senses, answer: Result<Answer, Failure<C>>) {
        let timed_out = matches!(&answer, Err(f) if f.code == Code::ProviderTimeout);
        self.timeouts_in_row = if timed_out {
            self.timeouts_in_row.saturating_add(1)
        } else {
            0
        };
        match answer {
            Ok(answer) => self.accept(now, answer),
            Err(failure) => {
                self.push(Command::Abort); // the provider may still be working: give up
                self.fail(now, failure);
            }
        }
    }

    /// Anchors the token's deadline and hands it to the embeds still on the page.
    fn accept(&mut self, now: &impl Senses, answer: Answer) {
        let anchored = match anchor::anchor(now.wall(), answer.claims) {
            Ok(anchored) => anchored,
            Err(AnchorError::AlreadyExpired) => {
                return self.fail(now, Failure::new(
                    Code::TokenAlreadyExpired,
                    "the token provider answered a token that had already expired (if this device's clock is wrong, answer serverTime or expiresIn too)",
                ));
            }
            Err(AnchorError::NoExpiration) => {
                return self.fail(now, ExpirationError::NoExpClaim.into());
            }
        };
        self.note_skew(anchored.skew);
        // Asked again: embeds may have been removed while the provider worked.
        if !self.prune(now) {
            return;
        }
        let embeds = self.present_embeds();
        let ticket = self.next_phase(Phase::Setting);
        if let Some(attempt) = self.attempt.as_mut() {
            attempt.token = Some((answer.token.clone(), anchored.expires_at));
        }
        self.push(Command::SetToken {
            ticket,
            token: answer.token,
            embeds,
        });
    }

    fn present_embeds(&self) -> Vec<usize> {
        (0..self.present.len())
            .filter(|&i| self.present[i])
            .collect()
    }

    /// One failure of an embed that is still on the page fails the attempt; embeds that could
    /// not be found are each reported, and fail it only when none could be.
    fn token_set(&mut self, now: &impl Senses, results: Vec<(usize, Result<bool, Failure<C>>)>) {
        if !self.prune(now) {
            return;
        }
        let (mut done, mut missing, mut failed) = (Vec::new(), Vec::new(), None);
        for (index, result) in results {
            match result {
                Ok(_) => done.push(index),
                Err(f) if f.code == Code::NoEmbed => missing.push(self.about(f, index)),
                Err(f) if failed.is_none() && !now.gone(index) => {
                    failed = Some(self.about(f, index));
                }
                Err(_) => {}
            }
        }
        if let Some(failure) = failed {
            return self.fail(now, failure);
        }
        if done.is_empty() {
            let failure = missing.into_iter().next().unwrap_or_else(|| {
                Failure::new(Code::NoEmbedsLeft, "every embed was removed from the page")
            });
            return self.fail(now, failure);
        }
        for failure in missing {
            self.error(failure, None);
        }
        if std::mem::take(&mut self.reload_pending) && self.settings.reload_after_expiry {
            self.log("reloading after expiry", Detail::None);
            if let Some(attempt) = self.attempt.as_mut() {
                attempt.reload = Reload {
                    embeds: done,
                    tries: 0,
                };
            }
            self.reload();
        } else {
            self.succeed(now);
        }
    }

    fn reload(&mut self) {
        let embeds = self
            .attempt
            .as_ref()
            .map(|a| a.reload.embeds.clone())
            .unwrap_or_default();
        let ticket = self.next_phase(Phase::Reloading);
        self.push(Command::Reload { ticket, embeds });
    }

    /// A reload that failed is reported, the token stays; one that powerbi-client skipped is
    /// tried again a little later, and reported if it keeps being skipped.
    fn reloaded(&mut self, now: &impl Senses, results: Vec<(usize, Result<bool, Failure<C>>)>) {
        let mut skipped = Vec::new();
        let mut failed = None;
        for (index, result) in results {
            match result {
                Ok(true) => {}
                Ok(false) => skipped.push(index),
                Err(f) if failed.is_none() && !now.gone(index) => {
                    failed = Some(self.about(f, index));
                }
                Err(_) => {}
            }
        }
        if let Some(failure) = failed {
            self.error(failure, None);
        }
        let tries = self.attempt.as_ref().map_or(0, |a| a.reload.tries) + 1;
        if skipped.is_empty() || tries > RELOAD_TRIES {
            if let Some(&index) = skipped.first() {
                let failure = Failure::new(
                    Code::ReloadFailed,
                    "powerbi-client skipped reload() after the expired token was replaced (the embed was still loading); reload it yourself",
                );
                self.error(self.about(failure, index), None);
            }
            return self.succeed(now);
        }
        self.next_phase(Phase::ReloadWaiting);
        if let Some(attempt) = self.attempt.as_mut() {
            attempt.until = Some(now.wall().saturating_add(RELOAD_RETRY_MS.into()));
            attempt.reload = Reload {
                embeds: skipped,
                tries,
            };
        }
    }

    fn succeed(&mut self, now: &impl Senses) {
        let Some(attempt) = self.attempt.take() else {
            return;
        };
        let Some((token, expires_at)) = attempt.token else {
            return;
        };
        let publish = self.peers && attempt.reason != Reason::Shared;
        if publish {
            self.push(Command::Publish {
                token: token.clone(),
                expires_at,
            });
        }
        if std::mem::take(&mut self.lock) {
            // Kept a moment only after publishing: the next tab must not get the lock first.
            let linger_ms = if publish { LOCK_LINGER_MS } else { 0 };
            self.push(Command::ReleaseLock { linger_ms });
        }
        let attempts = self.schedule.failures() + 1;
        self.schedule.succeeded(now.wall(), expires_at);
        self.last_error = None;
        self.refresh_count = self.refresh_count.saturating_add(1);
        self.emit(Event::Refreshed {
            expires_at,
            expires_in: expires_at.saturating_sub(now.wall()),
            reason: attempt.reason,
            attempts,
        });
        self.push(Command::Settle(Ok(token.clone())));
        self.token = Some(token);
    }

    /// The attempt failed. When the provider failed under the lock, the lock is kept through the
    /// retries and the other tabs are told: they wait for this tab instead of each asking a
    /// backend that is down (a closed, stopped or frozen tab lets go, and the next takes over).
    fn fail(&mut self, now: &impl Senses, failure: Failure<C>) {
        let Some(attempt) = self.attempt.take() else {
            return;
        };
        // Only what the backend answered: a provider missing or throwing in this tab (another
        // page, another version), an embed not found, or this tab's clock, must not stop the
        // others; nor may a hidden tab, whose timers can be throttled for minutes.
        let backend = !matches!(
            failure.code,
            Code::NoEmbed | Code::NoProvider | Code::ProviderThrew | Code::TokenAlreadyExpired
        );
        let for_all = self.lock
            && self.running
            && backend
            && !now.hidden()
            && attempt.phase == Phase::Providing;
        if for_all {
            self.push(Command::PublishFailure { code: failure.code });
        } else if std::mem::take(&mut self.lock) {
            self.push(Command::ReleaseLock { linger_ms: 0 });
        }
        let random = self.unit();
        let retry_at = self.schedule.failed(now.wall(), random);
        let message = failure.message;
        let retry = self.running.then_some(Retry {
            at: retry_at,
            in_ms: retry_at.saturating_sub(now.wall()),
        });
        self.error(failure, retry);
        self.push(Command::Settle(Err(message)));
    }

    /// No refresh in flight, and none due yet.
    fn fresh(&self, now: &impl Senses) -> bool {
        self.attempt.is_none() && self.schedule.due_at().is_some_and(|due| now.wall() < due)
    }

    fn peer_hello(&mut self, now: &impl Senses) {
        if let (true, true, Some(token), Some(expires_at)) = (
            self.peers,
            self.fresh(now),
            self.token.clone(),
            self.schedule.expires_at(),
        ) {
            self.push(Command::Publish { token, expires_at });
        }
    }

    /// A newer token from another tab is applied here without a provider call, or picked up by
    /// the refresh in flight.
    fn peer_token(&mut self, now: &impl Senses, token: String, expires_at: Millis) {
        let longest = self
            .schedule
            .lifetime()
            .unwrap_or(0)
            .max(SHARED_LIFETIME_CAP_MS);
        let believable = expires_at <= now.wall().saturating_add(longest);
        if !self.peers || !self.newer(now, expires_at) || !believable || token.is_empty() {
            return;
        }
        self.shared = Some((token, expires_at));
        match self.attempt.as_ref().map(|a| a.phase) {
            // Waiting for others, or for the lock to ask the provider: this is what it waited
            // for (a lock granted later is let go at once).
            Some(Phase::Waiting | Phase::Locking) => self.obtain(now),
            Some(_) => {}
            // Taking the flight the way refreshNow() does.
            None => {
                if self
                    .schedule
                    .poll(now.wall(), Trigger::MANUAL, || true)
                    .is_some()
                {
                    self.begin(now, Reason::Shared);
                }
            }
        }
    }

    /// The tab holding the lock failed to get a token: a refresh here that waits for that tab
    /// (or for the lock) fails with it, visibly, and retries on this tab's schedule, queueing
    /// behind the lock again rather than calling the provider.
    fn peer_failed(&mut self, now: &impl Senses, code: Code) {
        let phase = self.attempt.as_ref().map(|a| a.phase);
        if self.peers && matches!(phase, Some(Phase::Waiting | Phase::Locking)) {
            self.push(Command::Abort); // gives up the lock request
            self.fail(now, Failure::new(code, PEER_FAILED));
        }
    }

    /// A token expiring at `expires_at` is still worth having: alive, and newer than what the
    /// embeds hold.
    fn newer(&self, now: &impl Senses, expires_at: Millis) -> bool {
        let held = self.schedule.expires_at();
        expires_at > now.wall() && held.is_none_or(|at| expires_at > at)
    }

    /// One `warning` while this device's clock disagrees with the token issuer's; the deadline
    /// is already anchored on the issuer's clock, so nothing else changes.
    fn note_skew(&mut self, skew: Option<Millis>) {
        let first = skew.is_some() && !self.skew_reported;
        self.skew_reported = skew.is_some();
        if let (true, Some(skew)) = (first, skew) {
            self.emit(Event::ClockSkew { skew });
        }
    }

    /// `failure` names the embed when there are several.
    fn about(&self, failure: Failure<C>, index: usize) -> Failure<C> {
        if self.present.len() > 1 {
            failure.of_embed(index)
        } else {
            failure
        }
    }

    /// Records the failure for `status.lastError` and tells the handlers.
    fn error(&mut self, failure: Failure<C>, retry: Option<Retry>) {
        self.last_error = Some(failure.code);
        self.log(failure.code.as_str(), Detail::Text(failure.message));
        let attempt = self.schedule.failures();
        self.emit(Event::Error {
            failure,
            attempt,
            retry,
        });
    }

    fn emit(&mut self, event: Event<C>) {
        self.push(Command::Emit(event));
    }

    fn log(&mut self, message: &'static str, detail: Detail) {
        if self.settings.debug {
            self.push(Command::Log { message, detail });
        }
    }

    fn push(&mut self, command: Command<C>) {
        self.outbox.push(command);
    }

    /// splitmix64 → `0.0..1.0`, for the retry jitter.
    fn unit(&mut self) -> f64 {
        self.random = self.random.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.random;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}
