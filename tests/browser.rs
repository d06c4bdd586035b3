//! The browser shell in a real page (headless Chrome and Firefox through `wasm-pack test`), against
//! an in-page fake `powerbi` service and a scripted token provider (tests/support/fake_powerbi.js).
//!
//! Timers are short (checks every 20 ms, retries after 10 ms) and every wait is bounded polling.
//! Nothing asserts on how long something took: only on counts, order and content. A test that
//! waits to show that something does *not* happen waits several check intervals.
//!
//! Every test ends in [`Env::finish`], which stops its refreshers, checks that none is left
//! started, that nothing was thrown at the page (uncaught exception or unhandled rejection), and
//! only then reports the failed checks. Checks are collected rather than asserted on the spot so
//! that a failing test still cleans up: with `panic = "abort"` an early panic would leave timers
//! running into the next tests.

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use js_sys::{Date, Function, Object};
use powerbi_token_refresh::TokenRefresher;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

mod soak;
mod stopped;
mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

// --- 1. when to refresh ----------------------------------------------------------------------

#[wasm_bindgen_test]
async fn refreshes_when_the_token_expires_within_the_margin() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "expiration", iso_of(now() + 5.0 * MIN)); // default margin: 10 minutes
    let new_expiration = now() + HOUR;
    fake.answer_token("tok-new-1", new_expiration, "iso");
    let r = recorded(fake, &o);
    r.start();

    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq("provider calls", fake.call_count(), 1);
    let request = nth(&fake.calls(), 0);
    c.eq("request.reportId", text(&request, "reportId"), some(REPORT));
    c.eq("request.groupId", text(&request, "groupId"), some(GROUP));
    c.eq("request.reason", text(&request, "reason"), some("expiring"));
    c.ok(
        "request.signal is an AbortSignal",
        fake.signal_is_abort_signal(0),
    );
    c.eq(
        "tokens given to setAccessToken",
        strings(&fake.tokens()),
        vec!["tok-new-1".to_string()],
    );
    let e = nth(&fake.events_of("refreshed"), 0);
    c.eq("refreshed.type", text(&e, "type"), some("refreshed"));
    c.eq(
        "refreshed.expiration",
        text(&e, "expiration"),
        Some(iso_of(new_expiration)),
    );
    c.eq(
        "refreshed.expiresAt",
        num(&e, "expiresAt"),
        Some(new_expiration),
    );
    c.eq("refreshed.reason", text(&e, "reason"), some("expiring"));
    c.eq("refreshed.attempts", num(&e, "attempts"), Some(1.0));
    let left = num(&e, "expiresInMs").unwrap_or(-1.0);
    c.ok(
        "refreshed.expiresInMs is in (0, 1 h]",
        left > 0.0 && left <= HOUR,
    );

    // The new token is an hour away from expiry: the next checks leave it alone.
    sleep(10 * INTERVAL).await;
    c.eq(
        "provider calls after 10 more intervals",
        fake.call_count(),
        1,
    );
    c.eq("error events", strings(&fake.error_codes()), Vec::new());
    let s = status(&r);
    c.eq("status.running", get(&s, "running").as_bool(), Some(true));
    c.eq(
        "status.refreshing",
        get(&s, "refreshing").as_bool(),
        Some(false),
    );
    c.eq(
        "status.expiration",
        text(&s, "expiration"),
        Some(iso_of(new_expiration)),
    );
    c.eq("status.failures", num(&s, "failures"), Some(0.0));
    c.ok("status.lastError is null", get(&s, "lastError").is_null());
    c.ok(
        "status.nextRetryInMs is null",
        get(&s, "nextRetryInMs").is_null(),
    );
    c.eq("status.refreshCount", num(&s, "refreshCount"), Some(1.0));
    r.stop();
    c.eq(
        "status.running after stop",
        get(&status(&r), "running").as_bool(),
        Some(false),
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn does_not_refresh_while_the_token_is_far_from_expiry() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    let expiration = now() + HOUR;
    set(&o, "expiration", expiration);
    let r = recorded(fake, &o);
    r.start();

    sleep(10 * INTERVAL + 20).await;
    c.eq("provider calls after ~10 intervals", fake.call_count(), 0);
    c.eq("setAccessToken calls", fake.tokens().length(), 0);
    c.eq("events", fake.handler_calls(), 0);
    let s = status(&r);
    c.eq("status.running", get(&s, "running").as_bool(), Some(true));
    c.eq(
        "status.expiration (from the option)",
        text(&s, "expiration"),
        Some(iso_of(expiration)),
    );
    c.eq("status.refreshCount", num(&s, "refreshCount"), Some(0.0));
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn short_lived_tokens_are_refreshed_at_half_life_not_on_every_check() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    // 1-second tokens, a 10-minute margin: without the half-life rule every check would refresh.
    fake.answer_forever("short-", 1_000.0);
    let r = recorded(fake, &o);
    r.start();
    c.until("the first refresh", || fake.count("refreshed") == 1)
        .await;
    sleep(7 * INTERVAL).await;
    c.eq(
        "provider calls 7 intervals into a 1 s token's life",
        fake.call_count(),
        1,
    );
    c.until("the half-life refresh", || fake.count("refreshed") == 2)
        .await;
    c.eq(
        "second reason",
        text(&nth(&fake.calls(), 1), "reason"),
        some("expiring"),
    );
    env.finish(&[&r]).await;
}

// --- 2. triggers: the wake timer, visibilitychange, pageshow, focus, resume, online ----------

#[wasm_bindgen_test]
async fn the_wake_timer_refreshes_when_due_without_an_interval_check() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "checkIntervalMs", 3_600_000); // no interval check during the test
    let margin = 10.0 * MIN;
    let expiration = now() + margin + 300.0; // due in 300 ms
    set(&o, "expiration", expiration);
    fake.answer_token("tok-due", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();
    sleep(150).await;
    c.eq("provider calls before the due time", fake.call_count(), 0);
    c.until("a provider call at the due time", || fake.call_count() == 1)
        .await;
    c.ok(
        "not before the due time",
        now() >= expiration - margin - 5.0,
    );
    c.eq(
        "reason",
        text(&nth(&fake.calls(), 0), "reason"),
        some("expiring"),
    );
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    env.finish(&[&r]).await;
}

/// A timer may fire just before `Date.now()` reaches its moment (Firefox did, once): the check
/// then finds nothing due yet, and the wake timer must be armed again rather than counted as
/// still pending.
#[wasm_bindgen_test]
async fn a_wake_timer_that_fires_early_is_armed_again() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "checkIntervalMs", 3_600_000);
    let margin = 10.0 * MIN;
    set(&o, "expiration", now() + margin + 200.0);
    fake.answer_token("tok-early", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();
    sleep(20).await; // the wake timer is armed by the real clock
    shift_date_now(-30.0); // from now on the clock reads 30 ms behind: the timer fires "early"
    c.until("a refresh despite the early wake-up", || {
        fake.count("refreshed") == 1
    })
    .await;
    shift_date_now(0.0);
    env.finish(&[&r]).await;
}

/// Each event that may follow a wake-up runs a check: seen here by the `expired` event, which
/// only a check reports, while the interval and the retry timer are an hour away.
#[wasm_bindgen_test]
async fn each_wake_up_event_runs_a_check() {
    for (target, name) in [
        ("document", "visibilitychange"),
        ("window", "pageshow"),
        ("window", "focus"),
        ("document", "resume"),
        ("window", "online"),
    ] {
        let env = Env::new();
        let (fake, c) = (&env.fake, &env.c);
        let o = env.options();
        set(&o, "checkIntervalMs", 3_600_000);
        set(&o, "retryDelayMs", 3_600_000);
        set(&o, "maxRetryDelayMs", 3_600_000);
        let expiration = now() + 100.0;
        set(&o, "expiration", expiration);
        // No answer queued: the first attempt throws, and the retry is far away.
        let r = recorded(fake, &o);
        r.start();
        c.until(&format!("{name}: the first attempt fails"), || {
            fake.count("error") == 1
        })
        .await;
        c.until(&format!("{name}: the token expires"), || {
            now() > expiration + 30.0
        })
        .await;
        c.eq(&format!("{name}: no check yet"), fake.count("expired"), 0);
        if name == "visibilitychange" {
            set_hidden(true.into());
            dispatch_on(target, name);
            sleep(20).await;
            c.eq("hidden: no check", fake.count("expired"), 0);
            set_hidden(false.into());
        }
        dispatch_on(target, name);
        c.until(&format!("{name}: a check reports the expiry"), || {
            fake.count("expired") == 1
        })
        .await;
        let calls = if name == "online" { 2 } else { 1 };
        sleep(20).await;
        c.eq(
            &format!("{name}: provider calls (online also drops the retry wait)"),
            fake.call_count(),
            calls,
        );
        set_hidden(JsValue::UNDEFINED);
        env.finish(&[&r]).await;
    }
}

