//! Decisions that used to live in the browser shell, now the machine's, each shown on a short
//! script of inputs: what a `stop()` abandons, the provider-timeout doubling, the hello wait and
//! the hidden tab's head start, the lock kept after publishing, the promises of `refreshNow()`
//! and `accessTokenProvider`, the reload after expiry (and a reload powerbi-client skipped),
//! another tab's odd expiration, the deadline after an early firing, late answers after stop.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use powerbi_token_refresh_core::anchor::Claims;
use powerbi_token_refresh_core::failure::{Code, Failure};
use powerbi_token_refresh_core::io::{Answer, Command, Event, Input, Now, Senses};
use powerbi_token_refresh_core::js_number::{self, LATEST, MAX_TIMER_MS};
use powerbi_token_refresh_core::machine::{
    Machine, Settings, HELLO_WAIT_MS, HIDDEN_HEAD_START_MS, LOCK_LINGER_MS, PRESENCE_TICKS,
    RELOAD_RETRY_MS, RELOAD_TRIES, SHARED_LIFETIME_CAP_MS,
};
use powerbi_token_refresh_core::schedule::Reason;
use powerbi_token_refresh_core::Millis;

const T0: Millis = 1_764_324_000_000;
use support::MINUTE;
const HOUR: Millis = 60 * MINUTE;
const STOPPED: &str = "the refresher was stopped";

fn settings() -> Settings {
    support::defaults()
}

/// One machine and the world it sees; every feed returns what came out.
struct Shell {
    machine: Machine<()>,
    now: Now,
    /// The last feed asked for a yield.
    yielded: bool,
}

impl Shell {
    fn new(settings: Settings) -> Self {
        Self {
            machine: Machine::new(settings, 7),
            now: support::page_at(T0),
            yielded: false,
        }
    }

    /// After the last feed, how long the attempt waits before it goes on: 0 for a yield.
    /// `None` when no attempt waits.
    fn after(&self) -> Option<u32> {
        if !self.machine.refreshing() {
            return None;
        }
        if self.yielded {
            return Some(0);
        }
        let at = self.machine.poll_timeout(&self.now)?;
        Some(js_number::timer(at - self.now.wall))
    }

    /// The delay the shell's timer is armed with while no attempt waits, if it is armed.
    fn armed_in(&self) -> Option<u32> {
        let at = self.machine.poll_timeout(&self.now)?;
        (!self.machine.refreshing()).then(|| js_number::timer(at - self.now.wall))
    }

    /// The attempt's wait ends: the clocks move on to its end (not for a yield), and the timer
    /// (or the yield's microtask) fires.
    fn go_on(&mut self) -> Vec<Command<()>> {
        if let Some(ms) = self.after() {
            self.pass(Millis::from(ms));
        }
        self.feed(Input::Timeout)
    }

    /// `start()` and its first check, with the embed's token expiring at `expires_at`.
    fn started(settings: Settings, peers: bool, expires_at: Millis) -> (Self, Vec<Command<()>>) {
        let mut shell = Self::new(settings);
        let started = shell.feed(Input::Start { peers });
        assert!(started.contains(&Command::Yield), "{started:?}");
        assert!(shell.machine.wants_initial());
        shell.feed(Input::Initial(Ok(Some(expires_at))));
        let first = shell.feed(Input::Check);
        (shell, first)
    }

    fn feed(&mut self, input: Input<()>) -> Vec<Command<()>> {
        self.machine.handle(&self.now, input);
        let commands: Vec<_> = std::iter::from_fn(|| self.machine.next_command()).collect();
        self.yielded = commands.contains(&Command::Yield);
        commands
    }

    /// Both clocks move on by `ms`.
    fn pass(&mut self, ms: Millis) {
        self.now.wall += ms;
        self.now.mono += ms;
    }
}

fn token(name: &str, expires_at: Millis) -> Answer {
    Answer {
        token: name.into(),
        claims: Claims {
            expires_at: Some(expires_at),
            ..Claims::default()
        },
    }
}

fn ticket_of(commands: &[Command<()>], what: &str) -> u32 {
    commands
        .iter()
        .find_map(|c| match (c, what) {
            (Command::RequestLock { ticket }, "lock")
            | (Command::CallProvider { ticket, .. }, "provider")
            | (Command::SetToken { ticket, .. }, "set")
            | (Command::Reload { ticket, .. }, "reload") => Some(*ticket),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {what} in {commands:?}"))
}

fn provider_timeout(commands: &[Command<()>]) -> Option<u32> {
    commands.iter().find_map(|c| match c {
        Command::CallProvider { timeout_ms, .. } => Some(*timeout_ms),
        _ => None,
    })
}

fn settled(commands: &[Command<()>]) -> Vec<Result<String, &'static str>> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Settle(result) => Some(result.clone()),
            _ => None,
        })
        .collect()
}

fn errors(commands: &[Command<()>]) -> Vec<Code> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Emit(Event::Error { failure, .. }) => Some(failure.code),
            _ => None,
        })
        .collect()
}

fn refreshed(commands: &[Command<()>]) -> Option<(Millis, Reason)> {
    commands.iter().find_map(|c| match c {
        Command::Emit(Event::Refreshed {
            expires_at, reason, ..
        }) => Some((*expires_at, *reason)),
        _ => None,
    })
}

/// Runs an attempt that just began (`begun`) past its yield, up to the provider call.
fn to_provider(shell: &mut Shell, begun: &[Command<()>]) -> (u32, Vec<Command<()>>) {
    assert!(begun.contains(&Command::Begin), "{begun:?}");
    let asked = shell.go_on();
    (ticket_of(&asked, "provider"), asked)
}

/// Runs an attempt of a tab with peers that just began (`begun`) past its wait, up to the lock
/// request; the lock's ticket.
fn to_lock(shell: &mut Shell, begun: &[Command<()>]) -> u32 {
    assert!(begun.contains(&Command::Begin), "{begun:?}");
    let locking = shell.go_on();
    ticket_of(&locking, "lock")
}

