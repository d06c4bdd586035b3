//! `TokenRefresher`, the class JavaScript sees: the browser shell around [`Schedule`].
//!
//! Every trigger (the interval, the one-shot wake timer, `visibilitychange`, `pageshow`, `focus`,
//! `online`, `resume`, `refreshNow()`) ends in [`Inner::check`], which asks the schedule and, if
//! a refresh is due, spawns one; then it arms the wake timer for the next moment the schedule
//! names. `stop()` drops the running part (timers and listeners undo themselves) and bumps
//! `epoch`, so a refresh still in flight sees it was abandoned and applies nothing.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_timers::callback::{Interval, Timeout};
use js_sys::{Function, Promise, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::AbortController;

use crate::anchor::{self, AnchorError};
use crate::bindings::Embed;
use crate::bindings::Options;
use crate::cross_tab::{Held, Message, Peers};
use crate::embed::Call;
use crate::error::{Code, RefreshError};
use crate::events::{self, EventName, Handlers};
use crate::listener::EventListener;
use crate::options::{self, Config, MAX_TIMER_MS};
use crate::redact::redact;
use crate::schedule::{Disturbance, Reason, Schedule, Trigger};
use crate::{debug_log, embed, expiration, expiration_value, provider, registry, Millis};

/// Keeps an embedded Power BI item's access token fresh. See the README for the options.
///
/// Dropping this handle (JavaScript garbage-collecting it) stops nothing: a started refresher
/// lives in the registry until `stop()`, and an idle one owns no timers.
#[wasm_bindgen]
pub struct TokenRefresher {
    inner: Rc<Inner>,
}

pub struct Inner {
    config: Config,
    /// For each of `config.sources`: still on the page.
    present: RefCell<Vec<bool>>,
    /// `accessTokenProvider`, made on first use; holds the refresher weakly.
    hook: RefCell<Option<Closure<dyn FnMut() -> Promise>>>,
    state: RefCell<State>,
    handlers: RefCell<Handlers>,
    running: RefCell<Option<Running>>,
    /// One-shot timer for the schedule's next moment (due time or retry), with that moment
    /// (`None` once it fired).
    /// Timers armed from a promise or an event are throttled far less in hidden tabs than the
    /// interval, so a timer is only re-armed when the moment changes, never from every tick.
    wake: RefCell<Option<(Option<Millis>, Timeout)>>,
    /// Bumped by `stop()`: a refresh that started under an older epoch applies nothing.
    epoch: Cell<u32>,
}

struct State {
    schedule: Schedule,
    /// Read the initial expiration (option or the embed's JWT) at the first start only.
    initialised: bool,
    /// Promises waiting for the refresh in flight (`refreshNow()`, `accessTokenProvider`).
    waiters: Vec<Waiter>,
    /// The token expired while the embeds held it: `reload()` them after the next success.
    reload_pending: bool,
    /// The last token handed to the embeds, for `accessTokenProvider`. Only ever in memory.
    token: Option<String>,
    /// A newer token another tab shared, waiting to be applied.
    shared: Option<(String, Millis)>,
    /// The tabs' lock while this tab refreshes for all of them.
    lock: Option<Held>,
    /// When `start()` asked the other tabs for their token.
    hello_at: Millis,
    /// Provider timeouts in a row.
    timeouts_in_row: u32,
    abort: Option<AbortController>,
    last_error: Option<Code>,
    refresh_count: u32,
    /// A `ClockSkew` warning was given and no token since showed the clocks agree.
    skew_reported: bool,
}

/// A promise waiting for the refresh in flight.
enum Waiter {
    /// `refreshNow()`: resolves `true` or `false`.
    Done(Function),
    /// `accessTokenProvider`: resolves the token, or rejects.
    Token { resolve: Function, reject: Function },
}

/// What runs between `start()` and `stop()`; dropping it clears the interval and removes the
/// listeners.
struct Running {
    _interval: Interval,
    _listeners: Vec<EventListener>,
    /// The other tabs, with `crossTab` where the browser allows it.
    peers: Option<Rc<Peers>>,
}

fn now() -> Millis {
    js_sys::Date::now() as Millis
}

/// `performance.now()`: cannot be set by anyone, unlike `Date.now()`.
fn monotonic() -> Millis {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0, |p| p.now() as Millis)
}

/// `false` only when the browser is sure it is offline.
fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

fn iso(ms: Millis) -> String {
    js_sys::Date::new(&JsValue::from_f64(ms as f64))
        .to_iso_string()
        .into()
}

