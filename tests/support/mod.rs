//! The harness every browser test shares (each module of tests/browser, and
//! tests/powerbi_client.rs): the in-page fake `powerbi` (fake_powerbi.js), small helpers, checks
//! collected and reported at the end, and [`Env`], which cleans up after a test.
#![allow(dead_code)]

use std::cell::RefCell;
use std::fmt::Debug;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Date, Function, Object, Promise, Reflect};
use powerbi_token_refresh::TokenRefresher;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/tests/support/fake_powerbi.js")]
extern "C" {
    pub type Fake;

    #[wasm_bindgen(js_name = createFake)]
    pub fn create_fake(config_token: &str) -> Fake;

    #[wasm_bindgen(method, getter)]
    pub fn container(this: &Fake) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn powerbi(this: &Fake) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn embed(this: &Fake) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn embeds(this: &Fake) -> Array;
    #[wasm_bindgen(method, getter)]
    pub fn provider(this: &Fake) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn calls(this: &Fake) -> Array;
    #[wasm_bindgen(method, getter, js_name = globalCalls)]
    pub fn global_calls(this: &Fake) -> Array;
    #[wasm_bindgen(method, getter)]
    pub fn tokens(this: &Fake) -> Array;
    #[wasm_bindgen(method, getter)]
    pub fn events(this: &Fake) -> Array;
    #[wasm_bindgen(method, getter, js_name = handlerCalls)]
    pub fn handler_calls(this: &Fake) -> u32;

    #[wasm_bindgen(method, js_name = replaceEmbed)]
    pub fn replace_embed(this: &Fake, config_token: &str);
    #[wasm_bindgen(method, js_name = setHasEmbed)]
    pub fn set_has_embed(this: &Fake, has: bool);
    #[wasm_bindgen(method, js_name = setNext)]
    pub fn set_next(this: &Fake, how: &str);
    #[wasm_bindgen(method, js_name = settleSet)]
    pub fn settle_set(this: &Fake, index: u32, ok: bool);

    #[wasm_bindgen(method, js_name = answerValue)]
    pub fn answer_value(this: &Fake, value: &JsValue);
    #[wasm_bindgen(method, js_name = answerResolved)]
    pub fn answer_resolved(this: &Fake, value: &JsValue);
    #[wasm_bindgen(method, js_name = answerToken)]
    pub fn answer_token(this: &Fake, token: &str, expires_at: f64, form: &str);
    #[wasm_bindgen(method, js_name = answerThrow)]
    pub fn answer_throw(this: &Fake, message: &str);
    #[wasm_bindgen(method, js_name = answerReject)]
    pub fn answer_reject(this: &Fake, message: &str);
    #[wasm_bindgen(method, js_name = answerHang)]
    pub fn answer_hang(this: &Fake, honour_signal: bool);
    #[wasm_bindgen(method, js_name = settlePending)]
    pub fn settle_pending(this: &Fake, index: u32, value: &JsValue);
    #[wasm_bindgen(method, js_name = failPending)]
    pub fn fail_pending(this: &Fake, index: u32, message: &str);
    #[wasm_bindgen(method, js_name = answerForever)]
    pub fn answer_forever(this: &Fake, prefix: &str, lifetime_ms: f64);

    #[wasm_bindgen(method)]
    pub fn recorder(this: &Fake) -> Function;
    #[wasm_bindgen(method, js_name = throwingHandler)]
    pub fn throwing_handler(this: &Fake, message: &str) -> Function;
    #[wasm_bindgen(method, js_name = eventsOf)]
    pub fn events_of(this: &Fake, kind: &str) -> Array;
    #[wasm_bindgen(method)]
    pub fn count(this: &Fake, kind: &str) -> u32;
    #[wasm_bindgen(method, js_name = errorCodes)]
    pub fn error_codes(this: &Fake) -> Array;
    #[wasm_bindgen(method, js_name = callCount)]
    pub fn call_count(this: &Fake) -> u32;
    #[wasm_bindgen(method, js_name = signalAborted)]
    pub fn signal_aborted(this: &Fake, index: u32) -> bool;
    #[wasm_bindgen(method, js_name = signalIsAbortSignal)]
    pub fn signal_is_abort_signal(this: &Fake, index: u32) -> bool;

    #[wasm_bindgen(js_name = installGlobalProvider)]
    pub fn install_global_provider(fake: &Fake);
    #[wasm_bindgen(js_name = removeGlobalProvider)]
    pub fn remove_global_provider();
    #[wasm_bindgen(js_name = installGlobalPowerbi)]
    pub fn install_global_powerbi(fake: &Fake);
    #[wasm_bindgen(js_name = removeGlobalPowerbi)]
    pub fn remove_global_powerbi();

    #[wasm_bindgen(js_name = makeJwt)]
    pub fn make_jwt(exp_seconds: f64, subject: &str) -> String;
    #[wasm_bindgen(js_name = isoOf)]
    pub fn iso_of(ms: f64) -> String;

    #[wasm_bindgen(js_name = dispatchVisibilityChange)]
    pub fn dispatch_visibility_change();
    #[wasm_bindgen(js_name = setHidden)]
    pub fn set_hidden(hidden: JsValue);
    #[wasm_bindgen(js_name = serviceFor)]
    pub fn service_for(fakes: &Array) -> JsValue;
    #[wasm_bindgen(js_name = dispatchEmbedError)]
    pub fn dispatch_embed_error(container: &JsValue, detail: &JsValue);
    #[wasm_bindgen(js_name = postOnChannel)]
    pub fn post_on_channel(name: &str, data: &JsValue);
    #[wasm_bindgen(js_name = hideLocks)]
    pub fn hide_locks(hide: bool);
    #[wasm_bindgen(js_name = shiftDateNow)]
    pub fn shift_date_now(ms: f64);
    #[wasm_bindgen(js_name = dispatchOn)]
    pub fn dispatch_on(target: &str, name: &str);
    #[wasm_bindgen(js_name = setOnline)]
    pub fn set_online(online: JsValue);

    pub type ConsoleSpy;
    #[wasm_bindgen(js_name = spyConsole)]
    pub fn spy_console() -> ConsoleSpy;
    #[wasm_bindgen(method)]
    pub fn texts(this: &ConsoleSpy) -> Array;
    #[wasm_bindgen(method)]
    pub fn restore(this: &ConsoleSpy);

    pub type Uncaught;
    #[wasm_bindgen(js_name = trackUncaught)]
    pub fn track_uncaught() -> Uncaught;
    #[wasm_bindgen(method)]
    pub fn list(this: &Uncaught) -> Array;
    #[wasm_bindgen(method)]
    pub fn stop(this: &Uncaught);
}