/// The retry `retry_in` from now: it asks for the lock, and not the provider. What the wake
/// brought, and the lock's ticket.
fn retry_asks_for_the_lock(shell: &mut Shell, retry_in: Millis) -> (Vec<Command<()>>, u32) {
    shell.pass(retry_in);
    let retry = shell.feed(Input::Timeout);
    let locking = shell.go_on();
    assert!(
        !locking
            .iter()
            .any(|c| matches!(c, Command::CallProvider { .. })),
        "{locking:?}"
    );
    (retry, ticket_of(&locking, "lock"))
}

/// Answers the provider and the embeds; what the last answer brought.
fn succeed(shell: &mut Shell, provider: u32, name: &str, expires_at: Millis) -> Vec<Command<()>> {
    let set = shell.feed(Input::Answered {
        ticket: provider,
        answer: Ok(token(name, expires_at)),
    });
    let ticket = ticket_of(&set, "set");
    shell.feed(Input::TokenSet {
        ticket,
        results: vec![(0, Ok(true))],
    })
}

#[test]
fn refresh_now_then_stop_in_the_same_task_calls_no_provider() {
    let (mut shell, _) = Shell::started(settings(), false, T0 + HOUR);
    assert!(shell.after().is_none(), "a fresh token: nothing to do");
    let begun = shell.feed(Input::RefreshNow);
    assert!(begun.contains(&Command::Begin));
    let ms = shell.after().expect("it yields first");
    assert_eq!(ms, 0);
    let stopped = shell.feed(Input::Stop);
    assert!(stopped.contains(&Command::Abort));
    assert_eq!(settled(&stopped), [Err(STOPPED)], "refreshNow() settles");
    assert_eq!(stopped.last(), Some(&Command::Stopped));
    // The microtask the shell queued for the yield still runs.
    assert_eq!(shell.go_on(), []);
    assert!(!shell.machine.refreshing() && !shell.machine.running());
}

#[test]
fn a_stop_fed_while_commands_are_carried_out_drops_the_rest() {
    let (mut shell, _) = Shell::started(settings(), false, T0 + HOUR);
    shell.machine.handle(&shell.now, Input::RefreshNow);
    // The shell carries out the first command (Begin); a handler calls stop() right then.
    assert_eq!(shell.machine.next_command(), Some(Command::Begin));
    let rest = shell.feed(Input::Stop);
    assert!(
        !rest.contains(&Command::Yield),
        "what was queued before stop() is dropped: {rest:?}"
    );
    assert_eq!(settled(&rest), [Err(STOPPED)]);
}

#[test]
fn provider_timeouts_double_the_next_wait_up_to_four_times() {
    let config = Settings {
        provider_timeout_ms: 1_000,
        ..settings()
    };
    let (mut shell, mut begun) = Shell::started(config, false, T0 - 1);
    let mut waits = Vec::new();
    for _ in 0..4 {
        let (provider, asked) = to_provider(&mut shell, &begun);
        waits.push(provider_timeout(&asked).unwrap());
        shell.pass(100);
        let failed = shell.feed(Input::Answered {
            ticket: provider,
            answer: Err(Failure::new(Code::ProviderTimeout, "slow")),
        });
        assert!(failed.contains(&Command::Abort), "the provider may give up");
        assert_eq!(errors(&failed), [Code::ProviderTimeout]);
        shell.pass(MINUTE);
        begun = shell.feed(Input::Timeout);
    }
    assert_eq!(waits, [1_000, 2_000, 4_000, 4_000]);
    // Another kind of answer ends the streak.
    let (provider, _) = to_provider(&mut shell, &begun);
    shell.feed(Input::Answered {
        ticket: provider,
        answer: Err(Failure::new(Code::ProviderRejected, "no")),
    });
    shell.pass(MINUTE);
    let begun = shell.feed(Input::Timeout);
    let (_, asked) = to_provider(&mut shell, &begun);
    assert_eq!(provider_timeout(&asked), Some(1_000));
}

#[test]
fn a_tab_that_just_started_waits_for_answers_to_its_hello() {
    let mut shell = Shell::new(settings());
    let started = shell.feed(Input::Start { peers: true });
    assert_eq!(started, [Command::Hello, Command::Yield]);
    shell.feed(Input::Initial(Ok(Some(T0 + 5 * MINUTE))));
    shell.now.mono += 100;
    shell.feed(Input::Check);
    assert_eq!(shell.after().unwrap(), HELLO_WAIT_MS as u32 - 100);
    // The answer to the hello comes within the wait: applied without the lock or a provider.
    let shared = shell.feed(Input::PeerToken {
        token: "theirs".into(),
        expires_at: T0 + HOUR,
    });
    let set = ticket_of(&shared, "set");
    assert!(!shared.iter().any(|c| matches!(
        c,
        Command::RequestLock { .. } | Command::CallProvider { .. }
    )));
    let done = shell.feed(Input::TokenSet {
        ticket: set,
        results: vec![(0, Ok(true))],
    });
    assert_eq!(refreshed(&done), Some((T0 + HOUR, Reason::Shared)));
    assert!(
        !done.iter().any(|c| matches!(c, Command::Publish { .. })),
        "a shared token is not published again"
    );
}

#[test]
fn a_hidden_tab_lets_visible_ones_go_first_but_not_past_a_quarter_of_the_time_left() {
    let wait = |left: Millis, hidden: bool| {
        let mut shell = Shell::new(settings());
        shell.feed(Input::Start { peers: true });
        shell.feed(Input::Initial(Ok(Some(T0 + left))));
        shell.now.mono += 10 * 60_000; // long after the hello
        shell.now.hidden = hidden;
        shell.feed(Input::Check);
        shell.after()
    };
    assert_eq!(wait(5 * MINUTE, true), Some(HIDDEN_HEAD_START_MS as u32));
    assert_eq!(wait(5 * MINUTE, false), Some(0));
    assert_eq!(wait(4_000, true), Some(1_000), "a quarter of 4 s");
    assert_eq!(wait(-MINUTE, true), Some(0), "expired: no head start");
    // Without other tabs there is no one to wait for.
    let mut alone = Shell::new(settings());
    alone.now.hidden = true;
    alone.feed(Input::Start { peers: false });
    alone.feed(Input::Initial(Ok(Some(T0 + 5 * MINUTE))));
    alone.feed(Input::Check);
    assert_eq!(alone.after(), Some(0));
}