/// How long a tab that just started waits for the others' answer to its hello.
const HELLO_WAIT_MS: Millis = 300;
/// How long the lock is kept after the token was published to the other tabs.
const LOCK_LINGER_MS: u32 = 150;
/// How long a hidden tab lets visible ones go first.
const HIDDEN_HEAD_START_MS: Millis = 2_000;

/// `ms` from now, clamped to what `setTimeout` honours (larger delays fire at once).
fn timer_delay(at: Millis, now: Millis) -> u32 {
    (at.saturating_sub(now) as f64).clamp(0.0, MAX_TIMER_MS) as u32
}

#[wasm_bindgen]
impl TokenRefresher {
    /// Checks the options and throws a `TypeError` on a mistake; starts nothing.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Options) -> Result<TokenRefresher, JsValue> {
        console_error_panic_hook::set_once();
        let config = options::read(&options)?;
        let schedule = Schedule::new(config.policy, None);
        let present = vec![true; config.sources.len()];
        Ok(TokenRefresher {
            inner: Rc::new(Inner {
                config,
                present: RefCell::new(present),
                hook: RefCell::new(None),
                state: RefCell::new(State {
                    schedule,
                    initialised: false,
                    waiters: Vec::new(),
                    reload_pending: false,
                    token: None,
                    shared: None,
                    lock: None,
                    hello_at: 0,
                    timeouts_in_row: 0,
                    abort: None,
                    last_error: None,
                    refresh_count: 0,
                    skew_reported: false,
                }),
                handlers: RefCell::default(),
                running: RefCell::new(None),
                wake: RefCell::new(None),
                epoch: Cell::new(0),
            }),
        })
    }

    /// Starts checking: at once, then every `checkIntervalMs`, when a refresh is due, and
    /// whenever the page may have been away (visible again, shown, focused, online, resumed).
    /// Calling it again while running does nothing.
    pub fn start(&self) {
        self.inner.start();
    }

    /// Stops every timer and listener and abandons a refresh in flight; nothing is called after
    /// it. Calling it again does nothing. `start()` may follow.
    pub fn stop(&self) {
        self.inner.stop();
    }

    /// Refreshes now, even if the token is still fresh, or joins the refresh in flight.
    /// Resolves `true` once the embed holds a new token, `false` if that failed (an `error`
    /// event says why) or the refresher was stopped. Never rejects.
    #[wasm_bindgen(js_name = refreshNow, unchecked_return_type = "Promise<boolean>")]
    pub fn refresh_now(&self) -> Promise {
        let promise = Promise::new(&mut |resolve, _reject| {
            self.inner
                .state
                .borrow_mut()
                .waiters
                .push(Waiter::Done(resolve));
        });
        self.inner.check(true);
        promise
    }

    /// A function for powerbi-client's `eventHooks.accessTokenProvider` (Azure AD tokens,
    /// report embeds): when the report asks for a token it gets the current one if fresh, else
    /// joins or starts this refresher's single provider call, so the report's pull and the
    /// refresher's push never fetch twice. Rejects when the refresh fails.
    #[wasm_bindgen(getter = accessTokenProvider, unchecked_return_type = "() => Promise<string>")]
    pub fn access_token_provider(&self) -> Function {
        self.inner.hook()
    }

    /// Adds a handler for `"refreshed"`, `"error"`, `"expired"` or `"warning"`; throws on any
    /// other name.
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, name: &str, handler: Function) -> Result<(), JsValue> {
        let name = event_name(name)?;
        self.inner.handlers.borrow_mut().add(name, handler);
        Ok(())
    }

    /// Removes a handler added with `on`.
    #[wasm_bindgen(skip_typescript)]
    pub fn off(&self, name: &str, handler: &Function) -> Result<(), JsValue> {
        let name = event_name(name)?;
        self.inner.handlers.borrow_mut().remove(name, handler);
        Ok(())
    }

    /// A snapshot: running or not, the current token's expiration, failures in a row, ...
    #[wasm_bindgen(getter, unchecked_return_type = "TokenRefresherStatus")]
    pub fn status(&self) -> JsValue {
        self.inner.status()
    }

    /// How many refreshers are started on this page (kept alive until `stop()`).
    #[wasm_bindgen(js_name = startedCount)]
    pub fn started_count() -> usize {
        registry::started()
    }
}

