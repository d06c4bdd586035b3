//! Arbitrary input sequences to the shipped [`Machine`], fed by a harness that plays the shell:
//! it answers the outstanding tickets in any order (or never), sometimes with stale or made-up
//! tickets, moves both clocks (the wall clock both ways), takes embeds off the page, turns the
//! network and the page's visibility on and off, and starts and stops the refresher.
//!
//! Whatever happens: no panic; never two provider calls in flight, and with other tabs a call
//! only while holding the lock; nothing acts after an outside `stop()` until the next `start()`
//! (`refreshNow()` and `accessTokenProvider` only settle, `false` or rejected); no automatic refresh starts closer than the
//! minimum gap to the previous one; while running, online and not refreshing, a wake timer is
//! armed; every wake delay fits `setTimeout`.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use powerbi_token_refresh_core::anchor::Claims;
use powerbi_token_refresh_core::failure::{Code, Failure};
use powerbi_token_refresh_core::io::{Answer, Command, Input, Now};
use powerbi_token_refresh_core::js_number::LATEST;
use powerbi_token_refresh_core::machine::{Machine, Settings};
use powerbi_token_refresh_core::schedule::{Policy, CLOCK_TOLERANCE};
use powerbi_token_refresh_core::Millis;
use proptest::prelude::*;

const T0: Millis = 1_764_324_000_000;
const HOUR: Millis = 3_600_000;

#[derive(Debug, Clone)]
enum Step {
    Start(bool),
    Stop,
    Initial(Option<Millis>, bool),
    Check,
    /// The interval (the wall clock only).
    Tick,
    Wake,
    Online,
    EmbedSaysExpired,
    RefreshNow,
    TokenWanted(bool),
    /// Answer the outstanding ticket at this index (modulo), in this way.
    Answer(usize, u8, Millis),
    /// Answer with a ticket nobody waits for (an old one, or made up).
    Stale(u32, u8),
    PeerHello,
    PeerToken(Millis, bool),
    /// The lock holder's provider failed (0: rejected, 1: timed out).
    PeerFailed(bool),
    /// Back from the back/forward cache.
    Restored,
    /// Page Lifecycle `freeze`.
    Frozen,
    /// Move the clocks: the wall clock by any amount, the monotonic one forward.
    Clocks(Millis, Millis),
    SetOnline(bool),
    SetHidden(bool),
    Gone(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let instant = prop_oneof![
        (-HOUR..30 * 24 * HOUR).prop_map(|d| T0 + d),
        Just(LATEST),
        Just(-LATEST),
        -LATEST..=LATEST,
    ];
    prop_oneof![
        1 => any::<bool>().prop_map(Step::Start),
        1 => Just(Step::Stop),
        1 => (proptest::option::of(instant.clone()), any::<bool>())
            .prop_map(|(at, ok)| Step::Initial(at, ok)),
        2 => Just(Step::Check),
        3 => Just(Step::Tick),
        4 => Just(Step::Wake),
        1 => Just(Step::Online),
        1 => Just(Step::EmbedSaysExpired),
        2 => Just(Step::RefreshNow),
        1 => any::<bool>().prop_map(Step::TokenWanted),
        12 => (any::<usize>(), any::<u8>(), instant.clone())
            .prop_map(|(i, how, at)| Step::Answer(i, how, at)),
        2 => (any::<u32>(), any::<u8>()).prop_map(|(t, k)| Step::Stale(t, k)),
        1 => Just(Step::PeerHello),
        2 => (instant, any::<bool>()).prop_map(|(at, empty)| Step::PeerToken(at, empty)),
        2 => any::<bool>().prop_map(Step::PeerFailed),
        1 => Just(Step::Restored),
        1 => Just(Step::Frozen),
        6 => (
            prop_oneof![-10_000i64..10_000, -2 * HOUR..2 * HOUR, -400 * 24 * HOUR..400 * 24 * HOUR],
            prop_oneof![0i64..10_000, 0..2 * HOUR],
        )
            .prop_map(|(w, m)| Step::Clocks(w, m)),
        1 => any::<bool>().prop_map(Step::SetOnline),
        1 => any::<bool>().prop_map(Step::SetHidden),
        1 => (0usize..4).prop_map(Step::Gone),
    ]
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        0i64..20 * 60_000,
        1i64..20_000,
        0i64..600_000,
        0i64..20_000,
        1i64..600_000,
        1u32..=u32::MAX,
        any::<bool>(),
        1usize..4,
        any::<bool>(),
    )
        .prop_map(
            |(
                margin,
                retry_base,
                extra_cap,
                min_gap,
                check_interval,
                timeout,
                reload,
                embeds,
                debug,
            )| {
                Settings {
                    policy: Policy {
                        margin,
                        retry_base,
                        retry_cap: retry_base + extra_cap,
                        min_gap,
                        check_interval,
                    },
                    provider_timeout_ms: timeout.min(i32::MAX as u32),
                    reload_after_expiry: reload,
                    embeds,
                    debug,
                }
            },
        )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Continue,
    Lock,
    Provider,
    Set,
    Reload,
}

