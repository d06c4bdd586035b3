//! The refresher against the REAL powerbi-client (npm powerbi-client 2.24.1, loaded from the
//! stand-in server) and a local stand-in of the Power BI embed iframe (tests/standin/) that speaks
//! powerbi-client's postMessage protocol and lets a JWT expire as the service does: at its `exp`
//! it emits the error event `TokenExpired` and stays dead until the embed is loaded again.
//!
//! The checks are on what the stand-in received (its log: every token with the time it arrived
//! and its outcome) and on what powerbi-client holds, not only on the refresher's own events.
//! Tokens live a couple of seconds and the margin is a second, so each test takes seconds.
//!
//! Needs the stand-in server, and the browser settings in webdriver.json (scripts/test.sh):
//! `WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1 WASM_BINDGEN_TEST_TIMEOUT=120 node
//! tests/standin/with-standin.mjs wasm-pack test --headless --chrome --mode no-install --
//! --test powerbi_client`. The runner's default limit is 20 s for the whole file, and these
//! tests take about that. `STANDIN_PORT` moves the server and, read when this file is compiled,
//! the tests with it.
//!
//! As in tests/browser/, checks are collected and reported at the end, after cleanup (stop the
//! refreshers, remove the embeds), because with `panic = "abort"` a panic cleans nothing up.
//! That abort also poisons the page: the tests after a failed one fail with "cannot modify the
//! panic hook from a panicking thread". Read the first failure.

#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;

use js_sys::{Array, Function, Object};
use powerbi_token_refresh::TokenRefresher;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

mod support;
use support::{get, now, num, object, set, sleep, strings, text, track_uncaught, Checks, Uncaught};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/support/real_powerbi.js")]
extern "C" {
    #[wasm_bindgen(js_name = setStandinPort)]
    fn set_standin_port(port: u32);
    #[wasm_bindgen(catch, js_name = loadPowerbi)]
    async fn load_powerbi() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = embedReal)]
    async fn embed_real(kind: &str, token: &str, options: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = emptyContainer)]
    fn empty_container() -> JsValue;

    #[derive(Clone)]
    type RealEmbed;
    #[wasm_bindgen(method, getter)]
    fn container(this: &RealEmbed) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn embed(this: &RealEmbed) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = accessToken)]
    fn access_token(this: &RealEmbed) -> Option<String>;
    #[wasm_bindgen(method)]
    fn count(this: &RealEmbed, name: &str) -> u32;
    #[wasm_bindgen(method, js_name = eventsOf)]
    fn events_of(this: &RealEmbed, name: &str) -> Array;
    #[wasm_bindgen(method, catch)]
    async fn log(this: &RealEmbed) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    async fn configure(this: &RealEmbed, reply: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = askToken)]
    async fn ask_token(this: &RealEmbed) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = setAccessToken)]
    async fn set_access_token(this: &RealEmbed, token: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    async fn reload(this: &RealEmbed) -> Result<JsValue, JsValue>;
    /// The same `reload()`, not awaited: the page goes on at once.
    #[wasm_bindgen(method, js_name = reload)]
    fn start_reload(this: &RealEmbed) -> js_sys::Promise;
    #[wasm_bindgen(method, js_name = removeIframe)]
    fn remove_iframe(this: &RealEmbed);
    #[wasm_bindgen(method)]
    fn reset(this: &RealEmbed);
    #[wasm_bindgen(method)]
    fn remove(this: &RealEmbed);

    #[wasm_bindgen(js_name = jwtExpiringAt)]
    fn jwt_expiring_at(exp_ms: f64, subject: &str) -> String;
    #[wasm_bindgen(js_name = jwtExpMs)]
    fn jwt_exp_ms(token: &str) -> Option<f64>;

    type TokenSource;
    #[wasm_bindgen(js_name = jwtProvider)]
    fn jwt_provider(lifetime_ms: f64, prefix: &str, form: &str) -> TokenSource;
    #[wasm_bindgen(method, getter)]
    fn provider(this: &TokenSource) -> Function;
    #[wasm_bindgen(method, getter)]
    fn issued(this: &TokenSource) -> Array;
    #[wasm_bindgen(method, getter)]
    fn calls(this: &TokenSource) -> Array;

    type Recorder;
    #[wasm_bindgen(js_name = recorder)]
    fn new_recorder() -> Recorder;
    #[wasm_bindgen(method, getter)]
    fn handler(this: &Recorder) -> Function;
    #[wasm_bindgen(method)]
    fn count(this: &Recorder, kind: &str) -> u32;
    #[wasm_bindgen(method)]
    fn codes(this: &Recorder) -> Array;
    #[wasm_bindgen(method, js_name = ofType)]
    fn of_type(this: &Recorder, kind: &str) -> Array;

}

/// Lifetime of the tokens the provider mints in the keep-fresh tests.
const LIFETIME: f64 = 2_000.0;
/// `minutesBeforeExpiration` in ms for those tests: a refresh a second before expiry.
const MARGIN: f64 = 1_000.0;
const INTERVAL: u32 = 100;
const RETRY: u32 = 200;
/// How long a wait for something that should happen may take before the check fails.
const WAIT_MS: f64 = 5_000.0;

// --- small helpers --------------------------------------------------------------------------

/// A thrown JS value as text, for failure messages.
fn describe(error: &JsValue) -> String {
    text(error, "message").unwrap_or_else(|| format!("{error:?}"))
}

/// Tokens are never printed: a failure names them by where they came from.
struct Names {
    initial: String,
    issued: Vec<String>,
}