fn event_name(name: &str) -> Result<EventName, JsValue> {
    EventName::parse(name).ok_or_else(|| {
        js_sys::TypeError::new(
            "unknown event: use \"refreshed\", \"error\", \"expired\" or \"warning\"",
        )
        .into()
    })
}

impl Inner {
    fn start(self: &Rc<Self>) {
        if self.running.borrow().is_some() {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let Some(document) = window.document() else {
            return;
        };
        registry::keep(self);
        let weak = Rc::downgrade(self);
        let interval = Interval::new(self.config.check_interval_ms, {
            let weak = weak.clone();
            move || with(&weak, |inner| inner.check(false))
        });
        let check_on = |target: &web_sys::EventTarget, name: &'static str| {
            let weak = weak.clone();
            EventListener::new(target, name, move |_| {
                with(&weak, |inner| inner.check(false));
            })
        };
        let mut listeners = vec![
            check_on(&document, "resume"),
            check_on(&window, "pageshow"),
            check_on(&window, "focus"),
            EventListener::new(&window, "online", {
                let weak = weak.clone();
                move |_| {
                    with(&weak, |inner| {
                        inner.state.borrow_mut().schedule.online_again();
                        inner.check(false);
                    })
                }
            }),
        ];
        // powerbi-client dispatches the embed's events on its element; `TokenExpired` there
        // means the report is already dead, whatever this clock says.
        for source in &self.config.sources {
            let Some(element) = embed::element(source) else {
                continue;
            };
            let weak = weak.clone();
            listeners.push(EventListener::new(&element, "error", move |event| {
                let detail = Reflect::get(&event, &"detail".into()).unwrap_or_default();
                if says_token_expired(&detail) {
                    with(&weak, |inner| inner.embed_says_expired());
                }
            }));
        }
        listeners.push(EventListener::new(
            &document.clone().into(),
            "visibilitychange",
            {
                let weak = weak.clone();
                move |_| {
                    if !document.hidden() {
                        with(&weak, |inner| inner.check(false));
                    }
                }
            },
        ));
        let peers = self.open_peers(&weak);
        *self.running.borrow_mut() = Some(Running {
            _interval: interval,
            _listeners: listeners,
            peers,
        });
        self.log("started", &JsValue::UNDEFINED);
        // The first check runs after start() returns, so its events reach handlers added later
        // in the same task.
        let epoch = self.epoch.get();
        wasm_bindgen_futures::spawn_local(async move {
            with(&weak, |inner| {
                if inner.epoch.get() == epoch {
                    inner.check(false);
                }
            });
        });
    }

    /// The expiration of the token the embed was given: the `expiration` option, else the `exp`
    /// of the embed's current token when it is a JWT; unknown means refresh at once.
    fn initialise(&self) {
        if std::mem::replace(&mut self.state.borrow_mut().initialised, true) {
            return;
        }
        let given = &self.config.expiration;
        let expires_at = if given.is_null_or_undefined() {
            self.current_token()
                .and_then(|token| expiration::from_jwt(&token).ok())
        } else {
            match expiration_value::read(given) {
                Ok(at) => Some(at),
                Err(e) => {
                    // Refresh at once rather than guess; the event says what was wrong.
                    self.emit_error(&e.into(), None);
                    None
                }
            }
        };
        let policy = self.config.policy;
        self.state.borrow_mut().schedule = Schedule::new(policy, expires_at);
    }

    fn stop(&self) {
        let running = self.running.borrow_mut().take();
        let wake = self.wake.borrow_mut().take();
        let was_running = running.is_some();
        drop((running, wake));
        self.epoch.set(self.epoch.get().wrapping_add(1));
        let (abort, waiters, lock) = {
            let mut state = self.state.borrow_mut();
            state.schedule.abandoned();
            state.shared = None;
            (
                state.abort.take(),
                std::mem::take(&mut state.waiters),
                state.lock.take(),
            )
        };
        drop(lock); // another tab takes over at once
        if let Some(abort) = abort {
            abort.abort();
        }
        settle(waiters, Err("the refresher was stopped"));
        if was_running {
            self.log("stopped", &JsValue::UNDEFINED);
        }
        registry::release(self);
    }