/// The shell, as far as the properties need it.
struct Harness {
    machine: Machine<()>,
    settings: Settings,
    now: Now,
    /// What the machine asked for and has not been answered.
    outstanding: Vec<(Kind, u32)>,
    answered: Vec<u32>,
    calling: Option<u32>,
    lock_held: bool,
    /// Outside `stop()` and nothing since that may start anything.
    stopped: bool,
    peers: bool,
    /// The expiration the shell read (`Err`: the option was unreadable).
    initial: Option<Result<Option<Millis>, ()>>,
    /// `Yield` asked for a timeout after the current task.
    yielded: bool,
    /// Start of the last automatic refresh, on the wall clock as the machine sees it.
    last_auto: Option<Millis>,
    /// `(wall, mono)` of the last input, to follow a wall clock turned back.
    last_seen: Option<(Millis, Millis)>,
}

impl Harness {
    fn feed(&mut self, input: Input<()>) {
        let outside = matches!(input, Input::Start { .. });
        let is_stop = matches!(input, Input::Stop);
        // The shell follows `Initial` with the check it came for.
        let initial = matches!(input, Input::Initial(_));
        let automatic = !matches!(
            input,
            Input::RefreshNow | Input::TokenWanted { .. } | Input::PeerToken { .. }
        );
        match &input {
            Input::Answered { ticket, .. } if self.calling == Some(*ticket) => self.calling = None,
            Input::LockGranted { .. } => self.lock_held = true,
            _ => {}
        }
        // The wall clock turned back moves the schedule's deadlines with it (Schedule::observe),
        // as seen by the inputs that read both clocks (every one but the interval's tick).
        let (wall, mono) = (self.now.wall, self.now.mono);
        let both = !matches!(input, Input::Tick);
        if let Some((last_wall, last_mono)) =
            both.then(|| self.last_seen.replace((wall, mono))).flatten()
        {
            let back = (mono - last_mono) - (wall - last_wall);
            if back > CLOCK_TOLERANCE {
                self.last_auto = self.last_auto.map(|at| at - back);
            }
        }
        let after_stop = self.stopped && !outside && !is_stop;
        if outside {
            self.stopped = false;
        }
        if let Input::Start { peers } = input {
            if !self.machine.running() {
                self.peers = peers;
            }
        }
        self.machine.handle(&self.now, input);
        while let Some(command) = self.machine.next_command() {
            if is_stop {
                assert!(support::lets_go(&command), "stop() asked for {command:?}");
            }
            if after_stop {
                assert!(
                    matches!(
                        command,
                        Command::ReleaseLock { .. } | Command::Log { .. } | Command::Settle(Err(_))
                    ),
                    "acted after stop(): {command:?}"
                );
            }
            self.carry(command, automatic);
        }
        if is_stop {
            self.stopped = true;
            self.calling = None;
        }
        let deadline = self.machine.poll_timeout(&self.now);
        if self.machine.running() && self.now.online && !self.machine.refreshing() && !initial {
            assert!(
                deadline.is_some() || self.yielded,
                "running with no deadline"
            );
        }
        // The shell's timer, as an answer that may come in any order.
        if deadline.is_some() && !self.outstanding.iter().any(|(k, _)| *k == Kind::Continue) {
            self.outstanding.push((Kind::Continue, 0));
        }
    }

