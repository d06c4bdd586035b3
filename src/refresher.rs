//! `TokenRefresher`, the class JavaScript sees: the browser shell around the [`Machine`].
//!
//! It only does I/O. Every callback (interval, wake timer, page events, the provider's answer,
//! the embeds' answers, another tab's message, the lock) becomes an [`Input`] with the time on
//! both clocks; every [`Command`] the machine returns becomes a call. What runs between
//! `start()` and `stop()` is one value, [`Running`]; what one refresh holds (abort signal, lock,
//! timer) is another, [`Flight`]. Dropping them undoes everything they armed.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_timers::callback::{Interval, Timeout};
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::AbortController;

use crate::bindings::Options;
use crate::cross_tab::{Held, Message, Peers};
use crate::embed::Call;
use crate::error::RefreshError;
use crate::events::{self, num, text, EventName, Handlers, Value};
use crate::io::{Command, Detail, Event, Input};
use crate::listener::EventListener;
use crate::machine::{Machine, Settings};
use crate::options::{self, Config};
use crate::page::{wall, Page};
use crate::redact::redact;
use crate::{
    debug_log, embed, expiration, expiration_value, js_number, provider, registry, timeout,
};
use crate::{jwt_claims, Millis};

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
    machine: RefCell<Machine<JsValue>>,
    handlers: RefCell<Handlers>,
    /// Promises waiting for the refresh in flight (`refreshNow()`, `accessTokenProvider`).
    waiters: RefCell<Vec<Waiter>>,
    /// `accessTokenProvider`, made on first use; holds the refresher weakly.
    hook: RefCell<Option<Closure<dyn FnMut() -> Promise>>>,
    running: RefCell<Option<Running>>,
    flight: Flight,
    page: Page,
    /// Itself, while started (`registry`).
    kept: registry::Kept,
}

/// What runs between `start()` and `stop()`; dropping it clears the timers, removes the
/// listeners and closes the channel.
struct Running {
    _interval: Interval,
    _listeners: Vec<EventListener>,
    /// The other tabs, with `crossTab` where the browser allows it.
    peers: Option<Rc<Peers>>,
    wake: Option<Timeout>,
}

/// What the refresh in flight holds. Cells, not a `RefCell`: each field is only ever set or
/// taken whole, which cannot fail (no borrow check and its panic path: bytes).
#[derive(Default)]
struct Flight {
    abort: Cell<Option<AbortController>>,
    lock: Cell<Option<Held>>,
    timer: Cell<Option<Timeout>>,
}

/// A promise waiting for the refresh in flight.
enum Waiter {
    /// `refreshNow()`: resolves `true` or `false`.
    Done(Function),
    /// `accessTokenProvider`: resolves the token, or rejects.
    Token { resolve: Function, reject: Function },
}

/// ISO 8601; empty for an instant no `Date` can hold (where `toISOString` would throw).
fn iso(ms: Millis) -> String {
    if !js_number::in_date_range(ms) {
        return String::new();
    }
    js_sys::Date::new(&JsValue::from_f64(ms as f64))
        .to_iso_string()
        .into()
}