#[wasm_bindgen_test]
async fn offline_pauses_attempts_and_online_resumes_at_once() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "expiration", now() + MIN); // inside the margin
    fake.answer_token("tok-back-online", now() + HOUR, "iso");
    set_online(false.into());
    let r = recorded(fake, &o);
    r.start();
    sleep(10 * INTERVAL).await;
    c.eq("provider calls while offline", fake.call_count(), 0);
    c.eq("errors while offline", fake.count("error"), 0);
    set_online(JsValue::UNDEFINED);
    dispatch_on("window", "online");
    c.until("a refresh once online", || fake.count("refreshed") == 1)
        .await;
    c.eq("provider calls", fake.call_count(), 1);
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn the_minimum_gap_spaces_refreshes_of_tokens_that_live_too_short() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "minRefreshGapMs", 300);
    fake.answer_forever("tok-short", 40.0); // each token lives 40 ms
    let r = recorded(fake, &o);
    r.start();
    sleep(1_000).await;
    let calls = fake.call_count();
    // Without the gap: one call every 20 ms check, about 50.
    c.ok(
        &format!("{calls} provider calls in 1 s, 2 to 4 with a 300 ms gap"),
        (2..=4).contains(&calls),
    );
    // Stopped only so that no automatic refresh follows the gap (a stopped refresher calls
    // nothing, so the manual one comes just before).
    let before = fake.call_count();
    let manual = JsFuture::from(r.refresh_now()).await;
    r.stop();
    c.eq(
        "refreshNow is not held back",
        manual.ok(),
        Some(true.into()),
    );
    c.eq(
        "refreshNow called the provider",
        fake.call_count(),
        before + 1,
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn a_skewed_clock_gives_one_warning_and_the_issuers_deadline() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "expiration", now() + HOUR);
    let r = recorded(fake, &o);
    r.on("warning".into(), fake.recorder())
        .expect("a known event name");
    // The issuer's clock is two hours behind this device's: by this device's clock the token
    // "expired" an hour ago, but it lives an hour.
    for token in ["tok-skew-1", "tok-skew-2"] {
        let server = now() - 2.0 * HOUR;
        fake.answer_resolved(&object(&[
            ("token", token.into()),
            ("expiration", iso_of(server + HOUR).into()),
            ("serverTime", server.into()),
        ]));
        let ok = JsFuture::from(r.refresh_now()).await;
        c.eq(&format!("{token}: refreshed"), ok.ok(), Some(true.into()));
    }
    let refreshed = fake.events_of("refreshed");
    let left = num(&nth(&refreshed, 1), "expiresInMs").unwrap_or(0.0);
    c.ok(
        &format!("expiresInMs {left} is about an hour"),
        (HOUR - 5_000.0..=HOUR).contains(&left),
    );
    c.eq("warnings: once, not per token", fake.count("warning"), 1);
    let w = nth(&fake.events_of("warning"), 0);
    c.eq("warning.code", text(&w, "code"), some("ClockSkew"));
    let skew = num(&w, "skewMs").unwrap_or(0.0);
    c.ok(
        &format!("skewMs {skew} is about -2 h"),
        (skew + 2.0 * HOUR).abs() < 5_000.0,
    );
    // `expiresIn` (seconds) alone is enough, and agrees with this clock: no warning.
    fake.answer_resolved(&object(&[
        ("token", "tok-expires-in".into()),
        ("expiresIn", 1_800.into()),
    ]));
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("expiresIn: refreshed", ok.ok(), Some(true.into()));
    let left = num(&nth(&fake.events_of("refreshed"), 2), "expiresInMs").unwrap_or(0.0);
    c.ok(
        &format!("expiresInMs {left} is about 30 min"),
        (30.0 * MIN - 5_000.0..=30.0 * MIN).contains(&left),
    );
    fake.answer_resolved(&object(&[
        ("token", "tok-bad-expires-in".into()),
        ("expiresIn", "soon".into()),
    ]));
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("a bad expiresIn fails", ok.ok(), Some(false.into()));
    c.eq(
        "its error",
        strings(&fake.error_codes()),
        vec!["InvalidExpiration".to_string()],
    );
    env.finish(&[&r]).await;
}

// --- 3. the global getNewUserAccessToken ------------------------------------------------------

#[wasm_bindgen_test]
async fn calls_the_global_get_new_user_access_token_without_a_provider_option() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    unset(&o, "getNewAccessToken");
    install_global_provider(fake);
    fake.answer_token("tok-from-global", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();

    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    let calls = fake.global_calls();
    c.eq("global calls", calls.length(), 1);
    c.eq(
        "global called with (reportId, groupId)",
        strings(&nth(&calls, 0).unchecked_into()),
        vec![REPORT.to_string(), GROUP.to_string()],
    );
    c.eq("option provider calls", fake.call_count(), 0);
    c.eq(
        "tokens",
        strings(&fake.tokens()),
        vec!["tok-from-global".to_string()],
    );
    r.stop();
    remove_global_provider();
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn a_missing_global_provider_is_a_no_provider_error_then_recovers() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    unset(&o, "getNewAccessToken");
    remove_global_provider();
    let r = recorded(fake, &o);
    r.start();

    c.until("an error event", || fake.count("error") >= 1).await;
    let e = nth(&fake.events_of("error"), 0);
    c.eq("code", text(&e, "code"), some("NoProvider"));
    c.eq("attempt", num(&e, "attempt"), Some(1.0));
    c.ok(
        "message says what to do",
        text(&e, "message").is_some_and(|m| m.contains("getNewUserAccessToken")),
    );
    c.ok("no cause", !has(&e, "cause"));
    c.eq("setAccessToken calls", fake.tokens().length(), 0);

    // The app defines the global later: the next retry uses it.
    fake.answer_token("tok-late-global", now() + HOUR, "iso");
    install_global_provider(fake);
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    let errors = fake.count("error");
    c.ok(
        "every error before was NoProvider",
        strings(&fake.error_codes())
            .iter()
            .all(|x| x == "NoProvider"),
    );
    c.eq(
        "refreshed.attempts counts the failures",
        num(&nth(&fake.events_of("refreshed"), 0), "attempts"),
        Some(f64::from(errors + 1)),
    );
    c.eq(
        "tokens",
        strings(&fake.tokens()),
        vec!["tok-late-global".to_string()],
    );
    r.stop();
    remove_global_provider();
    env.finish(&[&r]).await;
}

// --- 4. unusable answers, each a named error, each followed by a recovery --------------------

type Enqueue = Box<dyn Fn(&Fake)>;