    /// The shell's timer fires: its moment has come (on the monotonic clock, so on the wall
    /// clock too unless it was turned).
    fn fire(&mut self) {
        if let Some(at) = self.machine.poll_timeout(&self.now) {
            let ahead = at.saturating_sub(self.now.wall).max(0);
            self.now.wall = (self.now.wall + ahead).clamp(-LATEST, LATEST);
            self.now.mono += ahead;
        }
        self.check(Input::Timeout);
    }

    fn carry(&mut self, command: Command<()>, automatic: bool) {
        match command {
            Command::Begin if automatic => {
                let min_gap = self.settings.policy.min_gap;
                if let Some(previous) = self.last_auto {
                    assert!(
                        self.now.wall.saturating_sub(previous) >= min_gap,
                        "automatic refreshes {} ms apart (gap {min_gap})",
                        self.now.wall.saturating_sub(previous)
                    );
                }
                self.last_auto = Some(self.now.wall);
            }
            Command::RequestLock { ticket } => self.outstanding.push((Kind::Lock, ticket)),
            Command::CallProvider { ticket, .. } => {
                assert_eq!(self.calling, None, "two provider calls in flight");
                if self.peers && self.machine.running() {
                    assert!(self.lock_held, "a provider call without the tabs' lock");
                }
                self.calling = Some(ticket);
                self.outstanding.push((Kind::Provider, ticket));
            }
            Command::SetToken { ticket, .. } => self.outstanding.push((Kind::Set, ticket)),
            Command::Reload { ticket, .. } => self.outstanding.push((Kind::Reload, ticket)),
            Command::ReleaseLock { .. } => self.lock_held = false,
            Command::Yield => self.yielded = true,
            Command::Stopped => self.calling = None,
            // An aborted call is given up (a freeze drops the attempt as a stop does).
            Command::Abort => self.calling = None,
            Command::Publish { expires_at, .. } => {
                assert!((-LATEST..=LATEST).contains(&expires_at), "{expires_at}");
            }
            _ => {}
        }
    }

    fn answer(&mut self, kind: Kind, ticket: u32, how: u8, at: Millis) {
        let failure = |code| Failure::new(code, "made up");
        let input = match kind {
            Kind::Continue => return self.fire(),
            Kind::Lock => Input::LockGranted { ticket },
            Kind::Provider => Input::Answered {
                ticket,
                answer: match how % 6 {
                    0 => Err(failure(Code::ProviderTimeout)),
                    1 => Err(failure(Code::ProviderRejected)),
                    2 => Ok(Answer {
                        token: "eyJ.a.b".into(),
                        claims: Claims {
                            expires_in: Some(at.rem_euclid(2 * HOUR)),
                            server_now: Some(at),
                            ..Claims::default()
                        },
                    }),
                    3 => Ok(Answer {
                        token: String::new(),
                        claims: Claims::default(),
                    }),
                    _ => Ok(Answer {
                        token: format!("token-{ticket}"),
                        claims: Claims {
                            expires_at: Some(at),
                            issued_at: (how % 2 == 0).then_some(at - HOUR),
                            ..Claims::default()
                        },
                    }),
                },
            },
            Kind::Set => Input::TokenSet {
                ticket,
                results: (0..self.settings.embeds)
                    .map(|i| match (how >> i) % 4 {
                        0 => (i, Err(failure(Code::SetAccessTokenFailed))),
                        1 => (i, Err(failure(Code::NoEmbed))),
                        _ => (i, Ok(true)),
                    })
                    .collect(),
            },
            Kind::Reload => Input::Reloaded {
                ticket,
                results: (0..self.settings.embeds)
                    .map(|i| match (how >> i) % 4 {
                        0 => (i, Err(failure(Code::ReloadFailed))),
                        1 => (i, Ok(false)),
                        _ => (i, Ok(true)),
                    })
                    .collect(),
            },
        };
        self.feed(input);
    }

