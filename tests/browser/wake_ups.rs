//! What runs a check besides the interval: the wake timer armed for the due time (also when it
//! fires early), the page's wake-up events (`visibilitychange`, `pageshow`, `focus`, `resume`,
//! `online`), and being offline, which holds attempts back until the page is online again.

use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

use crate::support::*;

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