pub const REPORT: &str = "report-1";
pub const GROUP: &str = "group-1";
pub const OPAQUE: &str = "opaque-initial-embed-token";
pub const MIN: f64 = 60_000.0;
pub const HOUR: f64 = 3_600_000.0;
/// `checkIntervalMs` unless a test says otherwise.
pub const INTERVAL: u32 = 20;
/// `retryDelayMs` unless a test says otherwise.
pub const RETRY: f64 = 10.0;
/// How long a wait for something that should happen may take before the check fails.
pub const WAIT_MS: f64 = 2_000.0;

// --- small helpers --------------------------------------------------------------------------

pub async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

pub fn now() -> f64 {
    Date::now()
}

pub fn some(text: &str) -> Option<String> {
    Some(text.to_string())
}

pub fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap_or_default()
}

pub fn text(value: &JsValue, key: &str) -> Option<String> {
    get(value, key).as_string()
}

pub fn num(value: &JsValue, key: &str) -> Option<f64> {
    get(value, key).as_f64()
}

pub fn has(value: &JsValue, key: &str) -> bool {
    Reflect::has(value, &key.into()).unwrap_or(false)
}

pub fn strings(array: &Array) -> Vec<String> {
    array
        .iter()
        .map(|v| v.as_string().unwrap_or_else(|| format!("{v:?}")))
        .collect()
}

pub fn numbers(array: &Array, key: &str) -> Vec<Option<f64>> {
    array.iter().map(|v| num(&v, key)).collect()
}

pub fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    Reflect::set(object, &key.into(), &value.into()).expect("Reflect.set on a plain object");
}

pub fn unset(object: &Object, key: &str) {
    Reflect::delete_property(object, &key.into()).expect("delete on a plain object");
}

pub fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (key, value) in pairs {
        set(&o, key, value.clone());
    }
    o.into()
}

/// `{ token, expiration }` with an ISO expiration, as GenerateToken answers.
pub fn answer(token: &str, expires_at: f64) -> JsValue {
    object(&[
        ("token", token.into()),
        ("expiration", iso_of(expires_at).into()),
    ])
}

/// A name no other test uses, for a `crossTab` key (the tests share one page).
pub fn unique(name: &str) -> String {
    format!("{name}-{}", js_sys::Math::random())
}

pub fn nth(array: &Array, index: u32) -> JsValue {
    array.get(index)
}

/// Options for a refresher on `fake`'s container, with short timers and the fake provider.
pub fn options_for(fake: &Fake) -> Object {
    let o = Object::new();
    set(&o, "container", fake.container());
    set(&o, "powerbi", fake.powerbi());
    set(&o, "reportId", REPORT);
    set(&o, "groupId", GROUP);
    set(&o, "getNewAccessToken", fake.provider());
    set(&o, "checkIntervalMs", INTERVAL);
    set(&o, "retryDelayMs", RETRY);
    // No loop guard unless a test is about it: these tests refresh many times a second.
    set(&o, "minRefreshGapMs", 0);
    set(&o, "providerTimeoutMs", 5_000);
    set(&o, "setAccessTokenTimeoutMs", 5_000);
    o
}