    /// What the shell does before a check: the expiration first, once, when the machine wants
    /// it. (After `stop()` only `refreshNow()` and `accessTokenProvider` still reach it.)
    fn check(&mut self, input: Input<()>) {
        let outside = matches!(input, Input::RefreshNow | Input::TokenWanted { .. });
        if self.machine.wants_initial() && (self.machine.running() || outside) {
            let initial = match self.initial {
                Some(Ok(at)) => Ok(at),
                Some(Err(())) => Err(Failure::new(Code::InvalidExpiration, "made up")),
                None => Ok(Some(T0 + HOUR)),
            };
            self.feed(Input::Initial(initial));
        }
        self.feed(input);
    }

    fn step(&mut self, step: Step) {
        self.now.gone.clear();
        if std::mem::take(&mut self.yielded) {
            self.check(Input::Timeout);
        }
        match step {
            Step::Start(peers) => self.feed(Input::Start { peers }),
            Step::Stop => self.feed(Input::Stop),
            // What the shell will give as the first expiration.
            Step::Initial(at, ok) => self.initial = Some(if ok { Ok(at) } else { Err(()) }),
            Step::Check => self.check(Input::Check),
            Step::Tick => self.check(Input::Tick),
            Step::Wake => self.fire(),
            Step::Online => self.check(Input::Online),
            Step::EmbedSaysExpired => self.check(Input::EmbedSaysExpired),
            Step::RefreshNow => self.check(Input::RefreshNow),
            Step::TokenWanted(some) => self.check(Input::TokenWanted {
                embed_token: some.then(|| "embed-token".into()),
            }),
            Step::Answer(i, how, at) => {
                if !self.outstanding.is_empty() {
                    let (kind, ticket) = self.outstanding.remove(i % self.outstanding.len());
                    self.answered.push(ticket);
                    self.answer(kind, ticket, how, at);
                }
            }
            Step::Stale(made_up, kind) => {
                let ticket = match self.answered.len() {
                    0 => made_up,
                    n => self.answered[made_up as usize % n],
                };
                let kind = [
                    Kind::Continue,
                    Kind::Lock,
                    Kind::Provider,
                    Kind::Set,
                    Kind::Reload,
                ][kind as usize % 5];
                // An answer to a ticket still outstanding is not stale.
                if !self.outstanding.iter().any(|(_, t)| *t == ticket) {
                    self.answer(kind, ticket, made_up as u8, T0 + HOUR);
                }
            }
            Step::PeerHello => self.feed(Input::PeerHello),
            Step::PeerFailed(timeout) => self.feed(Input::PeerFailed {
                code: if timeout {
                    Code::ProviderTimeout
                } else {
                    Code::ProviderRejected
                },
            }),
            // Page listeners: only while running.
            Step::Restored if self.machine.running() => self.check(Input::Restored),
            Step::Frozen if self.machine.running() => self.feed(Input::Frozen),
            Step::Restored | Step::Frozen => {}
            Step::PeerToken(at, empty) => self.feed(Input::PeerToken {
                token: if empty { String::new() } else { "peer".into() },
                expires_at: at,
            }),
            Step::Clocks(wall, mono) => {
                self.now.wall = (self.now.wall + wall).clamp(-LATEST, LATEST);
                self.now.mono += mono;
            }
            Step::SetOnline(online) => {
                let back = online && !self.now.online;
                self.now.online = online;
                if back && self.machine.running() {
                    self.check(Input::Online); // the `online` event
                }
            }
            Step::SetHidden(hidden) => self.now.hidden = hidden,
            Step::Gone(index) => {
                self.now.gone.push(index);
                self.check(Input::Check);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_inputs_keep_every_promise(
        settings in settings(),
        seed in any::<u64>(),
        steps in proptest::collection::vec(step(), 1..80),
    ) {
        let mut harness = Harness {
            machine: Machine::new(settings, seed),
            settings,
            now: Now { wall: T0, mono: 0, online: true, hidden: false, gone: Vec::new() },
            outstanding: Vec::new(),
            answered: Vec::new(),
            calling: None,
            lock_held: false,
            stopped: false,
            peers: false,
            initial: None,
            yielded: false,
            last_auto: None,
            last_seen: None,
        };
        for step in steps {
            harness.step(step);
        }
    }
}

/// Two tabs on one key: a lock granted first come, first served, and a channel whose messages
/// wait in each tab's inbox until delivered, all in arbitrary order.
struct Tabs {
    machines: [Machine<()>; 2],
    now: Now,
    outstanding: [Vec<(Kind, u32)>; 2],
    calling: [Option<u32>; 2],
    inbox: [Vec<Input<()>>; 2],
    holder: Option<usize>,
    queue: Vec<(usize, u32)>,
    lingering: Option<usize>,
}

#[derive(Debug, Clone)]
enum TabStep {
    Check(usize),
    RefreshNow(usize),
    Expired(usize),
    Answer(usize, usize, u8),
    Deliver(usize),
    Grant,
    Linger,
    Stop(usize),
    Start(usize),
    Clocks(Millis),
}

fn tab_step() -> impl Strategy<Value = TabStep> {
    let tab = 0usize..2;
    prop_oneof![
        3 => tab.clone().prop_map(TabStep::Check),
        1 => tab.clone().prop_map(TabStep::RefreshNow),
        1 => tab.clone().prop_map(TabStep::Expired),
        8 => (tab.clone(), any::<usize>(), any::<u8>()).prop_map(|(t, i, h)| TabStep::Answer(t, i, h)),
        3 => tab.clone().prop_map(TabStep::Deliver),
        3 => Just(TabStep::Grant),
        1 => Just(TabStep::Linger),
        1 => tab.clone().prop_map(TabStep::Stop),
        1 => tab.prop_map(TabStep::Start),
        3 => (0i64..2 * HOUR).prop_map(TabStep::Clocks),
    ]
}

impl Tabs {
    fn release(&mut self, tab: usize) {
        if self.holder == Some(tab) {
            self.holder = None;
            self.lingering = None;
        }
    }

    fn feed(&mut self, tab: usize, input: Input<()>) {
        if self.machines[tab].wants_initial() {
            self.machines[tab].handle(&self.now, Input::Initial(Ok(Some(T0 + HOUR))));
        }
        match &input {
            Input::Answered { ticket, .. } if self.calling[tab] == Some(*ticket) => {
                self.calling[tab] = None
            }
            Input::Stop => self.calling[tab] = None,
            _ => {}
        }
        self.machines[tab].handle(&self.now, input);
        while let Some(command) = self.machines[tab].next_command() {
            match command {
                // (A stopped tab's refreshNow() has no channel or lock left: it asks alone.)
                Command::CallProvider { ticket, .. } if !self.machines[tab].running() => {
                    self.outstanding[tab].push((Kind::Provider, ticket));
                }
                Command::CallProvider { ticket, .. } => {
                    assert_eq!(self.holder, Some(tab), "a provider call without the lock");
                    assert_eq!(self.calling, [None, None], "two provider calls for one key");
                    self.calling[tab] = Some(ticket);
                    self.outstanding[tab].push((Kind::Provider, ticket));
                }
                Command::Yield => self.outstanding[tab].push((Kind::Continue, 0)),
                Command::SetToken { ticket, .. } => self.outstanding[tab].push((Kind::Set, ticket)),
                Command::Reload { ticket, .. } => {
                    self.outstanding[tab].push((Kind::Reload, ticket))
                }
                Command::RequestLock { ticket } => self.queue.push((tab, ticket)),
                Command::Abort => {
                    self.queue.retain(|(t, _)| *t != tab);
                    // Granted, but the grant not yet seen: the shell lets it go.
                    let before = self.outstanding[tab].len();
                    self.outstanding[tab].retain(|(kind, _)| *kind != Kind::Lock);
                    if self.outstanding[tab].len() != before {
                        self.release(tab);
                    }
                }
                Command::ReleaseLock { linger_ms: 0 } => self.release(tab),
                Command::ReleaseLock { .. } if self.holder == Some(tab) => {
                    self.lingering = Some(tab)
                }
                Command::Publish { token, expires_at } => {
                    self.inbox[1 - tab].push(Input::PeerToken { token, expires_at })
                }
                Command::Hello => self.inbox[1 - tab].push(Input::PeerHello),
                Command::Stopped => self.calling[tab] = None,
                _ => {}
            }
        }
        let timer = self.machines[tab].poll_timeout(&self.now).is_some();
        if timer
            && !self.outstanding[tab]
                .iter()
                .any(|(k, _)| *k == Kind::Continue)
        {
            self.outstanding[tab].push((Kind::Continue, 0));
        }
    }

    fn step(&mut self, step: TabStep) {
        match step {
            TabStep::Check(tab) => self.feed(tab, Input::Tick),
            TabStep::RefreshNow(tab) => self.feed(tab, Input::RefreshNow),
            TabStep::Expired(tab) => self.feed(tab, Input::EmbedSaysExpired),
            TabStep::Answer(tab, i, how) => {
                if self.outstanding[tab].is_empty() {
                    return;
                }
                let (kind, ticket) = self.outstanding[tab].remove(i % self.outstanding[tab].len());
                let input = match kind {
                    Kind::Continue => {
                        // The tab's timer fires: its moment has come.
                        if let Some(at) = self.machines[tab].poll_timeout(&self.now) {
                            let ahead = at.saturating_sub(self.now.wall).max(0);
                            self.now.wall += ahead;
                            self.now.mono += ahead;
                        }
                        Input::Timeout
                    }
                    Kind::Lock => Input::LockGranted { ticket },
                    Kind::Provider if how % 3 == 0 => Input::Answered {
                        ticket,
                        answer: Err(Failure::new(Code::ProviderTimeout, "slow")),
                    },
                    Kind::Provider => Input::Answered {
                        ticket,
                        answer: Ok(Answer {
                            token: format!("token-{ticket}"),
                            claims: Claims {
                                expires_in: Some(HOUR),
                                ..Claims::default()
                            },
                        }),
                    },
                    Kind::Set => Input::TokenSet {
                        ticket,
                        results: vec![(0, Ok(how % 4 != 0))],
                    },
                    Kind::Reload => Input::Reloaded {
                        ticket,
                        results: vec![(0, Ok(how % 2 == 0))],
                    },
                };
                self.feed(tab, input);
            }
            TabStep::Deliver(tab) => {
                if !self.inbox[tab].is_empty() {
                    let message = self.inbox[tab].remove(0);
                    self.feed(tab, message);
                }
            }
            TabStep::Grant => {
                if self.holder.is_none() && !self.queue.is_empty() {
                    let (tab, ticket) = self.queue.remove(0);
                    self.holder = Some(tab);
                    self.outstanding[tab].push((Kind::Lock, ticket));
                }
            }
            TabStep::Linger => {
                if let Some(tab) = self.lingering.take() {
                    self.release(tab);
                }
            }
            TabStep::Stop(tab) => self.feed(tab, Input::Stop),
            TabStep::Start(tab) => self.feed(tab, Input::Start { peers: true }),
            TabStep::Clocks(ms) => {
                self.now.wall += ms;
                self.now.mono += ms;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn two_tabs_never_call_the_provider_at_once(
        seed in any::<u64>(),
        steps in proptest::collection::vec(tab_step(), 1..120),
    ) {
        let settings = support::defaults();
        let mut tabs = Tabs {
            machines: [Machine::new(settings, seed), Machine::new(settings, !seed)],
            now: Now { wall: T0, mono: 0, online: true, hidden: false, gone: Vec::new() },
            outstanding: [Vec::new(), Vec::new()],
            calling: [None, None],
            inbox: [Vec::new(), Vec::new()],
            holder: None,
            queue: Vec::new(),
            lingering: None,
        };
        tabs.feed(0, Input::Start { peers: true });
        tabs.feed(1, Input::Start { peers: true });
        for step in steps {
            tabs.step(step);
        }
    }
}
