//! The driver: owns the [`Machine`], hands it every input with the time on both clocks, and
//! carries out the commands it returns, one at a time. It keeps one timer for the machine's
//! deadline ([`Machine::poll_timeout`]), moved only when the deadline changes; what runs between
//! `start()` and `stop()` is one value ([`Running`]), what one refresh holds (abort signal, lock)
//! another ([`Flight`]). Dropping them undoes everything they armed.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use gloo_timers::callback::Timeout;
use js_sys::{Function, Promise};
use refresh_core::io::{Command, Detail, Input, Senses};
use refresh_core::machine::{Machine, Settings};
use refresh_core::redact::redact;
use refresh_core::{expiration, js_number, Millis};
use wasm_bindgen::prelude::*;
use web_sys::AbortController;

use crate::clock::wall;
use crate::cross_tab::{Held, Peers};
use crate::embed::{self, Call};
use crate::error::RefreshError;
use crate::handlers::{EventName, Handlers};
use crate::options::Config;
use crate::page::Page;
use crate::running::{Feed, Running};
use crate::waiters::{self, Outcome, Waiter};
use crate::{debug_log, expiration_value, jwt_claims, objects, provider, timeout};

pub struct Driver {
    pub config: Config,
    machine: RefCell<Machine<JsValue>>,
    pub handlers: RefCell<Handlers>,
    /// Promises waiting for the refresh in flight (`refreshNow()`, `accessTokenProvider`).
    pub waiters: RefCell<Vec<Waiter>>,
    /// `accessTokenProvider`, made on first use; holds the driver weakly.
    hook: RefCell<Option<Closure<dyn FnMut() -> Promise>>>,
    running: RefCell<Option<Running>>,
    flight: Flight,
    /// The one timer, for the machine's deadline.
    deadline: Cell<Option<Deadline>>,
    page: Page,
    /// Itself, while started.
    kept: Cell<Option<Rc<Driver>>>,
}

/// What the refresh in flight holds. Cells, not a `RefCell`: each field is only ever set or
/// taken whole, which cannot fail (no borrow check and its panic path: bytes).
#[derive(Default)]
struct Flight {
    abort: Cell<Option<AbortController>>,
    lock: Cell<Option<Held>>,
}

/// The timer armed for the machine's deadline, and that deadline (wall clock).
struct Deadline {
    at: Millis,
    _timer: Timeout,
}

/// How many refreshers are started (single-threaded: the atomic is only a safe `static`). A
/// started refresher must go on until `stop()`, like a `setInterval`, even when JavaScript drops
/// it (wasm-bindgen then frees the object): the driver holds itself while started, a cycle on
/// purpose; timers and listeners hold it weakly. Counted, not listed (a `thread_local!`'s checks
/// cost bytes).
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// How many refreshers are started; for tests.
pub fn started() -> usize {
    STARTED.load(Relaxed)
}

impl Driver {
    pub fn new(config: Config) -> Self {
        let settings = Settings {
            policy: config.policy,
            provider_timeout_ms: config.provider_timeout_ms,
            reload_after_expiry: config.reload_after_expiry,
            embeds: config.sources.len(),
            debug: config.debug,
        };
        let page = Page::new();
        let seed = page.seed();
        Self {
            config,
            machine: RefCell::new(Machine::new(settings, seed)),
            handlers: RefCell::default(),
            waiters: RefCell::default(),
            hook: RefCell::new(None),
            running: RefCell::new(None),
            flight: Flight::default(),
            deadline: Cell::new(None),
            page,
            kept: Cell::new(None),
        }
    }

    /// Hands `input` to the machine, then carries out what it says, one command at a time: a
    /// command may run JavaScript that feeds another input (a handler calling `stop()`), and the
    /// machine then decides what is left to do. Last, the timer follows the deadline.
    pub fn feed(self: &Rc<Self>, input: Input<JsValue>) {
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
        self.follow_deadline(&now);
    }