impl Names {
    fn of(&self, token: &str) -> String {
        if token == self.initial {
            return "initial".into();
        }
        match self.issued.iter().position(|t| t == token) {
            Some(i) => format!("issued#{}", i + 1),
            None => format!("unknown token of {} chars", token.len()),
        }
    }
}

// --- the stand-in's log ---------------------------------------------------------------------

/// One `setAccessToken` (or hook answer) as the stand-in received it.
#[derive(Debug, Clone)]
struct Received {
    token: String,
    at: f64,
    exp: Option<f64>,
    /// "accept", "reject", "hang", or "hook" (an accessTokenProvider answer).
    outcome: String,
    while_dead: bool,
}

#[derive(Debug, Default)]
struct StandinLog {
    tokens: Vec<Received>,
    loads: Vec<f64>,
    load_tokens: Vec<String>,
    dead: bool,
    expired_at: Option<f64>,
    hung: u32,
    /// "METHOD url" of every request powerbi-client sent to the iframe.
    requests: Vec<String>,
    hook_answers: Vec<(Option<f64>, JsValue)>,
}

impl StandinLog {
    fn read(log: &JsValue) -> Self {
        let list = |key: &str| -> Vec<JsValue> {
            get(log, key)
                .dyn_into::<Array>()
                .map(|a| a.iter().collect())
                .unwrap_or_default()
        };
        StandinLog {
            tokens: list("tokens")
                .iter()
                .map(|t| Received {
                    token: text(t, "token").unwrap_or_default(),
                    at: num(t, "at").unwrap_or(f64::NAN),
                    exp: num(t, "exp"),
                    outcome: text(t, "outcome").unwrap_or_default(),
                    while_dead: get(t, "whileDead").is_truthy(),
                })
                .collect(),
            loads: list("loads").iter().filter_map(JsValue::as_f64).collect(),
            load_tokens: list("loadRequests")
                .iter()
                .map(|l| text(l, "token").unwrap_or_default())
                .collect(),
            dead: get(log, "dead").is_truthy(),
            expired_at: num(log, "expiredAt"),
            hung: num(log, "hung").unwrap_or(0.0) as u32,
            requests: list("requests")
                .iter()
                .map(|r| {
                    format!(
                        "{} {}",
                        text(r, "method").unwrap_or_default(),
                        text(r, "url").unwrap_or_default()
                    )
                })
                .collect(),
            hook_answers: list("hookAnswers")
                .iter()
                .map(|h| (num(h, "statusCode"), get(h, "body")))
                .collect(),
        }
    }

    fn with_outcome(&self, outcome: &str) -> Vec<Received> {
        self.tokens
            .iter()
            .filter(|t| t.outcome == outcome)
            .cloned()
            .collect()
    }
}

/// One test's checks, embeds and page watch.
struct Env {
    c: Checks,
    embeds: RefCell<Vec<RealEmbed>>,
    containers: RefCell<Vec<JsValue>>,
    started_before: usize,
    uncaught: Uncaught,
}

impl Env {
    /// Loads the real powerbi.js from the stand-in (once per page); panics if it cannot, as
    /// nothing else in this file can run then.
    async fn new() -> Self {
        if let Some(port) = option_env!("STANDIN_PORT").and_then(|p| p.parse().ok()) {
            set_standin_port(port);
        }
        if let Err(e) = load_powerbi().await {
            panic!("{}", describe(&e));
        }
        Env {
            c: Checks::default(),
            embeds: RefCell::default(),
            containers: RefCell::default(),
            started_before: TokenRefresher::started_count(),
            uncaught: track_uncaught(),
        }
    }

    /// Embeds `kind` with the real powerbi-client and waits for `loaded`; `None` (a failed
    /// check) if that did not work.
    async fn embed(&self, kind: &str, token: &str, options: &JsValue) -> Option<RealEmbed> {
        match embed_real(kind, token, options).await {
            Ok(e) => {
                let e: RealEmbed = e.unchecked_into();
                self.embeds.borrow_mut().push(e.clone());
                Some(e)
            }
            Err(e) => {
                self.c
                    .fail(format!("embedding a {kind} failed: {}", describe(&e)));
                None
            }
        }
    }

    fn container(&self) -> JsValue {
        let c = empty_container();
        self.containers.borrow_mut().push(c.clone());
        c
    }

    /// The stand-in's log, or an empty one (and a failed check) if it did not answer.
    async fn log(&self, embed: &RealEmbed) -> StandinLog {
        match embed.log().await {
            Ok(log) => StandinLog::read(&log),
            Err(e) => {
                self.c
                    .fail(format!("reading the stand-in's log: {}", describe(&e)));
                StandinLog::default()
            }
        }
    }

    async fn configure(&self, embed: &RealEmbed, reply: &str) {
        if let Err(e) = embed.configure(reply).await {
            self.c
                .fail(format!("configuring the stand-in: {}", describe(&e)));
        }
    }

    /// Stops `refreshers`, removes every embed and container, checks that no refresher is left
    /// started and nothing was thrown at the page, then fails the test if any check failed.
    async fn finish(self, refreshers: &[&TokenRefresher]) {
        for r in refreshers {
            r.stop();
        }
        sleep(1).await;
        for e in self.embeds.borrow().iter() {
            e.remove();
        }
        for c in self.containers.borrow().iter() {
            if let Some(element) = c.dyn_ref::<web_sys::Element>() {
                element.remove();
            }
        }
        let thrown = strings(&self.uncaught.list());
        self.uncaught.stop();
        self.c.end(self.started_before, thrown);
    }
}