#[wasm_bindgen_test]
async fn each_unusable_answer_is_a_named_error_then_a_good_answer_recovers() {
    let env = Env::new();
    let c = &env.c;
    let hour_from_now = iso_of(now() + HOUR);
    let exp = hour_from_now.clone();
    let cases: Vec<(&str, &str, Option<&str>, Enqueue)> = vec![
        (
            "throws",
            "ProviderThrew",
            Some("backend down"),
            Box::new(|f: &Fake| f.answer_throw("backend down")),
        ),
        (
            "rejects",
            "ProviderRejected",
            Some("HTTP 500"),
            Box::new(|f: &Fake| f.answer_reject("HTTP 500")),
        ),
        (
            "resolves null",
            "ProviderReturnedNothing",
            None,
            Box::new(|f: &Fake| f.answer_resolved(&JsValue::NULL)),
        ),
        (
            "returns undefined",
            "ProviderReturnedNothing",
            None,
            Box::new(|f: &Fake| f.answer_value(&JsValue::UNDEFINED)),
        ),
        (
            "empty token",
            "EmptyToken",
            None,
            Box::new(move |f: &Fake| {
                f.answer_resolved(&object(&[
                    ("token", "".into()),
                    ("expiration", exp.clone().into()),
                ]))
            }),
        ),
        (
            "unparseable expiration",
            "InvalidExpiration",
            None,
            Box::new(|f: &Fake| {
                f.answer_resolved(&object(&[
                    ("token", "tok-bad-date".into()),
                    ("expiration", "next tuesday".into()),
                ]))
            }),
        ),
        (
            "seconds where milliseconds belong",
            "InvalidExpiration",
            None,
            Box::new(|f: &Fake| {
                f.answer_resolved(&object(&[
                    ("token", "tok-seconds".into()),
                    ("expiration", ((now() / 1000.0).floor() + 3600.0).into()),
                ]))
            }),
        ),
        (
            "an opaque token string with no expiration",
            "InvalidExpiration",
            None,
            Box::new(|f: &Fake| f.answer_resolved(&"opaque-token-without-exp".into())),
        ),
        (
            "a number",
            "InvalidAnswer",
            None,
            Box::new(|f: &Fake| f.answer_resolved(&42.into())),
        ),
        (
            "a boolean",
            "InvalidAnswer",
            None,
            Box::new(|f: &Fake| f.answer_value(&true.into())),
        ),
        (
            "an object without a token",
            "InvalidAnswer",
            None,
            Box::new(|f: &Fake| {
                f.answer_resolved(&object(&[("expiration", iso_of(now() + HOUR).into())]))
            }),
        ),
        (
            "a token that is not a string",
            "InvalidAnswer",
            None,
            Box::new(|f: &Fake| {
                f.answer_resolved(&object(&[
                    ("token", 12345.into()),
                    ("expiration", iso_of(now() + HOUR).into()),
                ]))
            }),
        ),
        (
            "an already expired token",
            "TokenAlreadyExpired",
            None,
            Box::new(|f: &Fake| f.answer_resolved(&answer("tok-stale", now() - MIN))),
        ),
    ];

    for (label, code, cause_message, enqueue) in &cases {
        let fake = create_fake(OPAQUE);
        enqueue(&fake);
        let good = format!("tok-good-after-{label}");
        fake.answer_token(&good, now() + HOUR, "iso");
        let r = recorded(&fake, &options_for(&fake));
        r.start();
        c.until(&format!("{label}: refreshed after the error"), || {
            fake.count("refreshed") == 1
        })
        .await;
        r.stop();
        c.eq(
            &format!("{label}: error codes"),
            strings(&fake.error_codes()),
            vec![code.to_string()],
        );
        let e = nth(&fake.events_of("error"), 0);
        c.eq(&format!("{label}: type"), text(&e, "type"), some("error"));
        c.eq(&format!("{label}: attempt"), num(&e, "attempt"), Some(1.0));
        let retry_in = num(&e, "retryInMs").unwrap_or(f64::NAN);
        c.ok(
            &format!("{label}: retryInMs {retry_in} within full jitter of the first delay"),
            (RETRY / 2.0 - 1.0..=RETRY).contains(&retry_in),
        );
        c.ok(
            &format!("{label}: retryAt is a time"),
            num(&e, "retryAt").is_some_and(|t| t > 1e12),
        );
        c.ok(
            &format!("{label}: message"),
            text(&e, "message").is_some_and(|m| !m.is_empty()),
        );
        if let Some(message) = cause_message {
            c.eq(
                &format!("{label}: cause.message"),
                text(&get(&e, "cause"), "message"),
                some(message),
            );
        }
        c.eq(&format!("{label}: provider calls"), fake.call_count(), 2);
        c.eq(
            &format!("{label}: tokens given to setAccessToken"),
            strings(&fake.tokens()),
            vec![good.clone()],
        );
        let ok = nth(&fake.events_of("refreshed"), 0);
        c.eq(
            &format!("{label}: refreshed.attempts"),
            num(&ok, "attempts"),
            Some(2.0),
        );
        let s = status(&r);
        c.eq(
            &format!("{label}: status.failures after recovery"),
            num(&s, "failures"),
            Some(0.0),
        );
        c.ok(
            &format!("{label}: status.lastError after recovery"),
            get(&s, "lastError").is_null(),
        );
    }
    env.finish(&[]).await;
}

#[wasm_bindgen_test]
async fn invalid_answer_carries_the_answer_as_cause() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    fake.answer_resolved(&42.into());
    let r = recorded(fake, &env.options());
    r.start();
    c.until("an error event", || fake.count("error") == 1).await;
    let e = nth(&fake.events_of("error"), 0);
    c.eq("code", text(&e, "code"), some("InvalidAnswer"));
    c.eq("cause", get(&e, "cause").as_f64(), Some(42.0));
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn set_access_token_failures_are_errors_then_recover() {
    let env = Env::new();
    let c = &env.c;
    for how in ["reject", "throw"] {
        let fake = create_fake(OPAQUE);
        fake.set_next(how);
        fake.answer_token("tok-refused", now() + HOUR, "iso");
        fake.answer_token("tok-accepted", now() + HOUR, "iso");
        let r = recorded(&fake, &options_for(&fake));
        r.start();
        c.until(&format!("setAccessToken {how}: refreshed"), || {
            fake.count("refreshed") == 1
        })
        .await;
        r.stop();
        c.eq(
            &format!("setAccessToken {how}: codes"),
            strings(&fake.error_codes()),
            vec!["SetAccessTokenFailed".to_string()],
        );
        let e = nth(&fake.events_of("error"), 0);
        c.ok(
            &format!("setAccessToken {how}: the cause is the embed's error"),
            text(&get(&e, "cause"), "message")
                .is_some_and(|m| m.starts_with("fake setAccessToken")),
        );
        c.eq(
            &format!("setAccessToken {how}: tokens handed over"),
            strings(&fake.tokens()),
            vec!["tok-refused".to_string(), "tok-accepted".to_string()],
        );
        c.eq(
            &format!("setAccessToken {how}: attempts"),
            num(&nth(&fake.events_of("refreshed"), 0), "attempts"),
            Some(2.0),
        );
    }
    env.finish(&[]).await;
}

#[wasm_bindgen_test]
async fn no_embed_in_the_container_skips_the_provider_then_recovers() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    fake.set_has_embed(false);
    fake.answer_token("tok-after-embed", now() + HOUR, "iso");
    let r = recorded(fake, &env.options());
    r.start();
    c.until("two NoEmbed errors", || fake.count("error") >= 2)
        .await;
    c.eq(
        "provider calls while there is no embed",
        fake.call_count(),
        0,
    );
    let e = nth(&fake.events_of("error"), 0);
    c.eq("code", text(&e, "code"), some("NoEmbed"));
    c.ok(
        "cause is what powerbi.get threw",
        text(&get(&e, "cause"), "message").is_some_and(|m| m.contains("no embedded component")),
    );

    fake.set_has_embed(true);
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    let errors = fake.events_of("error");
    c.ok(
        "every error was NoEmbed",
        strings(&fake.error_codes()).iter().all(|x| x == "NoEmbed"),
    );
    let attempts: Vec<Option<f64>> = numbers(&errors, "attempt");
    let expected: Vec<Option<f64>> = (1..=errors.length()).map(|n| Some(f64::from(n))).collect();
    c.eq("error attempts count up", attempts, expected);
    c.eq(
        "refreshed.attempts",
        num(&nth(&fake.events_of("refreshed"), 0), "attempts"),
        Some(f64::from(errors.length() + 1)),
    );
    c.eq("provider calls", fake.call_count(), 1);
    c.eq(
        "tokens",
        strings(&fake.tokens()),
        vec!["tok-after-embed".to_string()],
    );
    env.finish(&[&r]).await;
}

