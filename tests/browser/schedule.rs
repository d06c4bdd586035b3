//! When a refresh falls due: inside the margin before expiry, not while the token is far from it,
//! at half-life for a token that lives less than the margin, and no sooner than
//! `minRefreshGapMs` after the last one.

use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use crate::support::*;

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