#[test]
fn the_lock_lingers_after_publishing_stays_through_provider_failures_and_goes_on_a_local_one() {
    let (mut shell, _) = Shell::started(settings(), true, T0 + 5 * MINUTE);
    let locking = shell.go_on(); // past the hello's wait
    let asked = shell.feed(Input::LockGranted {
        ticket: ticket_of(&locking, "lock"),
    });
    let done = succeed(&mut shell, ticket_of(&asked, "provider"), "mine", T0 + HOUR);
    let publish = done
        .iter()
        .position(|c| matches!(c, Command::Publish { expires_at, .. } if *expires_at == T0 + HOUR));
    let release = done.iter().position(|c| {
        *c == Command::ReleaseLock {
            linger_ms: LOCK_LINGER_MS,
        }
    });
    assert!(
        matches!((publish, release), (Some(p), Some(r)) if p < r),
        "published, then the lock lingers: {done:?}"
    );
    // The next attempt fails: the lock goes at once.
    shell.feed(Input::RefreshNow);
    let locking = shell.go_on();
    let asked = shell.feed(Input::LockGranted {
        ticket: ticket_of(&locking, "lock"),
    });
    let failed = shell.feed(Input::Answered {
        ticket: ticket_of(&asked, "provider"),
        answer: Err(Failure::new(Code::ProviderRejected, "no")),
    });
    // The provider failed: the lock stays, the others are told, and wait for this tab.
    assert!(
        failed.contains(&Command::PublishFailure {
            code: Code::ProviderRejected
        }),
        "{failed:?}"
    );
    assert!(!failed
        .iter()
        .any(|c| matches!(c, Command::ReleaseLock { .. } | Command::Publish { .. })));
    // Its retry asks the provider under the lock it kept: no new request, no head start.
    shell.now.hidden = true;
    shell.feed(Input::RefreshNow);
    let ms = shell.after().expect("it yields first");
    assert_eq!(ms, 0);
    let asked = shell.go_on();
    assert!(!asked
        .iter()
        .any(|c| matches!(c, Command::RequestLock { .. })));
    // The provider answers, but this tab's embed rejects the token: a failure of this tab's
    // alone, so the lock goes at once and another tab may do better.
    let set = shell.feed(Input::Answered {
        ticket: ticket_of(&asked, "provider"),
        answer: Ok(token("mine-2", T0 + 2 * HOUR)),
    });
    let failed = shell.feed(Input::TokenSet {
        ticket: ticket_of(&set, "set"),
        results: vec![(0, Err(Failure::new(Code::SetAccessTokenFailed, "no")))],
    });
    assert!(failed.contains(&Command::ReleaseLock { linger_ms: 0 }));
    assert!(!failed
        .iter()
        .any(|c| matches!(c, Command::PublishFailure { .. } | Command::Publish { .. })));
}

#[test]
fn promises_are_settled_with_the_token_the_error_or_stopped() {
    let (mut shell, _) = Shell::started(settings(), false, T0 + HOUR);
    // accessTokenProvider while the token is fresh: the embed's own, at once.
    let fresh = shell.feed(Input::TokenWanted {
        embed_token: Some("embedded".into()),
    });
    assert_eq!(settled(&fresh), [Ok("embedded".to_string())]);
    assert!(!fresh.contains(&Command::Begin));
    // refreshNow(): settled with the new token when it is in the embeds.
    let begun = shell.feed(Input::RefreshNow);
    assert!(settled(&begun).is_empty(), "not before the refresh ends");
    let (provider, _) = to_provider(&mut shell, &begun);
    let done = succeed(&mut shell, provider, "new", T0 + 2 * HOUR);
    assert_eq!(settled(&done), [Ok("new".to_string())]);
    // Once refreshed, accessTokenProvider hears the new token, not the embed's first one.
    let again = shell.feed(Input::TokenWanted {
        embed_token: Some("embedded".into()),
    });
    assert_eq!(settled(&again), [Ok("new".to_string())]);
    // A failure rejects with its message.
    let begun = shell.feed(Input::RefreshNow);
    let (provider, _) = to_provider(&mut shell, &begun);
    let failed = shell.feed(Input::Answered {
        ticket: provider,
        answer: Err(Failure::new(Code::ProviderRejected, "the provider said no")),
    });
    assert_eq!(settled(&failed), [Err("the provider said no")]);
    // A token near its end: accessTokenProvider waits for the refresh it starts.
    shell.pass(HOUR + 55 * MINUTE);
    let wanted = shell.feed(Input::TokenWanted { embed_token: None });
    assert!(settled(&wanted).is_empty() && wanted.contains(&Command::Begin));
    let stopped = shell.feed(Input::Stop);
    assert_eq!(settled(&stopped), [Err(STOPPED)]);
}

#[test]
fn an_expired_token_replaced_is_followed_by_a_reload() {
    let (mut shell, begun) = Shell::started(settings(), false, T0 - MINUTE);
    let (provider, _) = to_provider(&mut shell, &begun);
    let reload = succeed(&mut shell, provider, "new", T0 + HOUR);
    assert!(refreshed(&reload).is_none(), "not refreshed until reloaded");
    let ticket = ticket_of(&reload, "reload");
    assert!(reload.contains(&Command::Reload {
        ticket,
        embeds: vec![0]
    }));
    let done = shell.feed(Input::Reloaded {
        ticket,
        results: vec![(0, Ok(true))],
    });
    assert_eq!(refreshed(&done), Some((T0 + HOUR, Reason::Expired)));
    assert!(errors(&done).is_empty());
    // The next refresh, before expiry, reloads nothing.
    shell.pass(55 * MINUTE);
    let begun = shell.feed(Input::Timeout);
    let (provider, _) = to_provider(&mut shell, &begun);
    let done = succeed(&mut shell, provider, "newer", T0 + 2 * HOUR);
    assert!(!done.iter().any(|c| matches!(c, Command::Reload { .. })));
    assert!(refreshed(&done).is_some());
    // Unless told not to.
    let no_reload = Settings {
        reload_after_expiry: false,
        ..settings()
    };
    let (mut shell, begun) = Shell::started(no_reload, false, T0 - MINUTE);
    let (provider, _) = to_provider(&mut shell, &begun);
    let done = succeed(&mut shell, provider, "new", T0 + HOUR);
    assert!(!done.iter().any(|c| matches!(c, Command::Reload { .. })));
    assert!(refreshed(&done).is_some());
}