    /// Every trigger ends here: notice a clock change or a wake-up, report an expiry, start a
    /// refresh if one is due, and arm the wake timer for the next moment that matters.
    fn check(self: &Rc<Self>, manual: bool) {
        let epoch = self.epoch.get();
        // Read the initial expiration before the first decision, whoever makes it (the first
        // check after start() or a refreshNow() before it), and only once.
        self.initialise();
        if self.epoch.get() != epoch {
            return; // an error handler stopped us
        }
        let now = now();
        self.observe(now);
        if !self.prune() {
            return; // every embed left the page: stopped
        }
        let expired = self.state.borrow_mut().schedule.take_expiry(now);
        if let Some(expired_for) = expired {
            // A report whose token expired stays dead until it is reloaded.
            self.state.borrow_mut().reload_pending = true;
            let expiration = self
                .state
                .borrow()
                .schedule
                .expires_at()
                .map(iso)
                .unwrap_or_default();
            self.emit(
                EventName::Expired,
                to_js(&events::Expired {
                    expiration,
                    expired_for_ms: expired_for as f64,
                }),
                None,
            );
            if self.epoch.get() != epoch {
                return; // a handler stopped us
            }
        }
        let online = online();
        let trigger = Trigger { manual, online };
        let reason = self.state.borrow_mut().schedule.poll(now, trigger);
        if let Some(reason) = reason {
            wasm_bindgen_futures::spawn_local(Rc::clone(self).refresh(reason, epoch));
        }
        self.arm_wake(now, online);
    }

    /// Hands both clocks to the schedule; with `debug`, says what it noticed.
    fn observe(&self, now: Millis) {
        let disturbed = self.state.borrow_mut().schedule.observe(now, monotonic());
        let (what, ms) = match disturbed {
            Some(Disturbance::ClockBack(ms)) => ("clock turned back (ms)", ms),
            Some(Disturbance::Late(ms)) => ("check late after sleep or throttling (ms)", ms),
            None => return,
        };
        self.log(what, &JsValue::from_f64(ms as f64));
    }

    /// Points the wake timer at the schedule's next moment, if running.
    fn arm_wake(self: &Rc<Self>, now: Millis, online: bool) {
        let next = self.state.borrow().schedule.next_wake(now, online);
        let next = next.filter(|_| self.running.borrow().is_some());
        let mut wake = self.wake.borrow_mut();
        if let (Some(at), Some((Some(armed), _))) = (next, wake.as_ref()) {
            if at == *armed {
                return; // still pending for the same moment
            }
        }
        *wake = next.map(|at| {
            let weak = Rc::downgrade(self);
            let timer = Timeout::new(timer_delay(at, now), move || {
                with(&weak, |inner| {
                    // Fired: whatever the check finds, the next one must be armed anew. (A
                    // timer may fire a millisecond before `Date.now()` reaches its moment.)
                    if let Some((armed, _)) = inner.wake.borrow_mut().as_mut() {
                        *armed = None;
                    }
                    inner.check(false);
                });
            });
            (Some(at), timer)
        });
    }