/// A provider that is always a little slower than `providerTimeoutMs` still gets through: each
/// timeout in a row doubles the next wait (up to four times the setting).
#[wasm_bindgen_test]
async fn a_provider_slower_than_its_timeout_gets_a_longer_wait_next_time() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    let calls = Rc::new(std::cell::Cell::new(0));
    let slow = Function::new_with_args(
        "count",
        "return () => { count(); return new Promise((resolve) => setTimeout(() => \
         resolve({ token: 'tok-slow', expiration: Date.now() + 3600000 }), 150)); };",
    );
    let counter = {
        let calls = Rc::clone(&calls);
        Closure::<dyn FnMut()>::new(move || calls.set(calls.get() + 1))
    };
    let provider = slow
        .call1(&JsValue::UNDEFINED, counter.as_ref())
        .expect("a function");
    set(&o, "getNewAccessToken", provider);
    set(&o, "providerTimeoutMs", 100);
    let r = recorded(fake, &o);
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq(
        "errors before it",
        strings(&fake.error_codes()),
        vec!["ProviderTimeout".to_string()],
    );
    c.eq(
        "provider calls: one timed out, the next waited 200 ms",
        calls.get(),
        2,
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn provider_timeout_aborts_its_signal_then_recovers() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "providerTimeoutMs", 30);
    fake.answer_hang(false);
    fake.answer_token("tok-in-time", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq(
        "codes",
        strings(&fake.error_codes()),
        vec!["ProviderTimeout".to_string()],
    );
    c.ok(
        "the timed-out call's signal is aborted",
        fake.signal_aborted(0),
    );
    c.ok(
        "the successful call's signal is not aborted",
        !fake.signal_aborted(1),
    );

    // The abandoned call answers at last: nothing is applied, nothing is reported.
    fake.settle_pending(0, &answer("tok-too-late", now() + HOUR));
    sleep(3 * INTERVAL).await;
    c.eq(
        "tokens",
        strings(&fake.tokens()),
        vec!["tok-in-time".to_string()],
    );
    c.eq("refreshed events", fake.count("refreshed"), 1);
    c.eq("error events", fake.count("error"), 1);
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn error_attempts_count_up_in_a_streak_and_retry_delays_double_up_to_the_cap() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "maxRetryDelayMs", 25);
    fake.answer_throw("one");
    fake.answer_reject("two");
    fake.answer_resolved(&JsValue::NULL);
    fake.answer_resolved(&7.into());
    fake.answer_token("tok-fifth", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    let errors = fake.events_of("error");
    c.eq(
        "codes in order",
        strings(&fake.error_codes()),
        [
            "ProviderThrew",
            "ProviderRejected",
            "ProviderReturnedNothing",
            "InvalidAnswer",
        ]
        .map(String::from)
        .to_vec(),
    );
    c.eq(
        "attempts",
        numbers(&errors, "attempt"),
        vec![Some(1.0), Some(2.0), Some(3.0), Some(4.0)],
    );
    // Full jitter: from half the base (5 ms) up to 10·2^(n−1), capped at 25.
    let delays = numbers(&errors, "retryInMs");
    for (n, (delay, ceiling)) in delays.iter().zip([10.0, 20.0, 25.0, 25.0]).enumerate() {
        c.ok(
            &format!("retryInMs of error {}: {delay:?} in 4..={ceiling}", n + 1),
            delay.is_some_and(|d| (4.0..=ceiling).contains(&d)),
        );
    }
    c.eq(
        "refreshed.attempts",
        num(&nth(&fake.events_of("refreshed"), 0), "attempts"),
        Some(5.0),
    );
    c.eq("provider calls", fake.call_count(), 5);
    c.eq(
        "tokens",
        strings(&fake.tokens()),
        vec!["tok-fifth".to_string()],
    );

    // A new streak starts at 1 again. (The token is fresh now, so only refreshNow retries.)
    fake.answer_throw("again");
    let refreshed = JsFuture::from(r.refresh_now()).await;
    c.eq("refreshNow failing", refreshed.ok(), Some(false.into()));
    c.eq(
        "attempt of the first error of a new streak",
        num(&nth(&fake.events_of("error"), 4), "attempt"),
        Some(1.0),
    );
    fake.answer_token("tok-sixth", now() + HOUR, "iso");
    let refreshed = JsFuture::from(r.refresh_now()).await;
    c.eq("refreshNow succeeding", refreshed.ok(), Some(true.into()));
    c.eq(
        "refreshed.attempts after one failure",
        num(&nth(&fake.events_of("refreshed"), 1), "attempts"),
        Some(2.0),
    );
    env.finish(&[&r]).await;
}

/// "Never later than half the time the current token has left": with a token about to expire, the
/// doubling (jittered) delays are cut to half the time left (but not below half `retryDelayMs`).
#[wasm_bindgen_test]
async fn retries_come_sooner_as_expiry_nears() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    let base = 50.0;
    let expiration = now() + 1_000.0; // within the margin: refreshes at once
    set(&o, "expiration", iso_of(expiration));
    set(&o, "retryDelayMs", base);
    set(&o, "maxRetryDelayMs", 60_000);
    // No answer queued: every call throws.
    let r = recorded(fake, &o);
    r.start();
    c.until("the token expires", || now() > expiration + 50.0)
        .await;
    r.stop();
    let mut capped = 0;
    for (i, e) in fake.events_of("error").iter().enumerate() {
        let retry_in = num(&e, "retryInMs").unwrap_or(f64::NAN);
        let at = num(&e, "retryAt").unwrap_or(f64::NAN) - retry_in; // when it failed
        if at >= expiration {
            break;
        }
        let doubling = base * 2f64.powi(i as i32);
        let half_left = ((expiration - at) / 2.0).ceil().max(base / 2.0);
        if half_left < doubling {
            capped += 1;
        }
        c.ok(
            &format!(
                "error {}: retryInMs {retry_in} in {}..={}",
                i + 1,
                base / 2.0,
                doubling.min(half_left)
            ),
            retry_in <= doubling.min(half_left) + 1.0 && retry_in >= base / 2.0 - 1.0,
        );
    }
    c.ok(
        &format!("{capped} delays were cut by the half-life rule, at least one"),
        capped >= 1,
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn status_reports_a_failure_and_its_pending_retry() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "retryDelayMs", 60_000);
    fake.answer_throw("down");
    let r = recorded(fake, &o);
    r.start();
    c.until("an error event", || fake.count("error") == 1).await;
    let s = status(&r);
    c.eq("running", get(&s, "running").as_bool(), Some(true));
    c.eq("refreshing", get(&s, "refreshing").as_bool(), Some(false));
    c.eq("failures", num(&s, "failures"), Some(1.0));
    c.eq("lastError", text(&s, "lastError"), some("ProviderThrew"));
    c.ok(
        "nextRetryInMs in (0, 60 s]",
        num(&s, "nextRetryInMs").is_some_and(|ms| ms > 0.0 && ms <= 60_000.0),
    );
    c.ok("expiration unknown", get(&s, "expiration").is_null());
    c.ok("expiresInMs unknown", get(&s, "expiresInMs").is_null());
    c.eq("refreshCount", num(&s, "refreshCount"), Some(0.0));
    env.finish(&[&r]).await;
}

// --- 5. expiration forms -----------------------------------------------------------------------

#[wasm_bindgen_test]
async fn every_answer_form_gives_its_expiration() {
    let env = Env::new();
    let c = &env.c;
    let whole_seconds = ((now() / 1000.0).floor() + 3600.0) * 1000.0;
    let forms = [
        "iso",
        "iso-offset",
        "ms",
        "date",
        "msal",
        "generate-token",
        "jwt",
        "sync",
    ];
    for form in forms {
        let fake = create_fake(OPAQUE);
        let expires_at = if matches!(form, "iso-offset" | "jwt") {
            whole_seconds
        } else {
            now() + HOUR
        };
        let token = match form {
            "jwt" => make_jwt(expires_at / 1000.0, "bare-jwt"),
            _ => format!("tok-{form}"),
        };
        match form {
            "jwt" => fake.answer_resolved(&token.clone().into()),
            "sync" => fake.answer_value(&answer(&token, expires_at)),
            _ => fake.answer_token(&token, expires_at, form),
        }
        let r = recorded(&fake, &options_for(&fake));
        r.start();
        c.until(&format!("{form}: refreshed"), || {
            fake.count("refreshed") == 1
        })
        .await;
        r.stop();
        c.eq(
            &format!("{form}: errors"),
            strings(&fake.error_codes()),
            Vec::new(),
        );
        c.eq(
            &format!("{form}: reason (no expiration known)"),
            text(&nth(&fake.calls(), 0), "reason"),
            some("unknown"),
        );
        let e = nth(&fake.events_of("refreshed"), 0);
        c.eq(
            &format!("{form}: expiresAt"),
            num(&e, "expiresAt"),
            Some(expires_at),
        );
        c.eq(
            &format!("{form}: expiration"),
            text(&e, "expiration"),
            Some(iso_of(expires_at)),
        );
        c.eq(
            &format!("{form}: token handed to the embed"),
            strings(&fake.tokens()),
            vec![token],
        );
    }
    env.finish(&[]).await;
}

#[wasm_bindgen_test]
async fn every_expiration_option_form_is_read() {
    let env = Env::new();
    let c = &env.c;
    for form in ["iso", "ms", "date"] {
        let fake = create_fake(OPAQUE);
        let o = options_for(&fake);
        let expires_at = now() + HOUR;
        let value: JsValue = match form {
            "iso" => iso_of(expires_at).into(),
            "ms" => expires_at.into(),
            _ => Date::new(&expires_at.into()).into(),
        };
        set(&o, "expiration", value);
        let r = recorded(&fake, &o);
        r.start();
        sleep(4 * INTERVAL).await;
        let s = status(&r);
        r.stop();
        c.eq(&format!("{form}: provider calls"), fake.call_count(), 0);
        c.eq(&format!("{form}: events"), fake.handler_calls(), 0);
        c.eq(
            &format!("{form}: status.expiration"),
            text(&s, "expiration"),
            Some(iso_of(expires_at)),
        );
    }
    env.finish(&[]).await;
}