#[wasm_bindgen]
impl TokenRefresher {
    /// Checks the options and throws a `TypeError` on a mistake; starts nothing.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Options) -> Result<TokenRefresher, JsValue> {
        // Set on every construction rather than with `set_once`: the same hook each time, and no
        // `std::sync::Once` (bytes).
        std::panic::set_hook(Box::new(console_error_panic_hook::hook));
        let config = options::read(&options)?;
        let settings = Settings {
            policy: config.policy,
            provider_timeout_ms: config.provider_timeout_ms,
            reload_after_expiry: config.reload_after_expiry,
            embeds: config.sources.len(),
            debug: config.debug,
        };
        let page = Page::new();
        let seed = page.seed();
        Ok(TokenRefresher {
            inner: Rc::new(Inner {
                config,
                machine: RefCell::new(Machine::new(settings, seed)),
                handlers: RefCell::default(),
                waiters: RefCell::default(),
                hook: RefCell::new(None),
                running: RefCell::new(None),
                flight: Flight::default(),
                page,
                kept: registry::Kept::default(),
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
        self.inner.feed(Input::Stop);
    }

    /// Refreshes now, even if the token is still fresh, or joins the refresh in flight.
    /// Resolves `true` once the embed holds a new token, `false` if that failed (an `error`
    /// event says why) or the refresher was stopped. Never rejects.
    #[wasm_bindgen(js_name = refreshNow, unchecked_return_type = "Promise<boolean>")]
    pub fn refresh_now(&self) -> Promise {
        let promise = Promise::new(&mut |resolve, _reject| {
            self.inner.waiters.borrow_mut().push(Waiter::Done(resolve));
        });
        self.inner.feed(Input::RefreshNow);
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
    pub fn on(&self, name: JsValue, handler: Function) -> Result<(), JsValue> {
        self.inner.listen(&name, handler, true)
    }

    /// Removes a handler added with `on`.
    #[wasm_bindgen(skip_typescript)]
    pub fn off(&self, name: JsValue, handler: Function) -> Result<(), JsValue> {
        self.inner.listen(&name, handler, false)
    }

    /// A snapshot: running or not, the current token's expiration, failures in a row, ...
    #[wasm_bindgen(getter, unchecked_return_type = "TokenRefresherStatus")]
    pub fn status(&self) -> JsValue {
        let status = self.inner.machine.borrow().status(wall());
        let ms = |v: Option<Millis>| num(v.map(|ms| ms as f64));
        let expiration = status.expires_at.map(iso);
        events::object(&[
            ("running", Value::Bool(status.running)),
            ("refreshing", Value::Bool(status.refreshing)),
            ("expiration", text(expiration.as_deref())),
            ("expiresInMs", ms(status.expires_in)),
            ("failures", Value::Num(status.failures.into())),
            ("nextRetryInMs", ms(status.next_retry_in)),
            (
                "lastError",
                text(status.last_error.map(|code| code.as_str())),
            ),
            ("refreshCount", Value::Num(status.refresh_count.into())),
        ])
    }

    /// How many refreshers are started on this page (kept alive until `stop()`).
    #[wasm_bindgen(js_name = startedCount)]
    pub fn started_count() -> usize {
        registry::started()
    }
}

/// Taken as a `JsValue` rather than `&str`: the string shim of each method cost more bytes than
/// reading it here.
fn event_name(name: &JsValue) -> Result<EventName, JsValue> {
    name.as_string()
        .and_then(|name| EventName::parse(&name))
        .ok_or_else(|| {
            js_sys::TypeError::new(
                "unknown event: use \"refreshed\", \"error\", \"expired\" or \"warning\"",
            )
            .into()
        })
}

impl Inner {
    /// Hands `input` to the machine, then carries out what it says, one command at a time: a
    /// command may run JavaScript that feeds another input (a handler calling `stop()`), and the
    /// machine then decides what is left to do.
    fn feed(self: &Rc<Self>, input: Input<JsValue>) {
        let first = !matches!(input, Input::Start { .. } | Input::Stop)
            && self.machine.borrow().wants_initial();
        let initial = first.then(|| self.initial());
        let now = self.page.now(&self.config.sources);
        {
            let mut machine = self.machine.borrow_mut();
            if let Some(initial) = initial {
                machine.handle(&now, Input::Initial(initial));
            }
            machine.handle(&now, input);
        }
        // Not `while let`: its borrow would last through the body, into the JavaScript it calls.
        loop {
            let command = self.machine.borrow_mut().next_command();
            match command {
                Some(command) => self.carry_out(command),
                None => break,
            }
        }
    }

    /// The expiration of the token the embed was given: the `expiration` option, else the `exp`
    /// of the embed's current token when it is a JWT; unknown means refresh at once.
    fn initial(&self) -> Result<Option<Millis>, RefreshError> {
        let given = &self.config.expiration;
        if given.is_null_or_undefined() {
            let token = self.embed_token();
            let exp = token.map(|token| jwt_claims::claims(&token).0);
            return Ok(exp.and_then(|exp| expiration::from_exp_claim(exp).ok()));
        }
        Ok(Some(expiration_value::read(given)?))
    }

    /// The token the first embed found holds now (`config.accessToken`).
    fn embed_token(&self) -> Option<String> {
        let found = self
            .config
            .sources
            .iter()
            .find_map(|s| embed::resolve(s).ok());
        found.and_then(|e| embed::current_token(&e))
    }

    fn start(self: &Rc<Self>) {
        if self.machine.borrow().running() {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let Some(document) = window.document() else {
            return;
        };
        self.kept.keep(self);
        let weak = Rc::downgrade(self);
        let feeds = |input: fn() -> Input<JsValue>| {
            let weak = weak.clone();
            move || with(&weak, |inner| inner.feed(input()))
        };
        let interval = Interval::new(self.config.check_interval_ms, feeds(|| Input::Tick));
        let (document, window): (&web_sys::EventTarget, _) = (&document, &window);
        let page: [(_, _, fn() -> Input<_>); 6] = [
            (document, "visibilitychange", || Input::VisibilityChanged),
            (document, "resume", || Input::Check),
            (document, "freeze", || Input::Frozen),
            // Maybe back from the back/forward cache (`persisted`), where timers did not run;
            // not worth reading: the page's first `pageshow` mostly comes before `start()`.
            (window, "pageshow", || Input::Restored),
            (window, "focus", || Input::Check),
            (window, "online", || Input::Online),
        ];
        let mut listeners: Vec<_> = (page.into_iter())
            .map(|(target, name, input)| {
                let feed = feeds(input);
                EventListener::new(target, name, move |_| feed())
            })
            .collect();
        // powerbi-client dispatches the embed's events on its element; `TokenExpired` there
        // means the report is already dead, whatever this clock says.
        for element in self.config.sources.iter().filter_map(embed::element) {
            let weak = weak.clone();
            listeners.push(EventListener::new(&element, "error", move |event| {
                let detail = Reflect::get(&event, &"detail".into()).unwrap_or_default();
                if says_token_expired(&detail) {
                    with(&weak, |inner| inner.feed(Input::EmbedSaysExpired));
                }
            }));
        }
        let peers = self.open_peers(&weak);
        let has_peers = peers.is_some();
        *self.running.borrow_mut() = Some(Running {
            _interval: interval,
            _listeners: listeners,
            peers,
            wake: None,
        });
        self.feed(Input::Start { peers: has_peers });
    }

    /// The channel to the other tabs, with `crossTab`; says once (with `debug`) when the browser
    /// has no Web Locks or BroadcastChannel, and this tab refreshes on its own.
    fn open_peers(&self, weak: &Weak<Inner>) -> Option<Rc<Peers>> {
        let key = self.config.cross_tab.as_deref()?;
        let weak = weak.clone();
        let peers = Peers::open(key, move |message| {
            let input = match message {
                Message::Hello => Input::PeerHello,
                Message::Token { token, expires_at } => Input::PeerToken { token, expires_at },
                Message::Failed { code } => Input::PeerFailed { code },
            };
            with(&weak, |inner| inner.feed(input));
        });
        if peers.is_none() {
            self.log(
                "crossTab: no Web Locks or BroadcastChannel here; refreshing per tab",
                &JsValue::UNDEFINED,
            );
        }
        peers.map(Rc::new)
    }

    fn peers(&self) -> Option<Rc<Peers>> {
        self.running.borrow().as_ref()?.peers.clone()
    }

    fn signal(&self) -> web_sys::AbortSignal {
        let abort = self.flight.abort.take();
        let signal = abort.as_ref().map(AbortController::signal);
        self.flight.abort.set(abort);
        signal.unwrap_or_else(|| JsValue::UNDEFINED.unchecked_into())
    }

    fn carry_out(self: &Rc<Self>, command: Command<JsValue>) {
        let weak = Rc::downgrade(self);
        match command {
            Command::CheckSoon => soon(weak, Input::Check),
            Command::Begin => self.flight.abort.set(AbortController::new().ok()),
            Command::After { ticket, ms: 0 } => soon(weak, Input::Continue { ticket }),
            Command::After { ticket, ms } => {
                let timer = Timeout::new(ms, move || {
                    with(&weak, |inner| inner.feed(Input::Continue { ticket }))
                });
                self.flight.timer.set(Some(timer));
            }
            Command::RequestLock { ticket } => {
                let (peers, signal) = (self.peers(), self.signal());
                spawn(async move {
                    // Without peers (or a lock manager that failed) this tab goes on alone
                    // rather than wait forever; an aborted wait belongs to an abandoned refresh.
                    let held = match peers {
                        Some(peers) => peers.lock(&signal).await,
                        None => None,
                    };
                    if signal.aborted() {
                        return;
                    }
                    with(&weak, |inner| {
                        // A lock already held stays (a second grant cannot really come: the
                        // request queues behind this tab's own); the new one is let go.
                        let kept = inner.flight.lock.take();
                        inner.flight.lock.set(kept.or(held));
                        inner.feed(Input::LockGranted { ticket });
                    });
                });
            }
            Command::CallProvider {
                ticket,
                reason,
                timeout_ms,
            } => {
                // No embed, no provider call: a token nobody can use costs the app a request.
                let returned = self
                    .first_embed_error()
                    .map_or_else(|| provider::call(&self.config, reason, &self.signal()), Err);
                spawn(async move {
                    let answer = match returned {
                        Ok(returned) => provider::answer(returned, timeout_ms).await,
                        Err(failure) => Err(failure),
                    };
                    with(&weak, |inner| {
                        inner.feed(Input::Answered { ticket, answer })
                    });
                });
            }
            Command::SetToken {
                ticket,
                token,
                embeds,
            } => {
                if self.config.debug {
                    self.log("new token", &redact(&token).into());
                }
                self.call_embeds(&embeds, Call::SetToken, &token, move |results| {
                    Input::TokenSet { ticket, results }
                })
            }
            Command::Reload { ticket, embeds } => {
                self.call_embeds(&embeds, Call::Reload, "", move |results| Input::Reloaded {
                    ticket,
                    results,
                })
            }
            Command::Abort => {
                let abort = self.flight.abort.take();
                if let Some(abort) = abort {
                    abort.abort();
                }
            }
            Command::ReleaseLock { linger_ms } => {
                let lock = self.flight.lock.take();
                if let (Some(lock), true) = (lock, linger_ms > 0) {
                    spawn(async move {
                        let (linger, _timer) = timeout::sleep(linger_ms, &JsValue::UNDEFINED);
                        let _ = wasm_bindgen_futures::JsFuture::from(linger).await;
                        drop(lock);
                    });
                }
            }
            Command::ArmWake { in_ms } => {
                let timer = Timeout::new(in_ms, move || {
                    with(&weak, |inner| inner.feed(Input::Wake));
                });
                if let Some(running) = self.running.borrow_mut().as_mut() {
                    running.wake = Some(timer);
                }
            }
            Command::DisarmWake => {
                let wake = self
                    .running
                    .borrow_mut()
                    .as_mut()
                    .and_then(|r| r.wake.take());
                drop(wake);
            }
            Command::Hello => {
                if let Some(peers) = self.peers() {
                    peers.hello();
                }
            }
            Command::Publish { token, expires_at } => {
                if let Some(peers) = self.peers() {
                    peers.publish(&token, expires_at);
                }
            }
            Command::PublishFailure { code } => {
                if let Some(peers) = self.peers() {
                    peers.publish_failure(code);
                }
            }
            Command::Emit(event) => self.emit(event),
            Command::Settle(outcome) => {
                let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
                settle(waiters, outcome.as_deref());
            }
            Command::Stopped => {
                // Dropped outside the borrows: clearing a timer or closing a channel runs JS.
                let running = self.running.borrow_mut().take();
                let timer = self.flight.timer.take();
                drop((running, timer));
                self.kept.release();
            }
            Command::Log { message, detail } => {
                let detail = match detail {
                    Detail::None => JsValue::UNDEFINED,
                    Detail::Number(n) => JsValue::from_f64(n as f64),
                    Detail::Text(text) => text.into(),
                };
                self.log(message, &detail);
            }
        }
    }

    /// The first embed's error when none of those still on the page can be found.
    fn first_embed_error(&self) -> Option<RefreshError> {
        let mut first = None;
        for source in &self.config.sources {
            match embed::resolve(source) {
                Ok(_) => return None,
                Err(error) => first = first.or(Some(error)),
            }
        }
        first
    }

    /// Starts `call` on each of `embeds` at once (an embed that cannot be found is a
    /// `NoEmbed`), then feeds what they came to, all awaited against one deadline.
    fn call_embeds(
        self: &Rc<Self>,
        embeds: &[usize],
        call: Call,
        token: &str,
        input: impl FnOnce(Vec<(usize, Result<bool, RefreshError>)>) -> Input<JsValue> + 'static,
    ) {
        let mut started = Vec::with_capacity(embeds.len());
        for &index in embeds {
            let Some(source) = self.config.sources.get(index) else {
                continue;
            };
            let outcome = embed::resolve(source).map(|e| embed::start(&e, call, token));
            started.push((index, outcome));
        }
        let (weak, deadline) = (Rc::downgrade(self), self.config.set_token_timeout_ms);
        let input: Box<dyn FnOnce(_) -> _> = Box::new(input);
        spawn(async move {
            let results = awaited(started, call, deadline).await;
            with(&weak, |inner| inner.feed(input(results)));
        });
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
        let promise = Promise::new(&mut |resolve, reject| {
            let waiter = Waiter::Token { resolve, reject };
            self.waiters.borrow_mut().push(waiter);
        });
        let embed_token = self.embed_token();
        self.feed(Input::TokenWanted { embed_token });
        promise
    }

    /// Calls each handler with a plain object. A handler that throws does not stop the others,
    /// nor the refresher; with `debug` the exception is logged.
    fn emit(&self, event: Event<JsValue>) {
        use Value::{Num, Str};
        let ms = |ms: Millis| Num(ms as f64);
        let (name, object, cause) = match event {
            Event::Refreshed {
                expires_at,
                expires_in,
                reason,
                attempts,
            } => (
                EventName::Refreshed,
                events::object(&[
                    ("type", Str("refreshed")),
                    // ISO 8601, as GenerateToken writes it.
                    ("expiration", Str(&iso(expires_at))),
                    ("expiresAt", ms(expires_at)),
                    ("expiresInMs", ms(expires_in)),
                    ("reason", Str(reason.as_str())),
                    // Attempts this refresh took (1 when the first try worked).
                    ("attempts", Num(attempts.into())),
                ]),
                JsValue::UNDEFINED,
            ),
            Event::Error {
                failure,
                attempt,
                retry,
            } => {
                let fields = [
                    ("type", Str("error")),
                    ("code", Str(failure.code.as_str())),
                    ("message", Str(failure.message)),
                    // Failures in a row, this one included.
                    ("attempt", Num(attempt.into())),
                    ("retryAt", num(retry.map(|(at, _)| at as f64))),
                    ("retryInMs", num(retry.map(|(_, left)| left as f64))),
                    // Only when there are several embeds.
                    ("embedIndex", num(failure.embed.map(|i| i as f64))),
                ];
                let len = fields.len() - usize::from(failure.embed.is_none());
                (EventName::Error, events::object(&fields[..len]), failure.cause)
            }
            Event::Expired {
                expires_at,
                expired_for,
            } => (
                EventName::Expired,
                events::object(&[
                    ("type", Str("expired")),
                    ("expiration", Str(&expires_at.map(iso).unwrap_or_default())),
                    ("expiredForMs", ms(expired_for)),
                ]),
                JsValue::UNDEFINED,
            ),
            Event::ClockSkew { skew } => (
                EventName::Warning,
                events::object(&[
                    ("type", Str("warning")),
                    ("code", Str("ClockSkew")),
                    ("message", Str("this device's clock differs from the token issuer's; deadlines follow the issuer's")),
                    // The token issuer's clock minus this device's.
                    ("skewMs", ms(skew)),
                ]),
                JsValue::UNDEFINED,
            ),
        };
        if !cause.is_undefined() {
            let _ = Reflect::set(&object, &"cause".into(), &cause);
        }
        let handlers = self.handlers.borrow().of(name);
        for handler in handlers {
            if let Err(thrown) = handler.call1(&JsValue::UNDEFINED, &object) {
                self.log("an event handler threw", &thrown);
            }
        }
    }

    /// `on` (`add`) and `off` in one body: the name is checked once for both (bytes).
    fn listen(&self, name: &JsValue, handler: Function, add: bool) -> Result<(), JsValue> {
        let name = event_name(name)?;
        let mut handlers = self.handlers.borrow_mut();
        if add {
            handlers.add(name, handler);
        } else {
            handlers.remove(name, &handler);
        }
        Ok(())
    }

    fn log(&self, message: &str, detail: &JsValue) {
        debug_log::log(self.config.debug, message, detail);
    }
}

/// An embed's call as started: its promise and whether it really ran, or why it could not start.
type Started = (
    usize,
    Result<Result<(JsValue, bool), JsValue>, RefreshError>,
);

/// Every started call awaited against one deadline, `setAccessTokenTimeoutMs` from now:
/// `Ok(false)` for a call the embed skipped.
async fn awaited(
    started: Vec<Started>,
    call: Call,
    timeout_ms: u32,
) -> Vec<(usize, Result<bool, RefreshError>)> {
    let deadline = wall() + Millis::from(timeout_ms);
    let mut results = Vec::with_capacity(started.len());
    for (index, started) in started {
        let outcome = match started {
            Err(error) => Err(error),
            Ok(Ok((_, false))) => Ok(false),
            Ok(promise) => {
                let left = js_number::timer(deadline - wall());
                let promise = promise.map(|(promise, _)| promise);
                embed::outcome(promise, call, left).await.map(|()| true)
            }
        };
        results.push((index, outcome));
    }
    results
}

/// Runs `future` on the microtask queue. Boxed: one instantiation of the executor's task for
/// every future here, instead of one per future type (measured: bytes).
fn spawn(future: impl std::future::Future<Output = ()> + 'static) {
    let future: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> = Box::pin(future);
    wasm_bindgen_futures::spawn_local(future);
}

/// Feeds `input` in a microtask, if the refresher still exists.
fn soon(weak: Weak<Inner>, input: Input<JsValue>) {
    spawn(async move {
        with(&weak, |inner| inner.feed(input));
    });
}

/// Runs `f` if the refresher still exists (timers and listeners hold it weakly).
fn with(weak: &Weak<Inner>, f: impl FnOnce(&Rc<Inner>)) {
    if let Some(inner) = weak.upgrade() {
        f(&inner);
    }
}

/// Resolves every waiter: with the token (or `true`) on success, else with `false` (or a
/// rejection carrying `message`).
fn settle(waiters: Vec<Waiter>, outcome: Result<&str, &&str>) {
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