#[test]
fn a_reload_powerbi_client_skipped_is_tried_again_then_reported() {
    let (mut shell, begun) = Shell::started(settings(), false, T0 - MINUTE);
    let (provider, _) = to_provider(&mut shell, &begun);
    let mut commands = succeed(&mut shell, provider, "new", T0 + HOUR);
    let mut reloads = 0;
    loop {
        let ticket = ticket_of(&commands, "reload");
        reloads += 1;
        let answered = shell.feed(Input::Reloaded {
            ticket,
            results: vec![(0, Ok(false))],
        });
        match shell.after() {
            Some(ms) => {
                assert_eq!(ms, RELOAD_RETRY_MS, "past powerbi-client's 100 ms");
                assert!(refreshed(&answered).is_none());
                shell.pass(Millis::from(ms));
                commands = shell.go_on();
            }
            None => {
                assert_eq!(errors(&answered), [Code::ReloadFailed]);
                assert_eq!(
                    refreshed(&answered),
                    Some((T0 + HOUR, Reason::Expired)),
                    "the token itself is in place"
                );
                break;
            }
        }
    }
    assert_eq!(reloads, 1 + u32::from(RELOAD_TRIES));
    // A skipped reload that goes through on a retry is not reported.
    let (mut shell, begun) = Shell::started(settings(), false, T0 - MINUTE);
    let (provider, _) = to_provider(&mut shell, &begun);
    let reload = succeed(&mut shell, provider, "new", T0 + HOUR);
    shell.feed(Input::Reloaded {
        ticket: ticket_of(&reload, "reload"),
        results: vec![(0, Ok(false))],
    });
    let again = shell.go_on();
    let done = shell.feed(Input::Reloaded {
        ticket: ticket_of(&again, "reload"),
        results: vec![(0, Ok(true))],
    });
    assert!(errors(&done).is_empty() && refreshed(&done).is_some());
}

#[test]
fn a_peer_token_beyond_a_day_is_not_believed_and_one_within_is_taken() {
    let (mut shell, _) = Shell::started(settings(), true, T0 + HOUR);
    // A tab that believes its token lives until the end of time would freeze this one.
    for expires_at in [LATEST, T0 + SHARED_LIFETIME_CAP_MS + 1] {
        let token = "far".into();
        assert_eq!(shell.feed(Input::PeerToken { token, expires_at }), []);
    }
    let shared = shell.feed(Input::PeerToken {
        token: "day".into(),
        expires_at: T0 + SHARED_LIFETIME_CAP_MS,
    });
    assert!(shared.contains(&Command::Begin), "{shared:?}");
    let set = shell.go_on();
    let done = shell.feed(Input::TokenSet {
        ticket: ticket_of(&set, "set"),
        results: vec![(0, Ok(true))],
    });
    let taken = Some((T0 + SHARED_LIFETIME_CAP_MS, Reason::Shared));
    assert_eq!(refreshed(&done), taken);
    // An older or already expired one is not.
    assert_eq!(
        shell.feed(Input::PeerToken {
            token: "older".into(),
            expires_at: T0 + 2 * HOUR,
        }),
        []
    );
}

/// The app's own `expiration` may be as far as a `Date` goes: the wake timer is clamped to what
/// `setTimeout` holds and armed again when it fires.
#[test]
fn an_expiration_in_the_far_future_arms_the_longest_timer_again_and_again() {
    let (mut shell, _) = Shell::started(settings(), false, LATEST);
    assert_eq!(shell.armed_in(), Some(MAX_TIMER_MS));
    // The wake timer fires after its 24.8 days: nothing is due, it is armed again.
    shell.pass(i64::from(MAX_TIMER_MS));
    let woke = shell.feed(Input::Timeout);
    assert!(!woke.contains(&Command::Begin));
    assert_eq!(shell.armed_in(), Some(MAX_TIMER_MS));
    assert_eq!(
        shell.machine.status(shell.now.wall).expires_at,
        Some(LATEST)
    );
}

/// A token shared while this tab waits for the lock is taken at once: the tabs do not pass the
/// lock along one by one to apply the same token.
#[test]
fn a_token_shared_while_the_lock_is_awaited_is_taken_at_once() {
    let (mut shell, begun) = Shell::started(settings(), true, T0 + 5 * MINUTE);
    let lock = to_lock(&mut shell, &begun);
    let shared = shell.feed(Input::PeerToken {
        token: "theirs".into(),
        expires_at: T0 + HOUR,
    });
    let done = shell.feed(Input::TokenSet {
        ticket: ticket_of(&shared, "set"),
        results: vec![(0, Ok(true))],
    });
    assert_eq!(refreshed(&done), Some((T0 + HOUR, Reason::Shared)));
    // The lock comes after all: let go at once, nothing asked.
    let late = shell.feed(Input::LockGranted { ticket: lock });
    assert_eq!(late, [Command::ReleaseLock { linger_ms: 0 }]);
}

/// A token shared while the provider was being asked, kept for the next attempt and dead by
/// then: the provider is asked again, under the lock, rather than the embed handed a dead token.
#[test]
fn a_shared_token_that_died_before_it_was_needed_is_not_applied() {
    let (mut shell, begun) = Shell::started(settings(), true, T0 + 5 * MINUTE);
    let lock = to_lock(&mut shell, &begun);
    let granted = shell.feed(Input::LockGranted { ticket: lock });
    let provider = ticket_of(&granted, "provider");
    let shared = shell.feed(Input::PeerToken {
        token: "short".into(),
        expires_at: T0 + 10 * MINUTE,
    });
    assert_eq!(shared, [], "kept: the provider is already asked");
    shell.feed(Input::Answered {
        ticket: provider,
        answer: Err(Failure::new(Code::ProviderRejected, "no")),
    });
    shell.pass(20 * MINUTE);
    shell.feed(Input::Timeout);
    let next = shell.go_on();
    // The lock was kept through the failure: the provider is asked again under it.
    assert!(
        next.iter()
            .any(|c| matches!(c, Command::CallProvider { .. })),
        "{next:?}"
    );
    assert!(!next.iter().any(|c| matches!(c, Command::SetToken { .. })));
}

