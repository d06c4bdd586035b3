//! Start, stop and restart: what `stop()` ends (timers, listeners, a provider call or a
//! `setAccessToken` in flight, a `refreshNow()` of the same task), stopping twice, restarting,
//! `startedCount`, and a started refresher whose Rust handle is dropped. That a stopped refresher
//! then ignores every way of reaching it is the topic of `stopped`.

use powerbi_token_refresh::TokenRefresher;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use crate::support::*;

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