#[wasm_bindgen_test]
async fn without_an_expiration_option_the_embeds_jwt_says_when_to_refresh() {
    let env = Env::new();
    let c = &env.c;
    let seconds = (now() / 1000.0).floor();
    // (label, embed's config.accessToken, expected first reason or None for no refresh)
    let cases = [
        ("far JWT", make_jwt(seconds + 3600.0, "far"), None),
        (
            "JWT within the margin",
            make_jwt(seconds + 120.0, "near"),
            Some("expiring"),
        ),
        (
            "expired JWT",
            make_jwt(seconds - 60.0, "expired"),
            Some("expired"),
        ),
        ("opaque token", OPAQUE.to_string(), Some("unknown")),
    ];
    for (label, config_token, reason) in cases {
        let fake = create_fake(&config_token);
        fake.answer_token("tok-replacement", now() + HOUR, "iso");
        let r = recorded(&fake, &options_for(&fake));
        r.start();
        match reason {
            None => {
                sleep(5 * INTERVAL).await;
                c.eq(&format!("{label}: provider calls"), fake.call_count(), 0);
                c.eq(
                    &format!("{label}: status.expiration is the JWT's exp"),
                    text(&status(&r), "expiration"),
                    Some(iso_of((seconds + 3600.0) * 1000.0)),
                );
            }
            Some(reason) => {
                c.until(&format!("{label}: refreshed"), || {
                    fake.count("refreshed") == 1
                })
                .await;
                c.eq(
                    &format!("{label}: reason"),
                    text(&nth(&fake.calls(), 0), "reason"),
                    some(reason),
                );
                c.eq(
                    &format!("{label}: expired events"),
                    fake.count("expired"),
                    u32::from(reason == "expired"),
                );
            }
        }
        r.stop();
        c.eq(
            &format!("{label}: errors"),
            strings(&fake.error_codes()),
            Vec::new(),
        );
    }
    env.finish(&[]).await;
}

#[wasm_bindgen_test]
async fn an_invalid_expiration_option_is_an_error_then_an_immediate_refresh() {
    let env = Env::new();
    let c = &env.c;
    let bad: [(&str, JsValue); 4] = [
        ("text", "tomorrow at noon".into()),
        ("seconds", 1_764_324_000.0.into()),
        ("object", Object::new().into()),
        ("NaN", f64::NAN.into()),
    ];
    for (label, value) in bad {
        let fake = create_fake(OPAQUE);
        let o = options_for(&fake);
        set(&o, "expiration", value);
        fake.answer_token("tok-fresh", now() + HOUR, "iso");
        let r = recorded(&fake, &o);
        r.start();
        c.until(&format!("{label}: refreshed"), || {
            fake.count("refreshed") == 1
        })
        .await;
        r.stop();
        c.eq(
            &format!("{label}: codes"),
            strings(&fake.error_codes()),
            vec!["InvalidExpiration".to_string()],
        );
        c.eq(
            &format!("{label}: reason"),
            text(&nth(&fake.calls(), 0), "reason"),
            some("unknown"),
        );
        c.eq(&format!("{label}: provider calls"), fake.call_count(), 1);
    }
    env.finish(&[]).await;
}

#[wasm_bindgen_test]
async fn an_expired_token_is_reported_once_then_refreshed() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    let expired_at = now() - 5_000.0;
    set(&o, "expiration", expired_at);
    fake.answer_throw("first");
    fake.answer_throw("second");
    fake.answer_token("tok-finally", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq(
        "expired events across three attempts",
        fake.count("expired"),
        1,
    );
    let e = nth(&fake.events_of("expired"), 0);
    c.eq("expired.type", text(&e, "type"), some("expired"));
    c.eq(
        "expired.expiration",
        text(&e, "expiration"),
        Some(iso_of(expired_at)),
    );
    c.ok(
        "expired.expiredForMs >= 5000",
        num(&e, "expiredForMs").is_some_and(|ms| ms >= 5_000.0),
    );
    c.eq(
        "reason",
        text(&nth(&fake.calls(), 0), "reason"),
        some("expired"),
    );
    let order: Vec<Option<String>> = fake.events().iter().map(|e| text(&e, "type")).collect();
    c.eq(
        "event order",
        order,
        vec![
            some("expired"),
            some("error"),
            some("error"),
            some("refreshed"),
        ],
    );
    env.finish(&[&r]).await;
}

// --- 6. stop -----------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn stop_clears_the_interval_the_listener_and_the_retry_timer() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "maxRetryDelayMs", 20);
    // No answer queued: every call throws, so a running refresher keeps retrying.
    let r = recorded(fake, &o);
    r.start();
    c.until("two provider calls", || fake.call_count() >= 2)
        .await;
    r.stop();
    let calls = fake.call_count();
    let events = fake.handler_calls();
    sleep(10 * INTERVAL).await;
    set_hidden(false.into());
    dispatch_visibility_change();
    sleep(2 * INTERVAL).await;
    set_hidden(JsValue::UNDEFINED);
    c.eq(
        "provider calls after stop, 10 intervals and a visibilitychange",
        fake.call_count(),
        calls,
    );
    c.eq("events after stop", fake.handler_calls(), events);
    let s = status(&r);
    c.eq("status.running", get(&s, "running").as_bool(), Some(false));
    c.eq(
        "status.refreshing",
        get(&s, "refreshing").as_bool(),
        Some(false),
    );
    env.finish(&[&r]).await;
}