#[test]
fn a_wake_timer_that_fires_early_is_armed_again() {
    let (mut shell, _) = Shell::started(settings(), false, T0 + HOUR);
    let armed = shell.armed_in();
    assert_eq!(armed, Some(50 * MINUTE as u32), "due 10 minutes before");
    // setTimeout fired 3 ms before Date.now() reached the moment.
    shell.pass(50 * MINUTE - 3);
    let early = shell.feed(Input::Timeout);
    assert!(!early.contains(&Command::Begin));
    assert_eq!(early, []);
    assert_eq!(shell.armed_in(), Some(3), "the shell arms it again");
    shell.pass(3);
    let due = shell.feed(Input::Timeout);
    assert!(due.contains(&Command::Begin));
    // A check that finds the same moment pending does not re-arm.
    let (mut shell, _) = Shell::started(settings(), false, T0 + HOUR);
    shell.pass(MINUTE);
    assert_eq!(shell.feed(Input::Check), []);
}

#[test]
fn late_answers_after_stop_change_nothing() {
    let (mut shell, _) = Shell::started(settings(), true, T0 - MINUTE);
    let locking = shell.go_on(); // past the hello's wait
    let lock = ticket_of(&locking, "lock");
    let asked = shell.feed(Input::LockGranted { ticket: lock });
    let provider = ticket_of(&asked, "provider");
    let before = shell.machine.status(shell.now.wall);
    let stopped = shell.feed(Input::Stop);
    assert!(stopped.contains(&Command::ReleaseLock { linger_ms: 0 }));
    assert!(stopped.contains(&Command::Abort));
    assert_eq!(
        shell.feed(Input::Answered {
            ticket: provider,
            answer: Ok(token("late", T0 + HOUR)),
        }),
        []
    );
    assert_eq!(
        shell.feed(Input::TokenSet {
            ticket: provider + 1,
            results: vec![(0, Ok(true))],
        }),
        []
    );
    for input in [
        Input::Check,
        Input::Timeout,
        Input::Online,
        Input::EmbedSaysExpired,
        Input::PeerHello,
        Input::PeerToken {
            token: "peer".into(),
            expires_at: T0 + HOUR,
        },
        Input::Timeout,
        Input::Reloaded {
            ticket: provider + 2,
            results: vec![(0, Ok(true))],
        },
    ] {
        assert_eq!(shell.feed(input.clone()), [], "{input:?} after stop");
    }
    // A lock granted after all is given back, nothing else.
    assert_eq!(
        shell.feed(Input::LockGranted { ticket: lock }),
        [Command::ReleaseLock { linger_ms: 0 }]
    );
    let after_stop = shell.machine.status(shell.now.wall);
    assert_eq!(after_stop.refresh_count, before.refresh_count);
    assert_eq!(after_stop.expires_at, before.expires_at);
    assert!(!after_stop.running && !after_stop.refreshing);
}

/// Found by the simulation: the hello went out on a wall clock that was then turned back an
/// hour, and the first refresh waited that hour for answers to it.
#[test]
fn the_hello_wait_does_not_stretch_when_the_clock_is_turned_back() {
    let mut shell = Shell::new(settings());
    shell.feed(Input::Start { peers: true });
    shell.feed(Input::Initial(Ok(Some(T0 - HOUR + 5 * MINUTE))));
    // 50 ms later by the monotonic clock, an hour earlier by the wall clock.
    shell.now.wall -= HOUR;
    shell.now.mono += 50;
    shell.feed(Input::Check);
    assert_eq!(shell.after(), Some(250));
}

/// Found by the simulation: a token's deadline read on a clock an hour fast, and the clock put
/// right while the embeds took the token, left the refresher believing it for an hour more.
#[test]
fn a_clock_turned_back_while_the_token_is_handed_over_moves_its_deadline_too() {
    let (mut shell, begun) = Shell::started(settings(), false, T0 - MINUTE);
    let (provider, _) = to_provider(&mut shell, &begun);
    // The device clock runs an hour fast; the answer says the token lives 5 minutes.
    shell.now.wall += HOUR;
    let set = shell.feed(Input::Answered {
        ticket: provider,
        answer: Ok(Answer {
            token: "new".into(),
            claims: Claims {
                expires_in: Some(5 * MINUTE),
                ..Claims::default()
            },
        }),
    });
    // NTP puts it right before setAccessToken resolves.
    shell.now.wall -= HOUR;
    shell.now.mono += 100;
    let reload = shell.feed(Input::TokenSet {
        ticket: ticket_of(&set, "set"),
        results: vec![(0, Ok(true))],
    });
    let done = shell.feed(Input::Reloaded {
        ticket: ticket_of(&reload, "reload"),
        results: vec![(0, Ok(true))],
    });
    let (expires_at, _) = refreshed(&done).expect("refreshed");
    assert_eq!(expires_at, shell.now.wall - 100 + 5 * MINUTE);
}

/// Ticks read the wall clock only; the wake timer, which runs on the monotonic clock, fires when
/// the refresh is really due and finds the clock that was turned back under the ticks.
#[test]
fn a_clock_turned_back_under_the_ticks_is_found_when_the_wake_timer_fires() {
    let (mut shell, _) = Shell::started(settings(), false, T0 + HOUR);
    let armed = shell.armed_in();
    assert_eq!(
        armed,
        Some(50 * MINUTE as u32),
        "due 10 minutes before expiry"
    );
    shell.pass(MINUTE);
    shell.now.wall -= HOUR;
    for _ in 0..10 {
        shell.pass(30_000);
        assert_eq!(shell.feed(Input::Tick), [], "a tick sees nothing to do");
    }
    shell.pass(50 * MINUTE - 6 * MINUTE);
    let woke = shell.feed(Input::Timeout);
    assert!(woke.contains(&Command::Begin), "{woke:?}");
}

/// The `retry` of each error event: when the next attempt comes, and in how long.
fn retries(commands: &[Command<()>]) -> Vec<Option<(Millis, Millis)>> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Emit(Event::Error { retry, .. }) => Some(retry.map(|r| (r.at, r.in_ms))),
            _ => None,
        })
        .collect()
}

/// Whether any command asks the provider or the lock, or tells the other tabs anything.
fn asks(commands: &[Command<()>]) -> bool {
    commands.iter().any(|c| {
        matches!(
            c,
            Command::CallProvider { .. }
                | Command::RequestLock { .. }
                | Command::Publish { .. }
                | Command::PublishFailure { .. }
        )
    })
}