    async fn refresh(self: Rc<Self>, reason: Reason, epoch: u32) {
        self.log("refreshing", &reason.as_str().into());
        let outcome = self.attempt(reason, epoch).await;
        if self.epoch.get() != epoch {
            return; // stop() already abandoned this refresh and settled the waiters
        }
        // Released whatever happened: the next tab may go. After publishing a token, a moment
        // later: the lock can reach the next tab before the message does (they travel apart),
        // and that tab would then ask the provider again.
        let lock = self.state.borrow_mut().lock.take();
        if let (Some(lock), Ok(Some(_))) = (lock, &outcome) {
            wasm_bindgen_futures::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(LOCK_LINGER_MS).await;
                drop(lock);
            });
        }
        let now = now();
        // The clock may have been moved while we waited: deadlines kept from before must follow
        // it before the new one, read on the new clock, joins them.
        self.observe(now);
        match outcome {
            Ok(None) => {}
            Ok(Some((expires_at, token, reason))) => {
                let (attempts, waiters) = {
                    let mut state = self.state.borrow_mut();
                    let attempts = state.schedule.failures() + 1;
                    state.schedule.succeeded(now, expires_at);
                    state.last_error = None;
                    state.refresh_count = state.refresh_count.saturating_add(1);
                    (attempts, std::mem::take(&mut state.waiters))
                };
                self.emit(
                    EventName::Refreshed,
                    to_js(&events::Refreshed {
                        expiration: iso(expires_at),
                        expires_at: expires_at as f64,
                        expires_in_ms: (expires_at - now) as f64,
                        reason: reason.as_str(),
                        attempts,
                    }),
                    None,
                );
                settle(waiters, Ok(&token));
                self.state.borrow_mut().token = Some(token);
            }
            Err(error) => {
                let (retry_at, waiters) = {
                    let mut state = self.state.borrow_mut();
                    (
                        state.schedule.failed(now, js_sys::Math::random()),
                        std::mem::take(&mut state.waiters),
                    )
                };
                let running = self.running.borrow().is_some();
                self.emit_error(&error, running.then_some((retry_at, now)));
                settle(waiters, Err(error.message));
            }
        }
        if self.epoch.get() == epoch {
            self.arm_wake(now, online());
        }
    }

    /// Provider, then `setAccessToken` on every embed, then `reload()` if the token had expired.
    /// `Ok(Some((expiration, token)))` once the embeds hold the new token; `Ok(None)` if the
    /// refresher stopped meanwhile, applying nothing.
    async fn attempt(
        self: &Rc<Self>,
        reason: Reason,
        epoch: u32,
    ) -> Result<Option<(Millis, String, Reason)>, RefreshError> {
        // No embed, no provider call: a token nobody can use costs the app owner a request.
        self.resolve_all(false)?;
        let abort = AbortController::new().ok();
        let signal = abort.as_ref().map(AbortController::signal);
        self.state.borrow_mut().abort = abort;
        let signal = signal.unwrap_or_else(|| JsValue::UNDEFINED.unchecked_into());
        let Some((token, reason)) = self.obtain(reason, epoch, &signal).await else {
            return Ok(None); // stopped meanwhile
        };
        let token = token?;
        let anchored = match anchor::anchor(now(), token.claims) {
            Ok(anchored) => anchored,
            Err(AnchorError::AlreadyExpired) => {
                return Err(RefreshError::new(
                    Code::TokenAlreadyExpired,
                    "the token provider answered a token that had already expired (if this device's clock is wrong, answer serverTime or expiresIn too)",
                ))
            }
            Err(AnchorError::NoExpiration) => {
                return Err(crate::expiration::ExpirationError::NoExpClaim.into())
            }
        };
        self.note_skew(anchored.skew);
        // Asked again: embeds may have been replaced or removed while the provider worked.
        if !self.prune() {
            return Ok(None);
        }
        let embeds = self.resolve_all(true)?;
        self.log("new token", &redact(&token.token).into());
        if let Some(error) = self.call_all(&embeds, Call::SetToken, &token.token).await {
            return Err(error);
        }
        if self.epoch.get() != epoch || !self.prune() {
            return Ok(None);
        }
        let reload = std::mem::take(&mut self.state.borrow_mut().reload_pending);
        if reload && self.config.reload_after_expiry {
            self.log("reloading after expiry", &JsValue::UNDEFINED);
            if let Some(error) = self.call_all(&embeds, Call::Reload, "").await {
                if self.epoch.get() == epoch {
                    self.emit_error(&error, None);
                }
            }
            if self.epoch.get() != epoch {
                return Ok(None);
            }
        }
        if reason != Reason::Shared {
            if let Some(peers) = self.peers() {
                peers.publish(&token.token, anchored.expires_at);
            }
        }
        Ok(Some((anchored.expires_at, token.token, reason)))
    }

    /// The new token: another tab's when it shared one, else the provider's — with `crossTab`,
    /// asked under the tabs' lock, and only if no tab shared one while this tab waited for it.
    /// `None` if stopped meanwhile.
    async fn obtain(
        &self,
        reason: Reason,
        epoch: u32,
        signal: &web_sys::AbortSignal,
    ) -> Option<(Result<provider::Token, RefreshError>, Reason)> {
        if let Some(peers) = self.peers() {
            self.let_peers_go_first().await;
            if self.epoch.get() != epoch {
                return None;
            }
            if self.state.borrow().shared.is_none() {
                let held = peers.lock(signal).await;
                if self.epoch.get() != epoch {
                    return None;
                }
                self.state.borrow_mut().lock = held;
            }
            // Re-checked under the lock: the tab that held it before may have shared a token.
            let shared = self.state.borrow_mut().shared.take();
            if let Some((token, expires_at)) = shared {
                let claims = anchor::Claims {
                    expires_at: Some(expires_at),
                    ..anchor::Claims::default()
                };
                return Some((Ok(provider::Token { token, claims }), Reason::Shared));
            }
        }
        // A provider that timed out may just be slower than `providerTimeoutMs`: each timeout in
        // a row doubles the next wait, up to four times the setting.
        let slow = self.state.borrow().timeouts_in_row.min(2);
        let wait = self.config.provider_timeout_ms.saturating_mul(1 << slow);
        let answer = provider::fetch(&self.config, reason, signal, wait).await;
        {
            let mut state = self.state.borrow_mut();
            let timed_out = matches!(&answer, Err(e) if e.code == Code::ProviderTimeout);
            state.timeouts_in_row = if timed_out {
                state.timeouts_in_row + 1
            } else {
                0
            };
        }
        if self.epoch.get() != epoch {
            // stop() aborted our signal; the controller in `state` now belongs to a newer refresh.
            return None;
        }
        if let Some(abort) = self.state.borrow_mut().abort.take() {
            if answer.is_err() {
                abort.abort(); // the provider may still be working: tell it to give up
            }
        }
        Some((answer, reason))
    }

    /// A tab that just started gives the others a moment to answer its hello; a hidden tab
    /// (throttled, maybe frozen soon) gives visible ones a head start, never past a quarter of
    /// the time left.
    async fn let_peers_go_first(&self) {
        let now = now();
        let (hello_at, expires_at) = {
            let state = self.state.borrow();
            (state.hello_at, state.schedule.expires_at())
        };
        let mut wait = (hello_at + HELLO_WAIT_MS - now).max(0);
        let hidden = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.hidden());
        if hidden {
            let quarter_left = expires_at.map_or(0, |at| (at - now) / 4);
            wait = wait.max(HIDDEN_HEAD_START_MS.min(quarter_left));
        }
        if wait > 0 && self.state.borrow().shared.is_none() {
            gloo_timers::future::TimeoutFuture::new(wait as u32).await;
        }
    }

    fn peers(&self) -> Option<Rc<Peers>> {
        self.running.borrow().as_ref()?.peers.clone()
    }

    /// The channel to the other tabs, with `crossTab`; says once (with `debug`) when the browser
    /// has no Web Locks or BroadcastChannel, and this tab refreshes on its own.
    fn open_peers(&self, weak: &Weak<Inner>) -> Option<Rc<Peers>> {
        let key = self.config.cross_tab.as_deref()?;
        let weak = weak.clone();
        let peers = Peers::open(key, move |message| {
            with(&weak, |inner| inner.on_peer(message));
        });
        let Some(peers) = peers else {
            self.log(
                "crossTab: no Web Locks or BroadcastChannel here; refreshing per tab",
                &JsValue::UNDEFINED,
            );
            return None;
        };
        peers.hello();
        self.state.borrow_mut().hello_at = now();
        Some(Rc::new(peers))
    }

    /// Another tab spoke: a newer token is applied here without a provider call (or picked up
    /// by the refresh in flight); a hello is answered with this tab's token while it is fresh.
    fn on_peer(self: &Rc<Self>, message: Message) {
        let now = now();
        match message {
            Message::Hello => {
                let fresh = {
                    let state = self.state.borrow();
                    let due = state.schedule.due_at();
                    (!state.schedule.in_flight() && due.is_some_and(|due| now < due))
                        .then(|| state.token.clone().zip(state.schedule.expires_at()))
                        .flatten()
                };
                if let (Some((token, expires_at)), Some(peers)) = (fresh, self.peers()) {
                    peers.publish(&token, expires_at);
                }
            }
            Message::Token { token, expires_at } => {
                let start = {
                    let mut state = self.state.borrow_mut();
                    let newer = state.schedule.expires_at().is_none_or(|at| expires_at > at);
                    if !newer || expires_at <= now {
                        return;
                    }
                    state.shared = Some((token, expires_at));
                    // Taking the flight the way refreshNow() does; the refresh applies the
                    // shared token. A refresh already in flight picks it up instead.
                    state.schedule.poll(now, Trigger::MANUAL).is_some()
                };
                if start {
                    let epoch = self.epoch.get();
                    wasm_bindgen_futures::spawn_local(
                        Rc::clone(self).refresh(Reason::Shared, epoch),
                    );
                }
            }
        }
    }

    /// `call` on every embed at once, each awaited within `setAccessTokenTimeoutMs` of the
    /// start; the first failure of an embed still on the page, if any.
    async fn call_all(
        &self,
        embeds: &[(usize, Embed)],
        call: Call,
        token: &str,
    ) -> Option<RefreshError> {
        let deadline = now() + Millis::from(self.config.set_token_timeout_ms);
        let mut started = Vec::with_capacity(embeds.len());
        for (_, e) in embeds {
            started.push(embed::start(e, call, token));
        }
        let mut first = None;
        for (result, (index, _)) in started.into_iter().zip(embeds) {
            let outcome = embed::outcome(result, call, timer_delay(deadline, now())).await;
            if let Err(error) = outcome {
                if first.is_none() && !embed::gone(&self.config.sources[*index]) {
                    first = Some(self.about(error, *index));
                }
            }
        }
        first
    }

    /// `error` names the embed when there are several.
    fn about(&self, error: RefreshError, index: usize) -> RefreshError {
        if self.config.sources.len() > 1 {
            error.of_embed(index)
        } else {
            error
        }
    }

    /// The embeds as they are now. At least one must be found, else the first one's error;
    /// with `report`, each one not found while others are is an `error` event of its own.
    fn resolve_all(&self, report: bool) -> Result<Vec<(usize, Embed)>, RefreshError> {
        let present = self.present.borrow().clone();
        let (mut found, mut missing) = (Vec::new(), Vec::new());
        for (index, source) in self.config.sources.iter().enumerate() {
            if present[index] {
                match embed::resolve(source) {
                    Ok(e) => found.push((index, e)),
                    Err(error) => missing.push(self.about(error, index)),
                }
            }
        }
        if found.is_empty() {
            return Err(missing.into_iter().next().unwrap_or_else(|| {
                RefreshError::new(Code::NoEmbedsLeft, "every embed was removed from the page")
            }));
        }
        if report {
            for error in &missing {
                self.emit_error(error, None);
            }
        }
        Ok(found)
    }

    /// Drops embeds that left the page, each with an `EmbedRemoved` event; when none remain,
    /// a `NoEmbedsLeft` event and `stop()`. `false` when stopped.
    fn prune(self: &Rc<Self>) -> bool {
        let epoch = self.epoch.get();
        let mut left = 0;
        for (index, source) in self.config.sources.iter().enumerate() {
            if !self.present.borrow()[index] {
                continue;
            }
            if !embed::gone(source) {
                left += 1;
                continue;
            }
            self.present.borrow_mut()[index] = false;
            let error = RefreshError::new(
                Code::EmbedRemoved,
                "an embed's container (or iframe) was removed from the page; it is no longer refreshed",
            );
            self.emit_error(&error.of_embed(index), None);
        }
        if left == 0 && self.epoch.get() == epoch {
            self.emit_error(
                &RefreshError::new(
                    Code::NoEmbedsLeft,
                    "every embed was removed from the page, so the refresher stopped",
                ),
                None,
            );
            self.stop();
        }
        self.epoch.get() == epoch
    }

    /// The last token handed to the embeds, else the first embed's (`config.accessToken`).
    fn current_token(&self) -> Option<String> {
        if let Some(token) = self.state.borrow().token.clone() {
            return Some(token);
        }
        let embeds = self.resolve_all(false).ok()?;
        embeds.first().and_then(|(_, e)| embed::current_token(e))
    }

    /// The report raised `TokenExpired`: believe it, refresh at once, and reload afterwards.
    fn embed_says_expired(self: &Rc<Self>) {
        self.log("the embed reported TokenExpired", &JsValue::UNDEFINED);
        {
            let mut state = self.state.borrow_mut();
            state.schedule.reported_expired(now());
            state.reload_pending = true;
        }
        self.check(false);
    }

    fn hook(self: &Rc<Self>) -> Function {
        let mut hook = self.hook.borrow_mut();
        let closure = hook.get_or_insert_with(|| {
            let weak = Rc::downgrade(self);
            Closure::new(move || match weak.upgrade() {
                Some(inner) => inner.token_for_hook(),
                None => Promise::reject(&js_sys::Error::new("the TokenRefresher was freed").into()),
            })
        });
        closure.as_ref().unchecked_ref::<Function>().clone()
    }

    /// The pull side: the current token while it is fresh, else the refresh in flight (or a new
    /// one). Never a second provider call.
    fn token_for_hook(self: &Rc<Self>) -> Promise {
        let fresh = {
            let state = self.state.borrow();
            !state.schedule.in_flight() && state.schedule.due_at().is_some_and(|due| now() < due)
        };
        if let Some(token) = fresh.then(|| self.current_token()).flatten() {
            return Promise::resolve(&JsValue::from(token));
        }
        let promise = Promise::new(&mut |resolve, reject| {
            let waiter = Waiter::Token { resolve, reject };
            self.state.borrow_mut().waiters.push(waiter);
        });
        self.check(true);
        promise
    }

    /// One `warning` while this device's clock disagrees with the token issuer's; the deadline
    /// is already anchored on the issuer's clock, so nothing else changes.
    fn note_skew(&self, skew: Option<Millis>) {
        let first = {
            let mut state = self.state.borrow_mut();
            let first = skew.is_some() && !state.skew_reported;
            state.skew_reported = skew.is_some();
            first
        };
        if let (true, Some(skew)) = (first, skew) {
            self.emit(
                EventName::Warning,
                to_js(&events::Warning {
                    code: "ClockSkew",
                    message: "this device's clock differs from the token issuer's; deadlines follow the issuer's",
                    skew_ms: skew as f64,
                }),
                None,
            );
        }
    }

    fn status(&self) -> JsValue {
        let now = now();
        let state = self.state.borrow();
        let expires_at = state.schedule.expires_at();
        let status = events::Status {
            running: self.running.borrow().is_some(),
            refreshing: state.schedule.in_flight(),
            expiration: expires_at.map(iso),
            expires_in_ms: expires_at.map(|at| (at - now) as f64),
            failures: state.schedule.failures(),
            next_retry_in_ms: state.schedule.retry_at().map(|at| (at - now).max(0) as f64),
            last_error: state.last_error.map(Code::as_str),
            refresh_count: state.refresh_count,
        };
        drop(state);
        to_js(&status)
    }

    /// Records the error for `status.lastError` and tells the handlers.
    fn emit_error(&self, error: &RefreshError, retry: Option<(Millis, Millis)>) {
        let attempt = {
            let mut state = self.state.borrow_mut();
            state.last_error = Some(error.code);
            state.schedule.failures()
        };
        self.log(error.code.as_str(), &error.message.into());
        let payload = events::Failed {
            code: error.code.as_str(),
            message: error.message,
            attempt,
            retry_at: retry.map(|(at, _)| at as f64),
            retry_in_ms: retry.map(|(at, now)| (at - now) as f64),
            embed_index: error.embed.map(|i| i as u32),
        };
        let cause = (!error.cause.is_undefined()).then_some(&error.cause);
        self.emit(EventName::Error, to_js(&payload), cause);
    }

    /// Calls each handler with a plain object. A handler that throws does not stop the others,
    /// nor the refresher; with `debug` the exception is logged.
    fn emit(&self, name: EventName, event: JsValue, cause: Option<&JsValue>) {
        if let Some(cause) = cause {
            let _ = Reflect::set(&event, &"cause".into(), cause);
        }
        let handlers = self.handlers.borrow().of(name);
        for handler in handlers {
            if let Err(thrown) = handler.call1(&JsValue::UNDEFINED, &event) {
                self.log("an event handler threw", &thrown);
            }
        }
    }

    fn log(&self, message: &str, detail: &JsValue) {
        debug_log::log(self.config.debug, message, detail);
    }
}