/// Regression: the provider was called even though `stop()` came in the same task.
#[wasm_bindgen_test]
async fn refresh_now_then_stop_in_the_same_task_calls_no_provider() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    fake.answer_token("tok-never", now() + HOUR, "object");
    let o = env.options();
    set(&o, "expiration", now() + HOUR);
    let r = recorded(fake, &o);
    for started in [false, true] {
        if started {
            r.start();
            sleep(10).await;
        }
        let manual = watch(r.refresh_now());
        r.stop();
        c.until("refreshNow to settle", || settled(&manual).is_some())
            .await;
        c.eq(
            &format!("refreshNow then stop (started: {started})"),
            settled(&manual).and_then(Result::ok),
            Some(false.into()),
        );
    }
    sleep(3 * INTERVAL).await;
    c.eq("provider calls", fake.call_count(), 0);
    c.eq("setAccessToken calls", fake.tokens().length(), 0);
    c.eq(
        "status.running",
        get(&status(&r), "running").as_bool(),
        Some(false),
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn stop_during_a_provider_call_applies_nothing_and_settles_refresh_now() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    fake.answer_hang(false);
    let r = recorded(fake, &env.options());
    r.start();
    c.until("the provider call", || fake.call_count() == 1)
        .await;
    let joined = watch(r.refresh_now());
    sleep(1).await;
    c.eq("refreshNow joined the call in flight", fake.call_count(), 1);
    r.stop();
    c.ok(
        "the call's signal is aborted by stop",
        fake.signal_aborted(0),
    );
    c.until("refreshNow to settle", || settled(&joined).is_some())
        .await;
    c.eq(
        "refreshNow after stop",
        settled(&joined).and_then(Result::ok),
        Some(false.into()),
    );

    fake.settle_pending(0, &answer("tok-after-stop", now() + HOUR));
    sleep(3 * INTERVAL).await;
    c.eq("setAccessToken calls", fake.tokens().length(), 0);
    c.eq("events", fake.handler_calls(), 0);
    let s = status(&r);
    c.eq("status.refreshCount", num(&s, "refreshCount"), Some(0.0));
    c.eq(
        "status.refreshing",
        get(&s, "refreshing").as_bool(),
        Some(false),
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn a_provider_honouring_the_signal_is_aborted_quietly_by_stop() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    fake.answer_hang(true); // rejects with an AbortError when its signal aborts, like fetch
    let r = recorded(fake, &env.options());
    r.start();
    c.until("the provider call", || fake.call_count() == 1)
        .await;
    r.stop();
    sleep(3 * INTERVAL).await;
    c.ok("signal aborted", fake.signal_aborted(0));
    c.eq(
        "events after the AbortError",
        strings(&fake.error_codes()),
        Vec::new(),
    );
    c.eq("setAccessToken calls", fake.tokens().length(), 0);
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn stop_during_set_access_token_reports_nothing() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    fake.set_next("hang");
    fake.answer_token("tok-in-flight", now() + HOUR, "iso");
    let r = recorded(fake, &env.options());
    r.start();
    c.until("setAccessToken to be called", || {
        fake.tokens().length() == 1
    })
    .await;
    r.stop();
    fake.settle_set(0, true);
    sleep(3 * INTERVAL).await;
    c.eq("events", fake.handler_calls(), 0);
    c.eq(
        "status.refreshCount",
        num(&status(&r), "refreshCount"),
        Some(0.0),
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn stop_twice_restart_and_started_count() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let base = env.started_before;
    let o = env.options();
    set(&o, "expiration", now() + HOUR);
    let r = recorded(fake, &o);
    r.stop(); // before start: nothing to stop
    c.eq(
        "after stop before start",
        TokenRefresher::started_count(),
        base,
    );
    r.start();
    c.eq("after start", TokenRefresher::started_count(), base + 1);
    r.start();
    c.eq(
        "after a second start",
        TokenRefresher::started_count(),
        base + 1,
    );
    r.stop();
    c.eq("after stop", TokenRefresher::started_count(), base);
    r.stop();
    c.eq("after a second stop", TokenRefresher::started_count(), base);
    c.eq(
        "running after two stops",
        get(&status(&r), "running").as_bool(),
        Some(false),
    );

    // Started again, it works again.
    r.start();
    c.eq("after restart", TokenRefresher::started_count(), base + 1);
    fake.answer_token("tok-after-restart", now() + HOUR, "iso");
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("refreshNow after restart", ok.ok(), Some(true.into()));

    let other_fake = create_fake(OPAQUE);
    let other = refresher(&{
        let o = options_for(&other_fake);
        set(&o, "expiration", now() + HOUR);
        o
    });
    other.start();
    c.eq("two started", TokenRefresher::started_count(), base + 2);
    r.stop();
    c.eq("one stopped", TokenRefresher::started_count(), base + 1);
    other.stop();
    c.eq("both stopped", TokenRefresher::started_count(), base);
    c.eq("provider calls", fake.call_count(), 1);
    c.eq("other provider calls", other_fake.call_count(), 0);
    env.finish(&[&r, &other]).await;
}

/// Regression: an abandoned refresh whose provider answered after stop() + start() used to take
/// (and, on failure, abort) the new refresh's AbortController.
#[wasm_bindgen_test]
async fn a_restart_keeps_the_new_calls_abort_signal_whatever_the_old_call_does() {
    let env = Env::new();
    let c = &env.c;
    for old_call_fails in [true, false] {
        let label = if old_call_fails {
            "old call rejects"
        } else {
            "old call resolves"
        };
        let fake = create_fake(OPAQUE);
        fake.answer_hang(false);
        fake.answer_hang(false);
        let r = recorded(&fake, &options_for(&fake));
        r.start();
        c.until(&format!("{label}: first call"), || fake.call_count() == 1)
            .await;
        r.stop();
        r.start();
        c.until(&format!("{label}: second call"), || fake.call_count() == 2)
            .await;
        if old_call_fails {
            fake.fail_pending(0, "the abandoned call fails late");
        } else {
            fake.settle_pending(0, &answer("tok-abandoned", now() + HOUR));
        }
        sleep(2 * INTERVAL).await;
        c.ok(
            &format!("{label}: the running call's signal is not aborted"),
            !fake.signal_aborted(1),
        );
        c.eq(
            &format!("{label}: nothing applied"),
            fake.tokens().length(),
            0,
        );
        c.eq(&format!("{label}: no events"), fake.handler_calls(), 0);
        r.stop();
        c.ok(
            &format!("{label}: stop aborts the running call's signal"),
            fake.signal_aborted(1),
        );
    }
    env.finish(&[]).await;
}

// --- 7. the Rust handle dropped ----------------------------------------------------------------

/// `start()` puts the refresher in a registry, so dropping the handle does not stop it. With the
/// handle gone nothing can call `stop()` any more, so the refresher is parked instead: its provider
/// switches to answering year-long tokens, after which its checks do nothing. It stays started
/// (and counted by `startedCount`) for the rest of the page, which the test expects.
#[wasm_bindgen_test]
async fn keeps_running_after_the_rust_handle_is_dropped() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "checkIntervalMs", 50);
    fake.answer_forever("kept-", 300.0); // refreshed at half-life: every ~150 ms
    {
        let r = recorded(fake, &o);
        r.start();
        // dropped here, before its first check ran
    }
    c.eq(
        "started refreshers",
        TokenRefresher::started_count(),
        env.started_before + 1,
    );
    c.until("three refreshes with the handle dropped", || {
        fake.count("refreshed") >= 3
    })
    .await;
    c.eq(
        "tokens handed over in order",
        strings(&fake.tokens())
            .into_iter()
            .take(3)
            .collect::<Vec<_>>(),
        vec![
            "kept-1".to_string(),
            "kept-2".to_string(),
            "kept-3".to_string(),
        ],
    );

    // Park it.
    fake.answer_forever("parked-", 365.0 * 24.0 * HOUR);
    c.until("the parking refresh", || {
        strings(&fake.tokens())
            .last()
            .is_some_and(|t| t.starts_with("parked-"))
    })
    .await;
    let calls = fake.call_count();
    sleep(4 * 50).await;
    c.eq("provider calls once parked", fake.call_count(), calls);
    c.eq("errors", strings(&fake.error_codes()), Vec::<String>::new());
    env.finish_leaving(1, &[]).await;
}

// --- 8. console output -------------------------------------------------------------------------

/// Runs a refresher through success, every kind of trouble and stop, with `debug` as given.
async fn eventful_run(env: &Env, debug: bool, tokens: &[String]) {
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "debug", debug);
    set(&o, "expiration", now() - 1_000.0); // expired: an expired event at the first check
    fake.answer_throw("provider down");
    fake.answer_resolved(&tokens[0].clone().into()); // a bare JWT
    let r = refresher(&o);
    r.on("error".into(), fake.throwing_handler("handler bug"))
        .unwrap();
    r.on("refreshed".into(), fake.recorder()).unwrap();
    r.on("error".into(), fake.recorder()).unwrap();
    r.on("expired".into(), fake.recorder()).unwrap();
    r.start();
    c.until("the first refresh", || fake.count("refreshed") == 1)
        .await;
    for token in &tokens[1..] {
        fake.answer_token(token, now() + HOUR, "iso");
        let ok = JsFuture::from(r.refresh_now()).await;
        c.eq("refreshNow", ok.ok(), Some(true.into()));
    }
    fake.set_next("reject");
    fake.answer_token(&tokens[1], now() + HOUR, "iso");
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq(
        "refreshNow with setAccessToken rejecting",
        ok.ok(),
        Some(false.into()),
    );
    r.stop();
    c.eq("expired events", fake.count("expired"), 1);
    c.eq(
        "setAccessToken calls",
        fake.tokens().length(),
        tokens.len() as u32 + 1,
    );
}

fn secret_tokens() -> Vec<String> {
    let exp = (now() / 1000.0).floor() + 3600.0;
    vec![
        make_jwt(exp, "secret-subject-0123456789"),
        "opaque-SECRET-token-0123456789abcdefXYZW".to_string(),
        "tiny-token".to_string(),
    ]
}

#[wasm_bindgen_test]
async fn without_debug_nothing_reaches_the_console() {
    let env = Env::with_embed_token("initial-embed-token-abcdefghijklmnop");
    let spy = spy_console();
    eventful_run(&env, false, &secret_tokens()).await;
    spy.restore();
    env.c.eq("console calls", strings(&spy.texts()), Vec::new());
    env.finish(&[]).await;
}

#[wasm_bindgen_test]
async fn debug_output_never_contains_a_whole_token() {
    let initial = "initial-embed-token-abcdefghijklmnop";
    let env = Env::with_embed_token(initial);
    let tokens = secret_tokens();
    let spy = spy_console();
    eventful_run(&env, true, &tokens).await;
    spy.restore();
    let texts = strings(&spy.texts());
    let c = &env.c;
    c.ok("some debug output", texts.len() >= 4);
    c.ok(
        "output is labelled",
        texts.iter().any(|t| t.contains("[powerbi-token-refresh]")),
    );
    for token in tokens.iter().map(String::as_str).chain([initial]) {
        for line in &texts {
            c.ok(
                &format!("console line {line:?} does not contain the token {token:?}"),
                !line.contains(token),
            );
        }
    }
    env.finish(&[]).await;
}

// --- 9. handlers -------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_throwing_handler_disturbs_neither_other_handlers_nor_the_refresher() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    fake.answer_throw("first attempt fails");
    fake.answer_token("tok-1", now() + HOUR, "iso");
    let r = refresher(&env.options());
    for name in ["refreshed", "error", "expired"] {
        r.on(
            name.into(),
            fake.throwing_handler(&format!("{name} handler bug")),
        )
        .unwrap();
        r.on(name.into(), fake.recorder()).unwrap();
    }
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq(
        "codes",
        strings(&fake.error_codes()),
        vec!["ProviderThrew".to_string()],
    );
    c.eq(
        "handler calls (throwing + recording, error + refreshed)",
        fake.handler_calls(),
        4,
    );
    c.eq("running", get(&status(&r), "running").as_bool(), Some(true));
    fake.answer_token("tok-2", now() + HOUR, "iso");
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("refreshNow still works", ok.ok(), Some(true.into()));
    c.eq(
        "tokens",
        strings(&fake.tokens()),
        vec!["tok-1".to_string(), "tok-2".to_string()],
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn on_rejects_unknown_names_and_off_removes_a_handler() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let r = refresher(&env.options());
    for name in ["refresh", "Refreshed", "", "errors"] {
        let thrown = r.on(name.into(), fake.recorder());
        c.ok(
            &format!("on({name:?}) throws a TypeError"),
            thrown.is_err_and(|e| e.is_instance_of::<js_sys::TypeError>()),
        );
        c.ok(
            &format!("off({name:?}) throws"),
            r.off(name.into(), fake.recorder()).is_err(),
        );
    }
    let removed = fake.recorder();
    let kept = fake.recorder();
    r.on("refreshed".into(), removed.clone()).unwrap();
    r.on("refreshed".into(), kept.clone()).unwrap();
    r.on("refreshed".into(), kept.clone()).unwrap(); // twice: like addEventListener, once
    r.off("refreshed".into(), removed).unwrap();
    fake.answer_token("tok-1", now() + HOUR, "iso");
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("refreshNow", ok.ok(), Some(true.into()));
    c.eq("handler calls", fake.handler_calls(), 1);
    env.finish(&[&r]).await;
}