/// Options for a refresher on `container` (the global `window.powerbi`, the real one), with
/// `provider`, a margin of `margin_ms` and short timers.
fn options(container: &JsValue, provider: &Function, margin_ms: f64) -> Object {
    let o = Object::new();
    set(&o, "container", container.clone());
    set(&o, "reportId", "report-1");
    set(&o, "groupId", "group-1");
    set(&o, "getNewAccessToken", provider.clone());
    set(&o, "minutesBeforeExpiration", margin_ms / 60_000.0);
    set(&o, "checkIntervalMs", INTERVAL);
    set(&o, "retryDelayMs", RETRY);
    set(&o, "maxRetryDelayMs", 1_000);
    // Refreshes here are about a second apart; the default loop guard (seconds) would hold
    // them back.
    set(&o, "minRefreshGapMs", 100);
    set(&o, "providerTimeoutMs", 2_000);
    set(&o, "setAccessTokenTimeoutMs", 1_000);
    o
}

/// A started refresher whose "refreshed", "error" and "expired" events `recorder` records.
fn started(options: &Object, recorder: &Recorder) -> TokenRefresher {
    let r = TokenRefresher::new(options.clone().unchecked_into()).expect("the options are valid");
    for name in ["refreshed", "error", "expired"] {
        r.on(name.into(), recorder.handler())
            .expect("a known event name");
    }
    r.start();
    r
}

fn codes(recorder: &Recorder) -> Vec<String> {
    strings(&recorder.codes())
}

// --- 1. every embed type is kept fresh ---------------------------------------------------------