/// A tab queued for the lock while the holder's provider fails gives up its request, fails with
/// the holder's code (visibly: an event, `failures` up, promises rejected) and retries on its own
/// schedule, queueing again rather than calling the provider; the token the holder shares in the
/// end is taken without a call. Before, each waiting tab got the lock in turn and asked the
/// provider itself.
#[test]
fn a_tab_queued_for_the_lock_fails_with_the_holder_then_takes_its_token() {
    let (mut shell, begun) = Shell::started(settings(), true, T0 + 5 * MINUTE);
    assert!(begun.contains(&Command::Begin), "due: {begun:?}");
    // refreshNow() joins the refresh in flight; its promise settles with it.
    let joined = shell.feed(Input::RefreshNow);
    assert!(!joined.contains(&Command::Begin), "{joined:?}");
    let first_lock = to_lock(&mut shell, &begun);
    let failed = shell.feed(Input::PeerFailed {
        code: Code::ProviderTimeout,
    });
    assert_eq!(
        failed.first(),
        Some(&Command::Abort),
        "the lock request is given up first: {failed:?}"
    );
    assert_eq!(errors(&failed), [Code::ProviderTimeout]);
    let [Some((retry_at, retry_in))] = retries(&failed)[..] else {
        panic!("one error, with a retry: {failed:?}");
    };
    assert!(retry_in > 0 && retry_at == shell.now.wall + retry_in);
    assert_eq!(shell.armed_in(), Some(retry_in as u32), "{failed:?}");
    let rejected = settled(&failed);
    assert!(
        matches!(rejected[..], [Err(message)] if message != STOPPED),
        "refreshNow() is rejected with the holder's failure: {rejected:?}"
    );
    assert!(!asks(&failed), "{failed:?}");
    assert!(!failed
        .iter()
        .any(|c| matches!(c, Command::ReleaseLock { .. })));
    let status = shell.machine.status(shell.now.wall);
    assert_eq!(status.failures, 1);
    assert_eq!(status.last_error, Some(Code::ProviderTimeout));
    assert!(!status.refreshing && !shell.machine.refreshing());
    // Only a refresh that waits is failed: once idle, more failures of the holder change nothing.
    assert_eq!(
        shell.feed(Input::PeerFailed {
            code: Code::ProviderRejected
        }),
        []
    );
    // Its own retry queues for the lock again: the holder still retries for every tab.
    let (retry, lock) = retry_asks_for_the_lock(&mut shell, retry_in);
    assert!(retry.contains(&Command::Begin), "{retry:?}");
    // The holder succeeds and shares its token: applied here with no provider call.
    let shared = shell.feed(Input::PeerToken {
        token: "theirs".into(),
        expires_at: T0 + HOUR,
    });
    assert!(!asks(&shared), "{shared:?}");
    let done = shell.feed(Input::TokenSet {
        ticket: ticket_of(&shared, "set"),
        results: vec![(0, Ok(true))],
    });
    assert_eq!(refreshed(&done), Some((T0 + HOUR, Reason::Shared)));
    assert_eq!(settled(&done), [Ok("theirs".to_string())]);
    assert!(
        !asks(&done),
        "a shared token is not published again: {done:?}"
    );
    let status = shell.machine.status(shell.now.wall);
    assert_eq!((status.failures, status.last_error), (0, None));
    // The lock, granted after all, is let go at once; the first request was given up.
    assert_eq!(
        shell.feed(Input::LockGranted { ticket: lock }),
        [Command::ReleaseLock { linger_ms: 0 }]
    );
    assert_eq!(
        shell.feed(Input::LockGranted { ticket: first_lock }),
        [Command::ReleaseLock { linger_ms: 0 }]
    );
}

/// The same for a refresh still in its hello wait; one that calls the provider itself (it
/// holds the lock: a failure message then is stale) goes on.
#[test]
fn a_holders_failure_fails_a_refresh_in_its_hello_wait_but_not_one_calling_the_provider() {
    let (mut shell, _) = Shell::started(settings(), true, T0 + 5 * MINUTE);
    let ms = shell.after().expect("it waits for the hello");
    assert_eq!(ms, HELLO_WAIT_MS as u32);
    let failed = shell.feed(Input::PeerFailed {
        code: Code::ProviderRejected,
    });
    assert_eq!(failed.first(), Some(&Command::Abort), "{failed:?}");
    assert_eq!(errors(&failed), [Code::ProviderRejected]);
    assert!(!asks(&failed));
    assert_eq!(shell.go_on(), []);
    // The retry gets the lock and calls the provider: a failure message now changes nothing.
    let retry_in = shell.armed_in().expect("the retry is armed");
    shell.pass(Millis::from(retry_in));
    let retry = shell.feed(Input::Timeout);
    let lock = to_lock(&mut shell, &retry);
    let granted = shell.feed(Input::LockGranted { ticket: lock });
    let provider = ticket_of(&granted, "provider");
    assert_eq!(
        shell.feed(Input::PeerFailed {
            code: Code::ProviderRejected
        }),
        []
    );
    let done = succeed(&mut shell, provider, "mine", T0 + HOUR);
    assert_eq!(refreshed(&done).map(|(at, _)| at), Some(T0 + HOUR));
}