/// A handler that calls `stop()` on the refresher that is emitting.
fn stopper(r: &Rc<TokenRefresher>) -> Closure<dyn FnMut(JsValue)> {
    let r = Rc::clone(r);
    Closure::new(move |_event: JsValue| r.stop())
}

#[wasm_bindgen_test]
async fn stop_inside_an_expired_handler_works() {
    let env = Env::new();
    let c = &env.c;
    // At the first check (already expired at start), and from an interval check (margin 0).
    for (label, from_interval) in [("first check", false), ("interval check", true)] {
        let fake = create_fake(OPAQUE);
        let o = options_for(&fake);
        if from_interval {
            set(&o, "minutesBeforeExpiration", 0);
            set(&o, "expiration", now() + 3.0 * f64::from(INTERVAL));
        } else {
            set(&o, "expiration", now() - 1_000.0);
        }
        fake.answer_token("tok-never", now() + HOUR, "iso");
        let r = Rc::new(refresher(&o));
        let stop = stopper(&r);
        r.on(
            "expired".into(),
            stop.as_ref().unchecked_ref::<Function>().clone(),
        )
        .unwrap();
        r.on("expired".into(), fake.recorder()).unwrap(); // after the stopping one: still called
        r.on("refreshed".into(), fake.recorder()).unwrap();
        r.on("error".into(), fake.recorder()).unwrap();
        r.start();
        c.until(&format!("{label}: expired event"), || {
            fake.count("expired") == 1
        })
        .await;
        sleep(4 * INTERVAL).await;
        c.eq(&format!("{label}: provider calls"), fake.call_count(), 0);
        c.eq(&format!("{label}: events"), fake.handler_calls(), 1);
        c.eq(
            &format!("{label}: running"),
            get(&status(&r), "running").as_bool(),
            Some(false),
        );
        c.eq(
            &format!("{label}: started"),
            TokenRefresher::started_count(),
            env.started_before,
        );
        r.stop();
        drop(stop);
    }
    env.finish(&[]).await;
}

#[wasm_bindgen_test]
async fn stop_inside_a_refreshed_handler_ends_the_refreshing() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    fake.answer_forever("tok-", 300.0); // would be refreshed every ~150 ms
    let r = Rc::new(refresher(&env.options()));
    let stop = stopper(&r);
    r.on("refreshed".into(), fake.recorder()).unwrap();
    r.on(
        "refreshed".into(),
        stop.as_ref().unchecked_ref::<Function>().clone(),
    )
    .unwrap();
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    sleep(20 * INTERVAL).await;
    c.eq("provider calls", fake.call_count(), 1);
    c.eq(
        "running",
        get(&status(&r), "running").as_bool(),
        Some(false),
    );
    env.finish(&[&r]).await;
    drop(stop);
}

/// Bug found by this test: the first check after `start()` runs `initialise()` (which emits
/// InvalidExpiration for a bad `expiration` option) and then `check()` without looking at whether
/// a handler stopped the refresher in between, so a stopped refresher still calls the provider and
/// `setAccessToken`.
#[wasm_bindgen_test]
async fn stop_inside_the_error_handler_for_a_bad_expiration_option_calls_nothing() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "expiration", "not a date");
    fake.answer_token("tok-after-stop", now() + HOUR, "iso");
    let r = Rc::new(refresher(&o));
    let stop = stopper(&r);
    r.on(
        "error".into(),
        stop.as_ref().unchecked_ref::<Function>().clone(),
    )
    .unwrap();
    r.on("error".into(), fake.recorder()).unwrap();
    r.on("refreshed".into(), fake.recorder()).unwrap();
    r.start();
    c.until("the InvalidExpiration error", || fake.count("error") == 1)
        .await;
    sleep(5 * INTERVAL).await;
    c.eq(
        "codes",
        strings(&fake.error_codes()),
        vec!["InvalidExpiration".to_string()],
    );
    c.eq(
        "provider calls after stop() in the handler",
        fake.call_count(),
        0,
    );
    c.eq(
        "setAccessToken calls after stop() in the handler",
        fake.tokens().length(),
        0,
    );
    c.eq("refreshed events", fake.count("refreshed"), 0);
    env.finish(&[&r]).await;
    drop(stop);
}

// --- 10. refreshNow ----------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn refresh_now_resolves_true_after_a_success_and_false_after_a_failure() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "expiration", now() + HOUR);
    set(&o, "retryDelayMs", 60_000);
    let r = recorded(fake, &o);
    r.start();
    sleep(2 * INTERVAL).await;
    c.eq("provider calls while fresh", fake.call_count(), 0);

    fake.answer_token("tok-manual", now() + HOUR, "iso");
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("after a success", ok.ok(), Some(true.into()));
    c.eq(
        "reason",
        text(&nth(&fake.calls(), 0), "reason"),
        some("manual"),
    );
    c.eq(
        "refreshed.reason",
        text(&nth(&fake.events_of("refreshed"), 0), "reason"),
        some("manual"),
    );

    fake.answer_throw("nope");
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("after a failure", ok.ok(), Some(false.into()));
    c.eq(
        "codes",
        strings(&fake.error_codes()),
        vec!["ProviderThrew".to_string()],
    );

    // A manual refresh does not wait out the retry delay.
    fake.answer_token("tok-manual-2", now() + HOUR, "iso");
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("during the retry delay", ok.ok(), Some(true.into()));
    c.eq(
        "tokens",
        strings(&fake.tokens()),
        vec!["tok-manual".to_string(), "tok-manual-2".to_string()],
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn concurrent_refresh_now_calls_make_one_provider_call() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "expiration", now() + HOUR);
    let r = recorded(fake, &o);
    r.start();
    sleep(2 * INTERVAL).await;
    fake.answer_hang(false);
    let first = watch(r.refresh_now());
    let second = watch(r.refresh_now());
    c.until("the provider call", || fake.call_count() == 1)
        .await;
    set_hidden(false.into());
    dispatch_visibility_change(); // a third trigger while in flight
    set_hidden(JsValue::UNDEFINED);
    sleep(3 * INTERVAL).await;
    c.eq("provider calls while in flight", fake.call_count(), 1);
    c.ok(
        "refreshing while in flight",
        get(&status(&r), "refreshing").as_bool() == Some(true),
    );
    c.ok(
        "both pending",
        settled(&first).is_none() && settled(&second).is_none(),
    );
    fake.settle_pending(0, &answer("tok-shared", now() + HOUR));
    c.until("both to settle", || {
        settled(&first).is_some() && settled(&second).is_some()
    })
    .await;
    c.eq(
        "first",
        settled(&first).and_then(Result::ok),
        Some(true.into()),
    );
    c.eq(
        "second",
        settled(&second).and_then(Result::ok),
        Some(true.into()),
    );
    c.eq("provider calls", fake.call_count(), 1);
    c.eq("refreshed events", fake.count("refreshed"), 1);
    c.eq(
        "tokens",
        strings(&fake.tokens()),
        vec!["tok-shared".to_string()],
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn refresh_now_works_on_a_refresher_never_started() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let r = recorded(fake, &env.options());
    fake.answer_token("tok-unstarted", now() + HOUR, "iso");
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("refreshNow", ok.ok(), Some(true.into()));
    c.eq(
        "started",
        TokenRefresher::started_count(),
        env.started_before,
    );
    fake.answer_throw("fails");
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("refreshNow failing", ok.ok(), Some(false.into()));
    let e = nth(&fake.events_of("error"), 0);
    c.ok(
        "no retry is scheduled when not started",
        get(&e, "retryInMs").is_null() && get(&e, "retryAt").is_null(),
    );
    sleep(5 * INTERVAL).await;
    c.eq("provider calls (no timers)", fake.call_count(), 2);
    env.finish(&[&r]).await;
}