    /// Arms the timer for the machine's deadline when it moved (or fired), clears it when
    /// there is none.
    fn follow_deadline(self: &Rc<Self>, now: &impl Senses) {
        let at = self.machine.borrow().poll_timeout(now);
        let armed = self.deadline.take();
        let Some(at) = at else {
            return drop(armed);
        };
        if let Some(armed) = armed.filter(|armed| armed.at == at) {
            return self.deadline.set(Some(armed));
        }
        let weak = Rc::downgrade(self);
        let timer = Timeout::new(js_number::timer(at - wall()), move || {
            with(&weak, |driver| {
                // Fired: armed again by the feed, even for the same moment (a timer may fire a
                // moment before `Date.now()` reaches it, or be clamped to what it can hold).
                drop(driver.deadline.take());
                driver.feed(Input::Timeout);
            })
        });
        self.deadline.set(Some(Deadline { at, _timer: timer }));
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
    pub fn embed_token(&self) -> Option<String> {
        let found = self
            .config
            .sources
            .iter()
            .find_map(|s| embed::resolve(s).ok());
        found.and_then(|e| embed::current_token(&e))
    }

    pub fn start(self: &Rc<Self>) {
        if self.machine.borrow().running() {
            return;
        }
        let weak = Rc::downgrade(self);
        let feed: Feed = Rc::new(move |input| with(&weak, |driver| driver.feed(input)));
        let Some(running) = Running::start(&self.config, &feed) else {
            return;
        };
        if self.kept.replace(Some(Rc::clone(self))).is_none() {
            STARTED.fetch_add(1, Relaxed);
        }
        let peers = running.peers.is_some();
        *self.running.borrow_mut() = Some(running);
        self.feed(Input::Start { peers });
    }

    pub fn status(&self) -> JsValue {
        objects::status(&self.machine.borrow().status(wall()))
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

    /// Not inlined into `feed`: an idle tick carries out nothing, and measured, the one large
    /// function it would otherwise enter cost bytes.
    #[inline(never)]
    fn carry_out(self: &Rc<Self>, command: Command<JsValue>) {
        let weak = Rc::downgrade(self);
        match command {
            Command::Yield => spawn(async move { with(&weak, |d| d.feed(Input::Timeout)) }),
            Command::Begin => self.flight.abort.set(AbortController::new().ok()),
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
                    with(&weak, |driver| {
                        // A lock already held stays (a second grant cannot really come: the
                        // request queues behind this tab's own); the new one is let go.
                        let kept = driver.flight.lock.take();
                        driver.flight.lock.set(kept.or(held));
                        driver.feed(Input::LockGranted { ticket });
                    });
                });
            }
            Command::CallProvider {
                ticket,
                reason,
                timeout_ms,
            } => {
                // No embed, no provider call: a token nobody can use costs the app a request.
                let returned = embed::first_error(&self.config.sources)
                    .map_or_else(|| provider::call(&self.config, reason, &self.signal()), Err);
                spawn(async move {
                    let answer = match returned {
                        Ok(returned) => provider::answer(returned, timeout_ms).await,
                        Err(failure) => Err(failure),
                    };
                    with(&weak, |driver| {
                        driver.feed(Input::Answered { ticket, answer })
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
            Command::Settle(result) => {
                let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
                let outcome = match &result {
                    Ok(token) => Outcome::Token(token),
                    Err(message) => Outcome::Failed(message),
                };
                waiters::settle(waiters, outcome);
            }
            Command::Stopped => {
                // Dropped outside the borrows: clearing a timer or closing a channel runs JS.
                let running = self.running.borrow_mut().take();
                drop(running);
                // Dropped after the count: a drop may run JavaScript.
                let kept = self.kept.take();
                if kept.is_some() {
                    STARTED.fetch_sub(1, Relaxed);
                }
                drop(kept);
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

    /// Starts `call` on each of `embeds` at once, then feeds what they came to, all awaited
    /// against one deadline.
    fn call_embeds(
        self: &Rc<Self>,
        embeds: &[usize],
        call: Call,
        token: &str,
        input: impl FnOnce(Vec<(usize, Result<bool, RefreshError>)>) -> Input<JsValue> + 'static,
    ) {
        let started = embed::start_all(&self.config.sources, embeds, call, token);
        let (weak, deadline) = (Rc::downgrade(self), self.config.set_token_timeout_ms);
        let input: Box<dyn FnOnce(_) -> _> = Box::new(input);
        spawn(async move {
            let results = embed::awaited(started, call, deadline).await;
            with(&weak, |driver| driver.feed(input(results)));
        });
    }

    pub fn hook(self: &Rc<Self>) -> Function {
        let mut hook = self.hook.borrow_mut();
        let closure = hook.get_or_insert_with(|| {
            let weak = Rc::downgrade(self);
            Closure::new(move || match weak.upgrade() {
                Some(driver) => driver.token_for_hook(),
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
    fn emit(&self, event: refresh_core::io::Event<JsValue>) {
        let (name, object): (EventName, _) = objects::event(event);
        let handlers = self.handlers.borrow().of(name);
        for handler in handlers {
            if let Err(thrown) = handler.call1(&JsValue::UNDEFINED, &object) {
                self.log("an event handler threw", &thrown);
            }
        }
    }

    fn log(&self, message: &str, detail: &JsValue) {
        debug_log::log(self.config.debug, message, detail);
    }
}

/// Runs `future` on the microtask queue. Boxed: one instantiation of the executor's task for
/// every future here, instead of one per future type (measured: bytes).
fn spawn(future: impl std::future::Future<Output = ()> + 'static) {
    let future: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> = Box::pin(future);
    wasm_bindgen_futures::spawn_local(future);
}

/// Runs `f` if the driver still exists (timers and listeners hold it weakly).
fn with(weak: &Weak<Driver>, f: impl FnOnce(&Rc<Driver>)) {
    if let Some(driver) = weak.upgrade() {
        f(&driver);
    }
}