pub fn refresher(options: &Object) -> TokenRefresher {
    TokenRefresher::new(options.clone().unchecked_into()).expect("the options are valid")
}

/// A refresher whose "refreshed", "error" and "expired" events the fake records.
pub fn recorded(fake: &Fake, options: &Object) -> TokenRefresher {
    let r = refresher(options);
    for name in ["refreshed", "error", "expired"] {
        r.on(name.into(), fake.recorder())
            .expect("a known event name");
    }
    r
}

pub fn status(r: &TokenRefresher) -> JsValue {
    r.status()
}

/// The settled value of a promise, watched without awaiting it.
pub type Watched = Rc<RefCell<Option<Result<JsValue, JsValue>>>>;

pub fn watch(promise: Promise) -> Watched {
    let slot: Watched = Rc::default();
    let out = Rc::clone(&slot);
    wasm_bindgen_futures::spawn_local(async move {
        let settled = JsFuture::from(promise).await;
        *out.borrow_mut() = Some(settled);
    });
    slot
}

pub fn settled(w: &Watched) -> Option<Result<JsValue, JsValue>> {
    w.borrow().clone()
}

// --- checks that are reported at the end -----------------------------------------------------

#[derive(Default)]
pub struct Checks {
    pub failures: RefCell<Vec<String>>,
}

impl Checks {
    pub fn fail(&self, message: String) {
        self.failures.borrow_mut().push(message);
    }

    pub fn eq<T: PartialEq + Debug>(&self, what: &str, got: T, want: T) -> bool {
        let same = got == want;
        if !same {
            self.fail(format!("{what}: got {got:?}, want {want:?}"));
        }
        same
    }

    pub fn ok(&self, what: &str, condition: bool) -> bool {
        if !condition {
            self.fail(format!("{what}: not so"));
        }
        condition
    }

    /// Polls `condition` every few milliseconds, up to [`WAIT_MS`].
    pub async fn until(&self, what: &str, condition: impl Fn() -> bool) -> bool {
        self.until_within(what, WAIT_MS, condition).await
    }

    /// Polls `condition` every few milliseconds, up to `timeout_ms`.
    pub async fn until_within(
        &self,
        what: &str,
        timeout_ms: f64,
        condition: impl Fn() -> bool,
    ) -> bool {
        let deadline = now() + timeout_ms;
        loop {
            if condition() {
                return true;
            }
            if now() > deadline {
                self.fail(format!("gave up after {timeout_ms} ms waiting for {what}"));
                return false;
            }
            sleep(5).await;
        }
    }

    /// The end of every test: `started` refreshers still started (none leaked), nothing
    /// `thrown` at the page; then fails the test if any check failed.
    pub fn end(&self, started: usize, thrown: Vec<String>) {
        self.eq(
            "started refreshers at the end (TokenRefresher.startedCount)",
            TokenRefresher::started_count(),
            started,
        );
        self.eq(
            "uncaught exceptions and unhandled rejections",
            thrown,
            Vec::new(),
        );
        self.report();
    }

    pub fn report(&self) {
        let failures = self.failures.borrow();
        if !failures.is_empty() {
            panic!(
                "{} check(s) failed:\n  - {}",
                failures.len(),
                failures.join("\n  - ")
            );
        }
    }
}

/// One test's fake, checks and page watch.
pub struct Env {
    pub fake: Fake,
    pub c: Checks,
    pub started_before: usize,
    pub uncaught: Uncaught,
}

impl Env {
    pub fn new() -> Self {
        Self::with_embed_token(OPAQUE)
    }

    pub fn with_embed_token(config_token: &str) -> Self {
        Env {
            fake: create_fake(config_token),
            c: Checks::default(),
            started_before: TokenRefresher::started_count(),
            uncaught: track_uncaught(),
        }
    }

    pub fn options(&self) -> Object {
        options_for(&self.fake)
    }

    pub async fn finish(self, refreshers: &[&TokenRefresher]) {
        self.finish_leaving(0, refreshers).await;
    }

    /// Stops `refreshers`, expects `leaked` more started refreshers than before the test, no
    /// exception thrown at the page, then fails the test if any check failed.
    pub async fn finish_leaving(self, leaked: usize, refreshers: &[&TokenRefresher]) {
        for r in refreshers {
            r.stop();
        }
        sleep(1).await; // let anything the stop set in motion settle
        let thrown = strings(&self.uncaught.list());
        self.uncaught.stop();
        self.c.end(self.started_before + leaked, thrown);
    }
}