/// Bug found by this test: `start()` reads the expiration in a microtask that replaces the whole
/// schedule, so a `refreshNow()` made right after `start()` (same task) has its in-flight state
/// wiped and the first check starts a second, concurrent refresh.
#[wasm_bindgen_test]
async fn refresh_now_right_after_start_makes_one_provider_call() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    fake.answer_forever("tok-", HOUR);
    let r = recorded(fake, &env.options()); // expiration unknown: the first check refreshes
    r.start();
    let ok = JsFuture::from(r.refresh_now()).await;
    sleep(3 * INTERVAL).await;
    c.eq("refreshNow", ok.ok(), Some(true.into()));
    c.eq("provider calls", fake.call_count(), 1);
    c.eq("setAccessToken calls", fake.tokens().length(), 1);
    c.eq("refreshed events", fake.count("refreshed"), 1);
    env.finish(&[&r]).await;
}

/// Bug found by this test (same cause): a token obtained with `refreshNow()` before `start()` is
/// forgotten by `start()`, which goes back to the `expiration` option and refreshes again.
#[wasm_bindgen_test]
async fn start_after_refresh_now_keeps_the_new_expiration() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "expiration", now() + 5.0 * MIN); // within the margin
    let new_expiration = now() + HOUR;
    fake.answer_token("tok-before-start", new_expiration, "iso");
    fake.answer_token("tok-again", now() + 2.0 * HOUR, "iso");
    let r = recorded(fake, &o);
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("refreshNow before start", ok.ok(), Some(true.into()));
    r.start();
    sleep(5 * INTERVAL).await;
    c.eq("provider calls", fake.call_count(), 1);
    c.eq(
        "status.expiration",
        text(&status(&r), "expiration"),
        Some(iso_of(new_expiration)),
    );
    env.finish(&[&r]).await;
}

// --- 11. setAccessToken that never answers ------------------------------------------------------

#[wasm_bindgen_test]
async fn a_set_access_token_that_never_answers_times_out_then_recovers() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "setAccessTokenTimeoutMs", 30);
    fake.set_next("hang");
    fake.answer_token("tok-lost", now() + HOUR, "iso");
    fake.answer_token("tok-kept", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq(
        "codes",
        strings(&fake.error_codes()),
        vec!["SetAccessTokenTimeout".to_string()],
    );
    c.eq(
        "tokens",
        strings(&fake.tokens()),
        vec!["tok-lost".to_string(), "tok-kept".to_string()],
    );
    c.eq(
        "refreshed.attempts",
        num(&nth(&fake.events_of("refreshed"), 0), "attempts"),
        Some(2.0),
    );
    // The hung call answers at last: no second refreshed event, no error.
    fake.settle_set(0, true);
    sleep(3 * INTERVAL).await;
    c.eq("refreshed events", fake.count("refreshed"), 1);
    c.eq("error events", fake.count("error"), 1);
    env.finish(&[&r]).await;
}

// --- where the embed comes from ----------------------------------------------------------------

#[wasm_bindgen_test]
async fn the_global_window_powerbi_is_used_without_the_powerbi_option() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    unset(&o, "powerbi");

    remove_global_powerbi();
    let r = recorded(fake, &o);
    r.start();
    c.until("an error without window.powerbi", || {
        fake.count("error") >= 1
    })
    .await;
    let e = nth(&fake.events_of("error"), 0);
    c.eq("code", text(&e, "code"), some("NoEmbed"));
    c.ok(
        "message names window.powerbi",
        text(&e, "message").is_some_and(|m| m.contains("window.powerbi")),
    );
    c.eq("provider calls", fake.call_count(), 0);

    fake.answer_token("tok-global-service", now() + HOUR, "iso");
    install_global_powerbi(fake);
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq(
        "tokens",
        strings(&fake.tokens()),
        vec!["tok-global-service".to_string()],
    );
    r.stop();
    remove_global_powerbi();
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn the_embed_option_is_refreshed_directly() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    unset(&o, "container");
    unset(&o, "powerbi");
    set(&o, "embed", fake.embed());
    fake.set_has_embed(false); // powerbi.get would fail: it must not be asked
    fake.answer_token("tok-direct", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq(
        "tokens on the embed",
        strings(&get(&fake.embed(), "tokens").unchecked_into()),
        vec!["tok-direct".to_string()],
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn an_embed_replaced_while_the_provider_works_gets_the_token() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    fake.answer_hang(false);
    let r = recorded(fake, &env.options());
    r.start();
    c.until("the provider call", || fake.call_count() == 1)
        .await;
    fake.replace_embed("re-embedded-config-token");
    fake.settle_pending(0, &answer("tok-for-new-embed", now() + HOUR));
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    let embeds = fake.embeds();
    c.eq(
        "tokens on the old embed",
        strings(&get(&nth(&embeds, 0), "tokens").unchecked_into()),
        Vec::new(),
    );
    c.eq(
        "tokens on the new embed",
        strings(&get(&nth(&embeds, 1), "tokens").unchecked_into()),
        vec!["tok-for-new-embed".to_string()],
    );
    env.finish(&[&r]).await;
}

// --- the constructor ---------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn the_constructor_throws_a_type_error_for_each_mistake_and_starts_nothing() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let not_objects: [(&str, JsValue); 3] = [
        ("undefined", JsValue::UNDEFINED),
        ("null", JsValue::NULL),
        ("a string", "#embedContainer".into()),
    ];
    for (label, value) in not_objects {
        let made = TokenRefresher::new(value.unchecked_into());
        c.ok(
            &format!("options {label}: TypeError"),
            made.is_err_and(|e| e.is_instance_of::<js_sys::TypeError>()),
        );
    }
    let cases: [(&str, &str, JsValue); 18] = [
        ("no container", "container", JsValue::UNDEFINED),
        ("container: a selector", "container", "#embed".into()),
        (
            "container: a plain object",
            "container",
            Object::new().into(),
        ),
        (
            "embed without setAccessToken",
            "embed",
            Object::new().into(),
        ),
        ("powerbi without get", "powerbi", Object::new().into()),
        (
            "getNewAccessToken: a URL",
            "getNewAccessToken",
            "/api/token".into(),
        ),
        ("checkIntervalMs: 0", "checkIntervalMs", 0.into()),
        ("checkIntervalMs: -5", "checkIntervalMs", (-5).into()),
        (
            "checkIntervalMs: a string",
            "checkIntervalMs",
            "30000".into(),
        ),
        ("checkIntervalMs: NaN", "checkIntervalMs", f64::NAN.into()),
        (
            "checkIntervalMs: 2^31",
            "checkIntervalMs",
            2_147_483_648.0.into(),
        ),
        (
            "minutesBeforeExpiration: -1",
            "minutesBeforeExpiration",
            (-1).into(),
        ),
        (
            "minutesBeforeExpiration: a string",
            "minutesBeforeExpiration",
            "10".into(),
        ),
        ("retryDelayMs: 0", "retryDelayMs", 0.into()),
        (
            "maxRetryDelayMs below retryDelayMs",
            "maxRetryDelayMs",
            5.into(),
        ),
        (
            "providerTimeoutMs: Infinity",
            "providerTimeoutMs",
            f64::INFINITY.into(),
        ),
        (
            "setAccessTokenTimeoutMs: -1",
            "setAccessTokenTimeoutMs",
            (-1).into(),
        ),
        ("retryDelayMs: a string", "retryDelayMs", "5000".into()),
    ];
    for (label, key, value) in cases {
        let o = env.options();
        if value.is_undefined() {
            unset(&o, key);
        } else {
            set(&o, key, value);
        }
        let made = TokenRefresher::new(o.unchecked_into());
        c.ok(
            &format!("{label}: TypeError"),
            made.is_err_and(|e| e.is_instance_of::<js_sys::TypeError>()),
        );
    }
    // Accepted edge values.
    let fine: [(&str, &str, JsValue); 4] = [
        ("fractional minutes", "minutesBeforeExpiration", 0.5.into()),
        ("zero minutes", "minutesBeforeExpiration", 0.into()),
        (
            "getNewAccessToken: null",
            "getNewAccessToken",
            JsValue::NULL,
        ),
        (
            "maxRetryDelayMs equal to retryDelayMs",
            "maxRetryDelayMs",
            RETRY.into(),
        ),
    ];
    for (label, key, value) in fine {
        let o = env.options();
        set(&o, key, value);
        c.ok(
            &format!("{label}: accepted"),
            TokenRefresher::new(o.unchecked_into()).is_ok(),
        );
    }
    sleep(2 * INTERVAL).await;
    c.eq("provider calls", fake.call_count(), 0);
    env.finish(&[]).await;
}
