//! `refreshNow()`: what its promise resolves to, one provider call for concurrent calls, on a
//! refresher never started, and right after or before `start()`.

use powerbi_token_refresh::TokenRefresher;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use crate::support::*;

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
