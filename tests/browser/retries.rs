//! Failures in a row: a provider timeout aborts its call's signal and lengthens the next wait,
//! attempts count up within a streak, retry delays double (with jitter) up to the cap and come
//! sooner as expiry nears, and `status` shows the failure and its pending retry.

use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use crate::support::*;

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
