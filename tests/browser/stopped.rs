//! A stopped refresher does nothing, whichever way it is reached: `refreshNow()`,
//! `accessTokenProvider`, the embed's `TokenExpired`, a message from another tab. Each is tried
//! with a provider that would answer, so a call would show.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use crate::support::*;

/// A refresher with `crossTab` on (where the bug was), started, refreshed once, then stopped.
async fn stopped(env: &Env, key: &str) -> powerbi_token_refresh::TokenRefresher {
    let fake = &env.fake;
    fake.answer_forever("tok-stopped-", HOUR);
    let o = env.options();
    set(&o, "expiration", now() + HOUR);
    set(&o, "crossTab", key);
    let r = recorded(fake, &o);
    r.start();
    let first = JsFuture::from(r.refresh_now()).await;
    env.c
        .eq("refreshNow while running", first.ok(), Some(true.into()));
    r.stop();
    r
}

#[wasm_bindgen_test]
async fn refresh_now_after_stop_resolves_false_and_calls_nothing() {
    let env = Env::new();
    let r = stopped(&env, &unique("refresh-now")).await;
    let (calls, tokens) = (env.fake.call_count(), env.fake.tokens().length());
    let after = JsFuture::from(r.refresh_now()).await;
    env.c
        .eq("refreshNow after stop", after.ok(), Some(false.into()));
    sleep(5 * INTERVAL).await;
    env.c.eq("provider calls", env.fake.call_count(), calls);
    env.c
        .eq("setAccessToken calls", env.fake.tokens().length(), tokens);
    // start() brings it back.
    r.start();
    let again = JsFuture::from(r.refresh_now()).await;
    env.c
        .eq("refreshNow after start", again.ok(), Some(true.into()));
    env.c.eq(
        "provider calls after start",
        env.fake.call_count(),
        calls + 1,
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn access_token_provider_after_stop_rejects_and_calls_nothing() {
    let env = Env::new();
    let r = stopped(&env, &unique("hook")).await;
    let calls = env.fake.call_count();
    let hook: Function = r.access_token_provider();
    let promise: Promise = hook.call0(&JsValue::UNDEFINED).unwrap().unchecked_into();
    let outcome = JsFuture::from(promise).await;
    let message = outcome
        .as_ref()
        .err()
        .and_then(|e| text(e, "message"))
        .unwrap_or_default();
    env.c.eq(
        "rejected with",
        message.as_str(),
        "the refresher was stopped",
    );
    sleep(5 * INTERVAL).await;
    env.c.eq("provider calls", env.fake.call_count(), calls);
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn token_expired_after_stop_calls_nothing() {
    let env = Env::new();
    let r = stopped(&env, &unique("expired")).await;
    let (calls, events) = (env.fake.call_count(), env.fake.handler_calls());
    dispatch_embed_error(
        &env.fake.container(),
        &object(&[
            ("message", "TokenExpired".into()),
            ("errorCode", "TokenExpired".into()),
        ]),
    );
    sleep(5 * INTERVAL).await;
    env.c.eq("provider calls", env.fake.call_count(), calls);
    env.c.eq("events", env.fake.handler_calls(), events);
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn a_peers_messages_after_stop_change_nothing() {
    let env = Env::new();
    let key = unique("peer");
    let r = stopped(&env, &key).await;
    let (calls, tokens, events) = (
        env.fake.call_count(),
        env.fake.tokens().length(),
        env.fake.handler_calls(),
    );
    let channel = format!("powerbi-token-refresh:{key}");
    let peer = |fields: &[(&str, JsValue)]| {
        let mut all = vec![("app", "powerbi-token-refresh".into())];
        all.extend(fields.iter().cloned());
        post_on_channel(&channel, &object(&all));
    };
    peer(&[
        ("kind", "token".into()),
        ("token", "tok-from-a-peer".into()),
        ("expiresAt", (now() + 2.0 * HOUR).into()),
    ]);
    peer(&[("kind", "hello".into())]);
    peer(&[("kind", "failed".into()), ("code", 3.into())]);
    sleep(5 * INTERVAL).await;
    env.c.eq("provider calls", env.fake.call_count(), calls);
    env.c
        .eq("setAccessToken calls", env.fake.tokens().length(), tokens);
    env.c.eq("events", env.fake.handler_calls(), events);
    env.finish(&[&r]).await;
}