/// A frozen page answers nothing, so it lets the lock go: the lock it kept through a provider
/// failure, between retries, and the lock of a provider call in flight (abandoned with it).
#[test]
fn a_frozen_tab_lets_the_lock_go_between_retries_and_mid_call() {
    let (mut shell, begun) = Shell::started(settings(), true, T0 + 5 * MINUTE);
    let lock = to_lock(&mut shell, &begun);
    let granted = shell.feed(Input::LockGranted { ticket: lock });
    let failed = shell.feed(Input::Answered {
        ticket: ticket_of(&granted, "provider"),
        answer: Err(Failure::new(Code::ProviderRejected, "no")),
    });
    assert!(failed.contains(&Command::PublishFailure {
        code: Code::ProviderRejected
    }));
    assert!(!failed
        .iter()
        .any(|c| matches!(c, Command::ReleaseLock { .. })));
    let retry_in = shell.armed_in().expect("the retry is armed");
    // Frozen between retries: nothing in flight, the lock kept for the retries goes at once.
    let frozen = shell.feed(Input::Frozen);
    assert!(
        frozen.contains(&Command::ReleaseLock { linger_ms: 0 }),
        "{frozen:?}"
    );
    assert!(
        frozen
            .iter()
            .all(|c| matches!(c, Command::ReleaseLock { .. })),
        "{frozen:?}"
    );
    // Resumed: the retry no longer holds the lock, so it asks for it like any tab.
    let (_, lock) = retry_asks_for_the_lock(&mut shell, Millis::from(retry_in));
    let granted = shell.feed(Input::LockGranted { ticket: lock });
    let provider = ticket_of(&granted, "provider");
    // Frozen mid call: the call is given up and the lock let go.
    let frozen = shell.feed(Input::Frozen);
    assert!(frozen.contains(&Command::Abort), "{frozen:?}");
    assert!(
        frozen.contains(&Command::ReleaseLock { linger_ms: 0 }),
        "{frozen:?}"
    );
    assert!(!shell.machine.refreshing());
    assert!(!shell.machine.status(shell.now.wall).refreshing);
    // The provider's answer, late, changes nothing; a check on resume starts anew.
    assert_eq!(
        shell.feed(Input::Answered {
            ticket: provider,
            answer: Ok(token("late", T0 + HOUR)),
        }),
        []
    );
    shell.pass(MINUTE);
    let resumed = shell.feed(Input::Check);
    assert!(resumed.contains(&Command::Begin), "{resumed:?}");
    let locking = shell.go_on();
    ticket_of(&locking, "lock");
    // A tab frozen with nothing in flight and no lock has nothing to let go.
    let (mut idle, _) = Shell::started(settings(), true, T0 + HOUR);
    assert_eq!(idle.feed(Input::Frozen), []);
}

/// A page back from the back/forward cache asks the other tabs first, as a tab that just
/// started: they likely refreshed while it was away, and their answer saves a provider call.
#[test]
fn a_page_back_from_the_cache_says_hello_and_waits_for_the_answers() {
    let (mut shell, _) = Shell::started(settings(), true, T0 + HOUR);
    // In the cache past the due time, long after the start's hello.
    shell.pass(55 * MINUTE);
    let restored = shell.feed(Input::Restored);
    let hello = restored.iter().position(|c| *c == Command::Hello);
    let begin = restored.iter().position(|c| *c == Command::Begin);
    assert!(
        matches!((hello, begin), (Some(h), Some(b)) if h < b),
        "hello, then the refresh: {restored:?}"
    );
    let ms = shell.after().expect("the refresh waits");
    assert!(ms > 0 && ms <= HELLO_WAIT_MS as u32, "{ms}");
    // Another tab answers within the wait: its token is applied, nobody is asked.
    shell.pass(40);
    let shared = shell.feed(Input::PeerToken {
        token: "theirs".into(),
        expires_at: T0 + 2 * HOUR,
    });
    assert!(!asks(&shared), "{shared:?}");
    let done = shell.feed(Input::TokenSet {
        ticket: ticket_of(&shared, "set"),
        results: vec![(0, Ok(true))],
    });
    assert_eq!(refreshed(&done), Some((T0 + 2 * HOUR, Reason::Shared)));
    assert_eq!(shell.go_on(), []);

    // Restored with a fresh token: the hello goes out, and a refresh asked for within the wait
    // waits for the rest of it.
    let (mut shell, _) = Shell::started(settings(), true, T0 + HOUR);
    shell.pass(10 * MINUTE);
    assert_eq!(shell.feed(Input::Restored), [Command::Hello]);
    shell.pass(100);
    shell.feed(Input::RefreshNow);
    assert_eq!(shell.after(), Some(HELLO_WAIT_MS as u32 - 100));
    // With a refresh in flight, a hello again (the answer still helps it) but no second refresh.
    let again = shell.feed(Input::Restored);
    assert!(again.contains(&Command::Hello), "{again:?}");
    assert!(
        !again.iter().any(|c| matches!(c, Command::Begin)),
        "{again:?}"
    );

    // Without other tabs there is nobody to ask: the check refreshes at once.
    let (mut alone, _) = Shell::started(settings(), false, T0 + HOUR);
    alone.pass(55 * MINUTE);
    let restored = alone.feed(Input::Restored);
    assert!(!restored.contains(&Command::Hello), "{restored:?}");
    assert!(restored.contains(&Command::Begin), "{restored:?}");
    assert_eq!(alone.after(), Some(0));
}