/// Embeds `kind` with a token that lives [`LIFETIME`], lets the refresher run until both that
/// token and the first new one would have expired, then checks what the stand-in received:
/// every new token, in order, each before the one it replaced expired; no reload; never dead.
async fn keeps_fresh(kind: &str) {
    let env = Env::new().await;
    let c = &env.c;
    let initial_exp = now() + LIFETIME;
    let initial = jwt_expiring_at(initial_exp, &format!("{kind}-initial"));
    let Some(embed) = env.embed(kind, &initial, &JsValue::UNDEFINED).await else {
        return env.finish(&[]).await;
    };
    let source = jwt_provider(LIFETIME, kind, "generate-token");
    let events = new_recorder();
    let r = started(
        &options(&embed.container(), &source.provider(), MARGIN),
        &events,
    );

    c.until_within("two refreshes", 3.0 * LIFETIME, || {
        events.count("refreshed") >= 2
    })
    .await;
    // Past the expiry of the initial token and of the first new one.
    let first_new_exp = now() + LIFETIME; // an upper bound if the wait above failed
    let first_new_exp = source
        .issued()
        .get(0)
        .as_string()
        .and_then(|t| jwt_exp_ms(&t))
        .unwrap_or(first_new_exp);
    // Refreshes come about every LIFETIME - MARGIN, one of them near that expiry: stop halfway
    // to the next, so that stop() rarely abandons a refresh in flight.
    c.until_within("the first new token's expiry", 2.0 * LIFETIME, || {
        now() > first_new_exp + (LIFETIME - MARGIN) / 2.0
    })
    .await;
    r.stop();
    sleep(20).await; // a setAccessToken in flight lands

    let log = env.log(&embed).await;
    let issued = strings(&source.issued());
    let names = Names {
        initial: initial.clone(),
        issued: issued.clone(),
    };
    c.eq("loads (no reload)", log.loads.len(), 1);
    c.eq(
        "the token the stand-in loaded with",
        log.load_tokens.iter().map(|t| names.of(t)).collect(),
        vec!["initial".to_string()],
    );
    c.ok(
        &format!(
            "the stand-in never went dead (dead {}, expiredAt {:?})",
            log.dead, log.expired_at
        ),
        !log.dead && log.expired_at.is_none(),
    );
    let received: Vec<String> = log.tokens.iter().map(|t| names.of(&t.token)).collect();
    let outcomes: Vec<&str> = log.tokens.iter().map(|t| t.outcome.as_str()).collect();
    c.ok(
        &format!("all accepted ({outcomes:?})"),
        outcomes.iter().all(|o| *o == "accept"),
    );
    c.ok(
        &format!("at least 2 new tokens received ({received:?})"),
        log.tokens.len() >= 2,
    );
    // Every token the provider issued reached the stand-in, in order (the last one may have
    // been abandoned by stop() between the provider and setAccessToken).
    let expected: Vec<String> = issued.iter().map(|t| names.of(t)).collect();
    c.ok(
        &format!("received {received:?} = issued {expected:?} (but maybe the last)"),
        expected.starts_with(&received) && received.len() + 1 >= expected.len(),
    );
    let mut previous_exp = initial_exp;
    for (i, t) in log.tokens.iter().enumerate() {
        c.ok(
            &format!(
                "token {} arrived {:.0} ms before the previous one expired",
                names.of(&t.token),
                previous_exp - t.at
            ),
            t.at < previous_exp,
        );
        c.ok(&format!("token #{} carries an exp", i + 1), t.exp.is_some());
        previous_exp = t.exp.unwrap_or(f64::NAN);
    }
    c.eq(
        "powerbi-client holds the last token received",
        embed.access_token().map(|t| names.of(&t)),
        log.tokens.last().map(|t| names.of(&t.token)),
    );
    c.eq("error events raised by the embed", embed.count("error"), 0);
    c.eq("refresher errors", codes(&events), Vec::<String>::new());
    c.eq("refresher expired events", events.count("expired"), 0);
    // A token that reached the stand-in just as stop() abandoned its refresh has no event.
    let refreshed = events.count("refreshed") as usize;
    c.ok(
        &format!(
            "refreshed events ({refreshed}) = tokens received ({}), but maybe the last",
            log.tokens.len()
        ),
        refreshed == log.tokens.len() || refreshed + 1 == log.tokens.len(),
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn keeps_a_report_fresh() {
    keeps_fresh("report").await;
}

#[wasm_bindgen_test]
async fn keeps_a_dashboard_fresh() {
    keeps_fresh("dashboard").await;
}

#[wasm_bindgen_test]
async fn keeps_a_tile_fresh() {
    keeps_fresh("tile").await;
}

#[wasm_bindgen_test]
async fn keeps_a_visual_fresh() {
    keeps_fresh("visual").await;
}

#[wasm_bindgen_test]
async fn keeps_a_qna_fresh() {
    keeps_fresh("qna").await;
}

// --- 2. the embed refuses or ignores the new token ------------------------------------------

/// The first token lives `INITIAL` and the margin is `EARLY`: the first refresh starts about
/// half a second after start, leaving seconds for failures and a retry before it expires.
const INITIAL: f64 = 3_000.0;
const EARLY: f64 = 2_500.0;

#[wasm_bindgen_test]
async fn a_rejected_set_access_token_is_an_error_then_a_retry_succeeds() {
    let env = Env::new().await;
    let c = &env.c;
    let initial_exp = now() + INITIAL;
    let initial = jwt_expiring_at(initial_exp, "reject-initial");
    let Some(embed) = env.embed("report", &initial, &JsValue::UNDEFINED).await else {
        return env.finish(&[]).await;
    };
    env.configure(&embed, "reject").await;
    let source = jwt_provider(INITIAL, "reject", "generate-token");
    let events = new_recorder();
    let r = started(
        &options(&embed.container(), &source.provider(), EARLY),
        &events,
    );

    c.until_within("an error event", WAIT_MS, || events.count("error") >= 1)
        .await;
    let e = events.of_type("error").get(0);
    c.eq(
        "error.code",
        text(&e, "code"),
        Some("SetAccessTokenFailed".into()),
    );
    // `cause` is the IError body of the stand-in's 403, as powerbi-client rejects with it.
    let cause = get(&e, "cause");
    c.eq(
        "cause.errorCode",
        text(&cause, "errorCode"),
        Some("403".into()),
    );
    c.eq(
        "cause.message",
        text(&cause, "message"),
        Some("Failed to set the access token".into()),
    );
    c.ok("error.retryInMs is set", num(&e, "retryInMs").is_some());
    let before = env.log(&embed).await;
    c.ok(
        "the stand-in rejected at least one token",
        !before.with_outcome("reject").is_empty() && before.with_outcome("accept").is_empty(),
    );
    c.eq(
        "powerbi-client kept the initial token",
        embed.access_token().as_deref(),
        Some(initial.as_str()),
    );

    let (log, _) = accepts_again(&env, &embed, &r, &events, &source, (&initial, initial_exp)).await;
    c.ok(
        &format!(
            "every rejected token came before the accepted one ({:?})",
            log.tokens.iter().map(|t| &t.outcome).collect::<Vec<_>>()
        ),
        log.tokens.last().is_some_and(|t| t.outcome == "accept"),
    );
    c.ok("the stand-in never went dead", !log.dead);
    let refreshed = events.of_type("refreshed").get(0);
    let attempts = num(&refreshed, "attempts").unwrap_or(0.0);
    c.ok(
        &format!("refreshed.attempts {attempts} counts the rejected tries"),
        attempts as usize == log.tokens.len() && attempts >= 2.0,
    );
    c.ok(
        "only SetAccessTokenFailed errors",
        codes(&events)
            .iter()
            .all(|code| code == "SetAccessTokenFailed"),
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn an_unanswered_set_access_token_times_out_then_a_retry_succeeds() {
    let env = Env::new().await;
    let c = &env.c;
    let initial_exp = now() + INITIAL;
    let initial = jwt_expiring_at(initial_exp, "hang-initial");
    let Some(embed) = env.embed("report", &initial, &JsValue::UNDEFINED).await else {
        return env.finish(&[]).await;
    };
    env.configure(&embed, "hang").await;
    let source = jwt_provider(INITIAL, "hang", "generate-token");
    let events = new_recorder();
    let o = options(&embed.container(), &source.provider(), EARLY);
    set(&o, "setAccessTokenTimeoutMs", 300);
    let r = started(&o, &events);

    c.until_within("an error event", WAIT_MS, || events.count("error") >= 1)
        .await;
    // Retries may have started meanwhile: each one hangs too, until the switch below.
    let errors = codes(&events);
    c.ok(
        &format!("only SetAccessTokenTimeout errors ({errors:?})"),
        errors.iter().all(|code| code == "SetAccessTokenTimeout"),
    );
    let before = env.log(&embed).await;
    c.ok(
        &format!("token requests left hanging: {}", before.hung),
        before.hung >= 1 && before.hung as usize == before.tokens.len(),
    );
    c.eq(
        "powerbi-client kept the initial token",
        embed.access_token().as_deref(),
        Some(initial.as_str()),
    );

    let (log, names) =
        accepts_again(&env, &embed, &r, &events, &source, (&initial, initial_exp)).await;
    c.ok("the stand-in never went dead", !log.dead);
    c.ok(
        &format!(
            "every token issued reached the stand-in ({})",
            names.issued.len()
        ),
        names.issued.len() == log.tokens.len(),
    );
    c.ok(
        "only the last token was answered",
        log.tokens.iter().rev().skip(1).all(|t| t.outcome == "hang"),
    );
    env.finish(&[&r]).await;
}

/// The stand-in answers again: the next refresh lands once, before the initial token (`initial`:
/// the token and its expiry) expired, it is the last token issued, and powerbi-client holds it.
async fn accepts_again(
    env: &Env,
    embed: &RealEmbed,
    r: &TokenRefresher,
    events: &Recorder,
    source: &TokenSource,
    initial: (&str, f64),
) -> (StandinLog, Names) {
    let (c, (initial, initial_exp)) = (&env.c, initial);
    env.configure(embed, "accept").await;
    c.until_within("a refreshed event after answering again", WAIT_MS, || {
        events.count("refreshed") >= 1
    })
    .await;
    r.stop();
    let log = env.log(embed).await;
    let names = Names {
        initial: initial.to_string(),
        issued: strings(&source.issued()),
    };
    let accepted = log.with_outcome("accept");
    c.eq("tokens accepted", accepted.len(), 1);
    if let Some(t) = accepted.first() {
        c.ok(
            &format!(
                "{} accepted {:.0} ms before the initial token expired",
                names.of(&t.token),
                initial_exp - t.at
            ),
            t.at < initial_exp,
        );
        c.eq(
            "the accepted token is the last one issued",
            names.of(&t.token),
            format!("issued#{}", names.issued.len()),
        );
        c.eq(
            "powerbi-client holds the accepted token",
            embed.access_token().map(|a| names.of(&a)),
            Some(names.of(&t.token)),
        );
    }
    (log, names)
}

// --- 3. nothing to refresh ------------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_container_without_an_embed_is_no_embed_and_the_provider_is_not_asked() {
    let env = Env::new().await;
    let c = &env.c;
    let container = env.container();
    let source = jwt_provider(INITIAL, "none", "generate-token");
    let events = new_recorder();
    let r = started(&options(&container, &source.provider(), EARLY), &events);

    c.until_within("an error event", WAIT_MS, || events.count("error") >= 1)
        .await;
    let e = events.of_type("error").get(0);
    c.eq("error.code", text(&e, "code"), Some("NoEmbed".into()));
    // The cause is what the real powerbi.get(container) threw.
    let cause = describe(&get(&e, "cause"));
    c.ok(
        &format!("cause is powerbi-client's \"no associated instance\" error: {cause:?}"),
        cause.contains("there was no associated instance"),
    );
    sleep(2 * RETRY).await;
    c.eq("provider calls", source.calls().length(), 0);
    c.eq("refreshed events", events.count("refreshed"), 0);
    env.finish(&[&r]).await;
}

/// An embed of `kind` with a token living [`INITIAL`], and a started refresher (margin
/// [`EARLY`]) that has refreshed it once; `None` (a failed check) if that did not happen.
struct Refreshing {
    embed: RealEmbed,
    source: TokenSource,
    events: Recorder,
    r: TokenRefresher,
}

async fn refreshed_once(env: &Env, kind: &str, name: &str) -> Option<Refreshing> {
    let initial = jwt_expiring_at(now() + INITIAL, &format!("{name}-initial"));
    let embed = env.embed(kind, &initial, &JsValue::UNDEFINED).await?;
    let source = jwt_provider(INITIAL, name, "generate-token");
    let events = new_recorder();
    let r = started(
        &options(&embed.container(), &source.provider(), EARLY),
        &events,
    );
    env.c
        .until_within("the first refresh", WAIT_MS, || {
            events.count("refreshed") == 1
        })
        .await;
    Some(Refreshing {
        embed,
        source,
        events,
        r,
    })
}

#[wasm_bindgen_test]
async fn an_iframe_removed_mid_life_is_a_named_error_not_an_exception() {
    let env = Env::new().await;
    let c = &env.c;
    let Some(Refreshing {
        embed, events, r, ..
    }) = refreshed_once(&env, "report", "gone").await
    else {
        return env.finish(&[]).await;
    };
    let log = env.log(&embed).await;
    c.eq(
        "tokens the stand-in accepted",
        log.with_outcome("accept").len(),
        1,
    );

    // The page drops the iframe but powerbi-client still knows the embed.
    embed.remove_iframe();
    let refreshed = JsFuture::from(r.refresh_now()).await;
    c.eq("refreshNow() resolves", refreshed.is_ok(), true);
    c.eq(
        "refreshNow() answers false",
        refreshed.ok().and_then(|v| v.as_bool()),
        Some(false),
    );
    // powerbi-client posts to `iframe.contentWindow`, now null: its setAccessToken rejects
    // (with `undefined`), which is SetAccessTokenFailed.
    c.eq(
        "error codes",
        codes(&events),
        vec!["SetAccessTokenFailed".to_string()],
    );
    c.eq("refreshed events", events.count("refreshed"), 1);
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn an_embed_reset_mid_life_is_no_embed() {
    let env = Env::new().await;
    let c = &env.c;
    let Some(Refreshing {
        embed,
        source,
        events,
        r,
    }) = refreshed_once(&env, "dashboard", "reset").await
    else {
        return env.finish(&[]).await;
    };
    embed.reset(); // powerbi.reset(container): the embed and its iframe are gone
    let calls = source.calls().length();
    let refreshed = JsFuture::from(r.refresh_now()).await;
    c.eq(
        "refreshNow() answers false",
        refreshed.ok().and_then(|v| v.as_bool()),
        Some(false),
    );
    c.eq("error codes", codes(&events), vec!["NoEmbed".to_string()]);
    c.eq(
        "provider calls after the reset",
        source.calls().length(),
        calls,
    );
    env.finish(&[&r]).await;
}

// --- 4. the stand-in itself: expiry, reload and the token hook, with the real client ---------
// No refresher here: these pin down the protocol facts the refresher's tests rely on.

#[wasm_bindgen_test]
async fn the_stand_in_expires_a_token_and_only_a_reload_revives_it() {
    let env = Env::new().await;
    let c = &env.c;
    let initial = jwt_expiring_at(now() + 60_000.0, "long");
    let Some(embed) = env.embed("report", &initial, &JsValue::UNDEFINED).await else {
        return env.finish(&[]).await;
    };
    // A token that expires soon, handed over by the real client; then nothing.
    let exp = now() + 300.0;
    let short = jwt_expiring_at(exp, "dies");
    if let Err(e) = embed.set_access_token(&short).await {
        c.fail(format!("setAccessToken rejected: {}", describe(&e)));
    }
    c.until_within("the embed's error event", WAIT_MS, || {
        embed.count("error") >= 1
    })
    .await;
    let detail = get(&embed.events_of("error").get(0), "detail");
    c.eq(
        "error.errorCode",
        text(&detail, "errorCode"),
        Some("TokenExpired".into()),
    );
    c.eq(
        "error.message",
        text(&detail, "message"),
        Some("TokenExpired".into()),
    );
    c.eq("error.level", num(&detail, "level"), Some(6.0));
    let log = env.log(&embed).await;
    c.ok("dead", log.dead);
    c.ok(
        &format!("expiredAt {:?} is the token's exp {exp}", log.expired_at),
        log.expired_at.is_some_and(|at| (at - exp).abs() < 1.0),
    );

    // A new token is accepted but does not revive it.
    let fresh = jwt_expiring_at(now() + 60_000.0, "fresh");
    if let Err(e) = embed.set_access_token(&fresh).await {
        c.fail(format!(
            "setAccessToken while dead rejected: {}",
            describe(&e)
        ));
    }
    let log = env.log(&embed).await;
    c.ok("still dead after a new token", log.dead);
    c.ok(
        "the new token was accepted while dead",
        log.tokens
            .last()
            .is_some_and(|t| t.outcome == "accept" && t.while_dead),
    );
    c.eq("loaded events so far", embed.count("loaded"), 1);

    // reload() posts the load again, with the token setAccessToken stored in the config.
    sleep(120).await; // powerbi-client drops a load within 100 ms of the previous one
    if let Err(e) = embed.reload().await {
        c.fail(format!("reload rejected: {}", describe(&e)));
    }
    c.until_within("a second loaded event", WAIT_MS, || {
        embed.count("loaded") == 2
    })
    .await;
    let log = env.log(&embed).await;
    c.ok("alive after reload", !log.dead);
    c.eq("loads", log.loads.len(), 2);
    c.eq(
        "the reload carried the new token",
        log.load_tokens.get(1).map(|t| t == &fresh),
        Some(true),
    );
    c.eq(
        "requests from powerbi-client",
        log.requests,
        vec![
            "POST /report/load".to_string(),
            "POST /report/token".to_string(),
            "POST /report/token".to_string(),
            "POST /report/load".to_string(),
        ],
    );
    env.finish(&[]).await;
}

#[wasm_bindgen_test]
async fn the_stand_in_asks_for_a_token_through_the_access_token_provider_hook() {
    let env = Env::new().await;
    let c = &env.c;
    let hook = jwt_provider(60_000.0, "hook", "jwt");
    let initial = jwt_expiring_at(now() + 60_000.0, "aad-initial");
    // accessTokenProvider: only with tokenType Aad (0) and a report.
    let options = object(&[
        ("tokenType", 0.into()),
        (
            "eventHooks",
            object(&[("accessTokenProvider", hook.provider().into())]),
        ),
    ]);
    let Some(embed) = env.embed("report", &initial, &options).await else {
        return env.finish(&[]).await;
    };
    match embed.ask_token().await {
        Ok(answer) => {
            c.eq(
                "hook answer status",
                num(&answer, "statusCode"),
                Some(200.0),
            );
            c.eq(
                "hook answer is the token the hook made",
                text(&answer, "body"),
                hook.issued().get(0).as_string(),
            );
        }
        Err(e) => c.fail(format!("askToken: {}", describe(&e))),
    }
    c.eq("hook calls", hook.calls().length(), 1);
    let log = env.log(&embed).await;
    c.eq("hook answers recorded", log.hook_answers.len(), 1);
    c.eq(
        "the hook's token is held",
        log.tokens.last().map(|t| t.outcome.clone()),
        Some("hook".into()),
    );
    // powerbi-client does not store a hook's token in the embed's config.
    c.eq(
        "config.accessToken after the hook",
        embed.access_token().as_deref(),
        Some(initial.as_str()),
    );

    // Without a hook powerbi-client answers 404.
    let plain = jwt_expiring_at(now() + 60_000.0, "plain");
    if let Some(other) = env.embed("report", &plain, &JsValue::UNDEFINED).await {
        let status = other
            .ask_token()
            .await
            .ok()
            .and_then(|a| num(&a, "statusCode"));
        c.eq("hook status without a hook", status, Some(404.0));
    }
    // With an Embed token (tokenType 1) powerbi.embed refuses the hook.
    let embed_token = object(&[(
        "eventHooks",
        object(&[("accessTokenProvider", hook.provider().into())]),
    )]);
    match embed_real("report", &plain, &embed_token).await {
        Ok(e) => {
            e.unchecked_into::<RealEmbed>().remove();
            c.fail("an Embed token with accessTokenProvider was accepted".into());
        }
        Err(e) => {
            let why = describe(&e);
            c.ok(
                &format!("refused as \"only supported in report SaaS embed\": {why}"),
                why.contains("only supported in report SaaS embed"),
            );
        }
    }
    env.finish(&[]).await;
}

// --- 5. several embeds, recovery after expiry, the pull hook ------------------------------------

#[wasm_bindgen_test]
async fn one_refresher_keeps_several_embeds_fresh_with_one_provider_call_each_time() {
    let env = Env::new().await;
    let c = &env.c;
    let initial_exp = now() + LIFETIME;
    let initial = jwt_expiring_at(initial_exp, "shared-initial");
    let (Some(report), Some(dashboard)) = (
        env.embed("report", &initial, &JsValue::UNDEFINED).await,
        env.embed("dashboard", &initial, &JsValue::UNDEFINED).await,
    ) else {
        return env.finish(&[]).await;
    };
    let source = jwt_provider(LIFETIME, "shared", "generate-token");
    let events = new_recorder();
    let containers = Array::of2(&report.container(), &dashboard.container());
    let o = options(&JsValue::NULL, &source.provider(), MARGIN);
    set(&o, "container", containers);
    let r = started(&o, &events);
    c.until_within("two refreshes", 3.0 * LIFETIME, || {
        events.count("refreshed") >= 2
    })
    .await;
    r.stop();
    sleep(20).await;
    let issued = strings(&source.issued());
    c.eq(
        "provider calls = tokens issued (one per refresh, not one per embed)",
        source.calls().length() as usize,
        issued.len(),
    );
    for (name, embed) in [("report", &report), ("dashboard", &dashboard)] {
        let log = env.log(embed).await;
        let received: Vec<&str> = log.tokens.iter().map(|t| t.token.as_str()).collect();
        c.ok(
            &format!("{name}: received every token issued, in order (but maybe the last)"),
            issued
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .starts_with(&received)
                && received.len() + 1 >= issued.len()
                && received.len() >= 2,
        );
        c.ok(&format!("{name}: never dead"), !log.dead);
    }
    c.eq("refresher errors", codes(&events), Vec::<String>::new());
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn one_refresher_per_container_each_keeps_its_own_embed_fresh() {
    let env = Env::new().await;
    let c = &env.c;
    let initial_exp = now() + LIFETIME;
    let (Some(a), Some(b)) = (
        env.embed(
            "report",
            &jwt_expiring_at(initial_exp, "a-0"),
            &JsValue::UNDEFINED,
        )
        .await,
        env.embed(
            "report",
            &jwt_expiring_at(initial_exp, "b-0"),
            &JsValue::UNDEFINED,
        )
        .await,
    ) else {
        return env.finish(&[]).await;
    };
    let (source_a, source_b) = (
        jwt_provider(LIFETIME, "a", "generate-token"),
        jwt_provider(LIFETIME, "b", "jwt"),
    );
    let events = new_recorder();
    let ra = started(
        &options(&a.container(), &source_a.provider(), MARGIN),
        &events,
    );
    let rb = started(
        &options(&b.container(), &source_b.provider(), MARGIN),
        &events,
    );
    c.until_within("two refreshes each", 3.0 * LIFETIME, || {
        events.count("refreshed") >= 4
    })
    .await;
    ra.stop();
    rb.stop();
    sleep(20).await;
    for (name, embed, source) in [("a", &a, &source_a), ("b", &b, &source_b)] {
        let log = env.log(embed).await;
        let issued = strings(&source.issued());
        c.ok(
            &format!("{name}: only its own provider's tokens, at least 2"),
            log.tokens.len() >= 2 && log.tokens.iter().all(|t| issued.contains(&t.token)),
        );
        c.ok(&format!("{name}: never dead"), !log.dead);
    }
    env.finish(&[&ra, &rb]).await;
}

/// A report embedded with a token that expires 300 ms later, once the stand-in has declared it
/// expired; with that expiration.
async fn dead_report(env: &Env) -> Option<(RealEmbed, f64)> {
    let exp = now() + 300.0;
    let embed = env
        .embed(
            "report",
            &jwt_expiring_at(exp, "stale"),
            &JsValue::UNDEFINED,
        )
        .await?;
    env.c
        .until_within("the stand-in's token expires", WAIT_MS, || {
            embed.count("error") >= 1
        })
        .await;
    Some((embed, exp))
}

#[wasm_bindgen_test]
async fn a_report_opened_with_an_expired_token_is_refreshed_then_reloaded_and_revives() {
    let env = Env::new().await;
    let c = &env.c;
    let Some((embed, exp)) = dead_report(&env).await else {
        return env.finish(&[]).await;
    };
    let before = env.log(&embed).await;
    c.ok("dead before the refresher starts", before.dead);
    let source = jwt_provider(60_000.0, "revive", "generate-token");
    let events = new_recorder();
    let o = options(&embed.container(), &source.provider(), MARGIN);
    set(&o, "expiration", exp);
    let r = started(&o, &events);
    c.until_within("a refreshed event", WAIT_MS, || {
        events.count("refreshed") == 1
    })
    .await;
    c.until_within("the stand-in loads again", WAIT_MS, || {
        embed.count("loaded") >= 2
    })
    .await;
    let log = env.log(&embed).await;
    c.eq("loads: the first and the reload", log.loads.len(), 2);
    c.ok("alive after the reload", !log.dead);
    c.eq(
        "the reload carried the new token",
        log.load_tokens.last().cloned(),
        strings(&source.issued()).first().cloned(),
    );
    c.eq("expired events", events.count("expired"), 1);
    c.eq(
        "reason",
        text(&source.calls().get(0), "reason"),
        Some("expired".into()),
    );
    env.finish(&[&r]).await;
}

/// Regression: powerbi-client's `load()` (which `reload()` calls) returns quietly when the
/// embed's previous load request is under 100 ms old. With an expired token and a provider that
/// answers at once (MSAL from its cache), the refresher's reload came within that window and the
/// report stayed dead; it must be tried again until it really happens.
#[wasm_bindgen_test]
async fn a_reload_that_powerbi_client_skips_is_tried_again_and_the_report_revives() {
    let env = Env::new().await;
    let c = &env.c;
    let Some((embed, exp)) = dead_report(&env).await else {
        return env.finish(&[]).await;
    };
    let source = jwt_provider(60_000.0, "fast", "generate-token");
    let events = new_recorder();
    let o = options(&embed.container(), &source.provider(), MARGIN);
    set(&o, "expiration", exp);
    // The page loads the report again itself, and starts the refresher in the same task: the
    // refresher's reload comes well within 100 ms of that load.
    let _ = embed.start_reload();
    let r = started(&o, &events);
    c.until_within("a refreshed event", WAIT_MS, || {
        events.count("refreshed") == 1
    })
    .await;
    c.until_within("the report loads with the new token", WAIT_MS, || {
        embed.count("loaded") >= 2
    })
    .await;
    sleep(300).await;
    let log = env.log(&embed).await;
    c.ok("alive after the reload", !log.dead);
    c.eq(
        "the last load carried the new token",
        log.load_tokens.last().cloned(),
        strings(&source.issued()).first().cloned(),
    );
    c.eq("provider calls", source.calls().length(), 1);
    c.eq("errors", strings(&events.codes()), Vec::<String>::new());
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn the_services_token_expired_error_refreshes_and_reloads_at_once() {
    let env = Env::new().await;
    let c = &env.c;
    // The token really expires in 600 ms, but the refresher is told an hour (a wrong
    // `expiration`, or a clock that is off): only the embed's error event can tell it.
    let exp = now() + 600.0;
    let Some(embed) = env
        .embed(
            "report",
            &jwt_expiring_at(exp, "misdated"),
            &JsValue::UNDEFINED,
        )
        .await
    else {
        return env.finish(&[]).await;
    };
    let source = jwt_provider(60_000.0, "after-error", "generate-token");
    let events = new_recorder();
    let o = options(&embed.container(), &source.provider(), MARGIN);
    set(&o, "expiration", now() + 3_600_000.0);
    set(&o, "checkIntervalMs", 3_600_000);
    let r = started(&o, &events);
    sleep(100).await;
    c.eq(
        "no provider call while the token looks fresh",
        source.calls().length(),
        0,
    );
    c.until_within("a refresh after the embed's TokenExpired", WAIT_MS, || {
        events.count("refreshed") == 1
    })
    .await;
    c.until_within("the reload", WAIT_MS, || embed.count("loaded") >= 2)
        .await;
    let log = env.log(&embed).await;
    c.ok("the stand-in went dead first", log.expired_at.is_some());
    c.ok("and is alive again", !log.dead);
    c.eq("expired events", events.count("expired"), 1);
    c.eq(
        "reason",
        text(&source.calls().get(0), "reason"),
        Some("expired".into()),
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn the_access_token_provider_hook_and_the_refresher_share_one_provider_call() {
    let env = Env::new().await;
    let c = &env.c;
    let source = jwt_provider(60_000.0, "aad", "jwt");
    // A provider that takes 300 ms, so the report's pull arrives while the push is in flight.
    let slow = Function::new_with_args(
        "provider",
        "return (request) => new Promise((resolve) => setTimeout(() => resolve(provider(request)), 300));",
    )
    .call1(&JsValue::UNDEFINED, &source.provider())
    .expect("a function")
    .unchecked_into::<Function>();
    let container = env.container();
    let events = new_recorder();
    let o = options(&container, &slow, MARGIN);
    let r = TokenRefresher::new(o.clone().unchecked_into()).expect("valid options");
    r.on("refreshed".into(), events.handler()).unwrap();
    let hooks = object(&[("accessTokenProvider", r.access_token_provider().into())]);
    let initial = jwt_expiring_at(now() + 60_000.0, "aad-initial");
    let Some(embed) = env
        .embed(
            "report",
            &initial,
            &object(&[
                ("container", container),
                ("tokenType", 0.into()),
                ("eventHooks", hooks),
            ]),
        )
        .await
    else {
        return env.finish(&[&r]).await;
    };
    // The push (refreshNow) is in flight when the report pulls through the hook.
    let pushed = watch_promise(r.refresh_now());
    sleep(50).await;
    let pulled = embed.ask_token().await;
    c.eq(
        "provider calls for the push and the pull",
        source.calls().length(),
        1,
    );
    let issued = strings(&source.issued());
    match pulled {
        Ok(answer) => {
            c.eq(
                "the hook's answer status",
                num(&answer, "statusCode"),
                Some(200.0),
            );
            c.eq(
                "the hook answered the token the push got",
                text(&answer, "body"),
                issued.first().cloned(),
            );
        }
        Err(e) => c.fail(format!("askToken: {}", describe(&e))),
    }
    c.until_within("the push settles", WAIT_MS, || pushed.borrow().is_some())
        .await;
    // Asked again while that token is fresh: no provider call.
    let again = embed.ask_token().await;
    c.eq(
        "a second pull while fresh",
        again.ok().and_then(|a| text(&a, "body")),
        issued.first().cloned(),
    );
    c.eq("provider calls in all", source.calls().length(), 1);
    env.finish(&[&r]).await;
}

/// Settles into the returned cell when `promise` does, without awaiting it.
fn watch_promise(promise: js_sys::Promise) -> std::rc::Rc<RefCell<Option<JsValue>>> {
    let cell = std::rc::Rc::new(RefCell::new(None));
    let out = std::rc::Rc::clone(&cell);
    wasm_bindgen_futures::spawn_local(async move {
        let settled = JsFuture::from(promise).await;
        *out.borrow_mut() = Some(settled.unwrap_or_else(|e| e));
    });
    cell
}