/// Runs `f` if the refresher still exists (timers and listeners hold it weakly).
fn with(weak: &Weak<Inner>, f: impl FnOnce(&Rc<Inner>)) {
    if let Some(inner) = weak.upgrade() {
        f(&inner);
    }
}

/// Resolves every waiter: with the token (or `true`) on success, else with `false` (or a
/// rejection carrying `message`).
fn settle(waiters: Vec<Waiter>, outcome: Result<&str, &str>) {
    for waiter in waiters {
        let _ = match (waiter, outcome) {
            (Waiter::Done(resolve), _) => {
                resolve.call1(&JsValue::UNDEFINED, &outcome.is_ok().into())
            }
            (Waiter::Token { resolve, .. }, Ok(token)) => {
                resolve.call1(&JsValue::UNDEFINED, &token.into())
            }
            (Waiter::Token { reject, .. }, Err(message)) => {
                reject.call1(&JsValue::UNDEFINED, &js_sys::Error::new(message).into())
            }
        };
    }
}

/// An IError (or a bare message) that says the token expired.
fn says_token_expired(detail: &JsValue) -> bool {
    let field = |key: &str| Reflect::get(detail, &key.into()).ok()?.as_string();
    detail.as_string().as_deref() == Some("TokenExpired")
        || ["errorCode", "message"]
            .iter()
            .any(|key| field(key).as_deref() == Some("TokenExpired"))
}

fn to_js(value: &impl Serialize) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}