/// After `stop()`, `refreshNow()` and `accessTokenProvider` settle at once, rejected, and nothing
/// else asks for anything (only `debug` lines) until the next `start()`, which works as before.
#[test]
fn a_stopped_refresher_only_settles_until_it_is_started_again() {
    let config = Settings {
        debug: true,
        ..settings()
    };
    let not_logs = |commands: Vec<Command<()>>| -> Vec<Command<()>> {
        commands
            .into_iter()
            .filter(|c| !matches!(c, Command::Log { .. }))
            .collect()
    };
    // Stopped before the first check: the expiration is no longer wanted.
    let mut early = Shell::new(config);
    early.feed(Input::Start { peers: true });
    assert!(early.machine.wants_initial());
    early.feed(Input::Stop);
    assert!(!early.machine.wants_initial());
    early.feed(Input::Start { peers: true });
    assert!(early.machine.wants_initial(), "wanted again once started");

    let (mut shell, _) = Shell::started(config, true, T0 + HOUR);
    let before = shell.machine.status(shell.now.wall);
    let stopped = shell.feed(Input::Stop);
    assert_eq!(stopped.last(), Some(&Command::Stopped));
    // Even with the token expired, or the embed's own at hand.
    shell.pass(2 * HOUR);
    for input in [
        Input::RefreshNow,
        Input::TokenWanted { embed_token: None },
        Input::TokenWanted {
            embed_token: Some("embedded".into()),
        },
    ] {
        assert_eq!(
            not_logs(shell.feed(input.clone())),
            [Command::Settle(Err(STOPPED))],
            "{input:?} after stop"
        );
    }
    for input in [
        Input::PeerToken {
            token: "peer".into(),
            expires_at: T0 + 3 * HOUR,
        },
        Input::PeerHello,
        Input::PeerFailed {
            code: Code::ProviderRejected,
        },
        Input::EmbedSaysExpired,
        Input::Restored,
        Input::Frozen,
        Input::Check,
        Input::Tick,
        Input::Timeout,
        Input::Online,
        Input::VisibilityChanged,
    ] {
        assert_eq!(
            not_logs(shell.feed(input.clone())),
            [],
            "{input:?} after stop"
        );
    }
    let after_stop = shell.machine.status(shell.now.wall);
    assert!(!after_stop.running && !after_stop.refreshing);
    assert_eq!(after_stop.refresh_count, before.refresh_count);
    assert_eq!(after_stop.expires_at, before.expires_at);
    assert!(!shell.machine.refreshing());
    // start() again: the expired token is refreshed, and the promises wait for it.
    let started = not_logs(shell.feed(Input::Start { peers: true }));
    assert_eq!(started, [Command::Hello, Command::Yield]);
    let begun = shell.feed(Input::Check);
    assert!(begun.contains(&Command::Begin), "{begun:?}");
    let wanted = shell.feed(Input::TokenWanted { embed_token: None });
    assert!(settled(&wanted).is_empty(), "{wanted:?}");
    let lock = to_lock(&mut shell, &begun);
    let granted = shell.feed(Input::LockGranted { ticket: lock });
    let expires_at = shell.now.wall + HOUR;
    let reload = succeed(
        &mut shell,
        ticket_of(&granted, "provider"),
        "new",
        expires_at,
    );
    let done = shell.feed(Input::Reloaded {
        ticket: ticket_of(&reload, "reload"),
        results: vec![(0, Ok(true))],
    });
    assert!(refreshed(&done).is_some(), "{done:?}");
    assert_eq!(settled(&done), [Ok("new".to_string())]);
    assert!(shell.machine.status(shell.now.wall).running);
}

/// The lock is kept through failures only for what the backend answered, by a visible tab: a
/// provider missing or throwing in this tab, or a tab whose timers may be throttled, must not
/// hold every other tab back. A freeze settles the promises of the refresh it drops.
#[test]
fn only_a_visible_tab_whose_backend_failed_keeps_the_lock_and_a_freeze_settles_promises() {
    let fail_with = |code: Code, hidden: bool| {
        let (mut shell, begun) = Shell::started(settings(), true, T0 + 5 * MINUTE);
        let lock = to_lock(&mut shell, &begun);
        let granted = shell.feed(Input::LockGranted { ticket: lock });
        shell.now.hidden = hidden;
        let failed = shell.feed(Input::Answered {
            ticket: ticket_of(&granted, "provider"),
            answer: Err(Failure::new(code, "no")),
        });
        (shell, failed)
    };
    for code in [Code::ProviderThrew, Code::NoProvider, Code::NoEmbed] {
        let (_, failed) = fail_with(code, false);
        assert!(
            failed.contains(&Command::ReleaseLock { linger_ms: 0 }),
            "{code:?}: {failed:?}"
        );
        assert!(!failed
            .iter()
            .any(|c| matches!(c, Command::PublishFailure { .. })));
    }
    let (_, hidden) = fail_with(Code::ProviderRejected, true);
    assert!(hidden.contains(&Command::ReleaseLock { linger_ms: 0 }));
    // Kept by a visible tab, then let go when the tab is hidden between retries.
    let (mut shell, kept) = fail_with(Code::InvalidAnswer, false);
    assert!(kept.contains(&Command::PublishFailure {
        code: Code::InvalidAnswer
    }));
    shell.now.hidden = true;
    let hid = shell.feed(Input::VisibilityChanged);
    assert_eq!(hid, [Command::ReleaseLock { linger_ms: 0 }]);
    // Hidden again with nothing held: nothing to do.
    assert_eq!(shell.feed(Input::VisibilityChanged), []);
    // A refreshNow() joined to a refresh the freeze drops is settled, not left for the next.
    shell.now.hidden = false;
    let begun = shell.feed(Input::RefreshNow);
    let lock = to_lock(&mut shell, &begun);
    shell.feed(Input::LockGranted { ticket: lock });
    let frozen = shell.feed(Input::Frozen);
    assert_eq!(settled(&frozen), [Err("the page was frozen")]);
}

/// The embeds' presence, with every look counted.
struct Counting {
    now: Now,
    looks: std::cell::Cell<u32>,
}

impl Senses for Counting {
    fn wall(&self) -> Millis {
        self.now.wall
    }
    fn mono(&self) -> Millis {
        self.now.mono
    }
    fn online(&self) -> bool {
        self.now.online
    }
    fn hidden(&self) -> bool {
        self.now.hidden
    }
    fn gone(&self, index: usize) -> bool {
        self.looks.set(self.looks.get() + 1);
        self.now.gone.contains(&index)
    }
}

/// Reading the page is most of an idle tick's cost: the interval looks at the embeds once in
/// `PRESENCE_TICKS` ticks, every other input each time, and an embed that left is still noticed.
#[test]
fn idle_ticks_look_at_the_embeds_now_and_then_other_inputs_every_time() {
    let (mut shell, _) = Shell::started(settings(), false, T0 + HOUR);
    let page = Counting {
        now: shell.now.clone(),
        looks: std::cell::Cell::new(0),
    };
    for _ in 0..3 * PRESENCE_TICKS {
        shell.machine.handle(&page, Input::Tick);
    }
    assert_eq!(page.looks.get(), 3);
    shell.machine.handle(&page, Input::Check);
    assert_eq!(page.looks.get(), 4);
    assert!(shell.machine.next_command().is_none(), "nothing to do");
    let left = Counting {
        now: Now {
            gone: vec![0],
            ..shell.now.clone()
        },
        looks: std::cell::Cell::new(0),
    };
    let mut ticks = 0;
    while shell.machine.running() && ticks < PRESENCE_TICKS {
        shell.machine.handle(&left, Input::Tick);
        ticks += 1;
    }
    let commands: Vec<_> = std::iter::from_fn(|| shell.machine.next_command()).collect();
    assert!(
        !shell.machine.running(),
        "stopped within {PRESENCE_TICKS} ticks"
    );
    assert_eq!(errors(&commands), [Code::EmbedRemoved, Code::NoEmbedsLeft]);
}
