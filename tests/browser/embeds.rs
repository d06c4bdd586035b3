//! Several embeds, embeds that leave the page, recovery after expiry and the pull hook, against
//! the in-page fake `powerbi` (tests/support). The same behaviours against the real
//! powerbi-client and a stand-in of the Power BI service are in tests/powerbi_client.rs.

use js_sys::{Array, Object, Promise};
use powerbi_token_refresh::TokenRefresher;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use crate::support::*;

/// Three fakes on the page and options for one refresher over all their containers.
fn three(env: &Env) -> (Vec<Fake>, Object) {
    let others = [create_fake("opaque-2"), create_fake("opaque-3")];
    let o = env.options();
    let fakes = Array::of3(&env.fake, &others[0], &others[1]);
    let containers = Array::of3(
        &env.fake.container(),
        &others[0].container(),
        &others[1].container(),
    );
    set(&o, "container", containers);
    set(&o, "powerbi", service_for(&fakes));
    (others.into(), o)
}

fn remove(container: &JsValue) {
    container.unchecked_ref::<web_sys::Element>().remove();
}

fn reloads(fake: &Fake) -> f64 {
    num(&fake.embed(), "reloads").unwrap_or(f64::NAN)
}

#[wasm_bindgen_test]
async fn several_containers_share_one_provider_call() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let (others, o) = three(&env);
    fake.answer_token("tok-shared-1", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq("provider calls for three embeds", fake.call_count(), 1);
    for (name, f) in [
        ("first", fake),
        ("second", &others[0]),
        ("third", &others[1]),
    ] {
        c.eq(
            &format!("{name} embed's tokens"),
            strings(&f.tokens()),
            vec!["tok-shared-1".to_string()],
        );
    }
    // One embed refuses: the refresh fails (and is retried), naming that embed.
    others[0].set_next("reject");
    fake.answer_token("tok-shared-2", now() + HOUR, "iso");
    fake.answer_token("tok-shared-3", now() + HOUR, "iso");
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq(
        "refreshNow with one embed refusing",
        ok.ok(),
        Some(false.into()),
    );
    let e = nth(&fake.events_of("error"), 0);
    c.eq("error code", text(&e, "code"), some("SetAccessTokenFailed"));
    c.eq("error names the embed", num(&e, "embedIndex"), Some(1.0));
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("the next refresh", ok.ok(), Some(true.into()));
    c.eq(
        "second embed's tokens",
        strings(&others[0].tokens()),
        ["tok-shared-1", "tok-shared-2", "tok-shared-3"]
            .map(String::from)
            .to_vec(),
    );
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn embeds_that_leave_the_page_are_dropped_then_the_refresher_stops() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let (others, o) = three(&env);
    fake.answer_forever("tok-leave", HOUR);
    let r = recorded(fake, &o);
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    remove(&others[0].container());
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("refresh with one embed gone", ok.ok(), Some(true.into()));
    c.eq(
        "errors",
        strings(&fake.error_codes()),
        vec!["EmbedRemoved".to_string()],
    );
    c.eq(
        "which one",
        num(&nth(&fake.events_of("error"), 0), "embedIndex"),
        Some(1.0),
    );
    c.eq(
        "the removed embed got no new token",
        others[0].tokens().length(),
        1,
    );
    c.eq("the others did", others[1].tokens().length(), 2);
    remove(&fake.container());
    remove(&others[1].container());
    // The next check (every 20 ms) notices, without a refresh being due.
    c.until("the refresher stops", || {
        get(&r.status(), "running").as_bool() == Some(false)
    })
    .await;
    c.eq(
        "errors",
        strings(&fake.error_codes()),
        [
            "EmbedRemoved",
            "EmbedRemoved",
            "EmbedRemoved",
            "NoEmbedsLeft",
        ]
        .map(String::from)
        .to_vec(),
    );
    c.eq("no provider call for nobody", fake.call_count(), 2);
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn a_token_replaced_after_expiry_reloads_the_embed() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "expiration", now() - 1_000.0); // the page opened with an old token
    fake.answer_token("tok-revive", now() + HOUR, "iso");
    fake.answer_token("tok-no-reload", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq("expired events", fake.count("expired"), 1);
    c.eq(
        "reloads after the expired token was replaced",
        reloads(fake),
        1.0,
    );
    let ok = JsFuture::from(r.refresh_now()).await;
    c.eq("a refresh before expiry", ok.ok(), Some(true.into()));
    c.eq("no reload then", reloads(fake), 1.0);
    env.finish(&[&r]).await;

    // Turned off: no reload.
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "expiration", now() - 1_000.0);
    set(&o, "reloadAfterExpiry", false);
    fake.answer_token("tok-no-reload", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq("reloads with reloadAfterExpiry: false", reloads(fake), 0.0);
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn the_embeds_token_expired_error_refreshes_and_reloads_at_once() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "checkIntervalMs", 3_600_000);
    set(&o, "expiration", now() + HOUR); // fresh by this device's clock
    fake.answer_token("tok-after-service-expiry", now() + HOUR, "iso");
    let r = recorded(fake, &o);
    r.start();
    sleep(50).await;
    dispatch_embed_error(
        &fake.container(),
        &object(&[("message", "SomethingElse".into()), ("level", 6.into())]),
    );
    sleep(50).await;
    c.eq("another error: no refresh", fake.call_count(), 0);
    dispatch_embed_error(
        &fake.container(),
        &object(&[
            ("message", "TokenExpired".into()),
            ("errorCode", "TokenExpired".into()),
            ("level", 6.into()),
        ]),
    );
    c.until("a refreshed event", || fake.count("refreshed") == 1)
        .await;
    c.eq(
        "reason",
        text(&nth(&fake.calls(), 0), "reason"),
        some("expired"),
    );
    c.eq("expired events", fake.count("expired"), 1);
    c.eq("reloads", reloads(fake), 1.0);
    r.stop();
    dispatch_embed_error(&fake.container(), &"TokenExpired".into());
    sleep(50).await;
    c.eq("after stop: no listener left", fake.call_count(), 1);
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn the_access_token_provider_hook_shares_the_single_provider_call() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let o = env.options();
    set(&o, "expiration", now() + 60_000.0); // inside the margin
    fake.answer_hang(false);
    let r = recorded(fake, &o);
    let hook = r.access_token_provider();
    r.start();
    c.until("the provider is called", || fake.call_count() == 1)
        .await;
    // The report asks while our refresh is in flight: it joins it.
    let asked: Promise = hook.call0(&JsValue::UNDEFINED).unwrap().unchecked_into();
    let asked = watch(asked);
    sleep(30).await;
    c.eq("provider calls while joined", fake.call_count(), 1);
    fake.settle_pending(0, &answer("tok-hooked", now() + HOUR));
    c.until("the hook's promise settles", || settled(&asked).is_some())
        .await;
    c.eq(
        "the hook got the new token",
        settled(&asked)
            .and_then(|s| s.ok())
            .and_then(|v| v.as_string()),
        some("tok-hooked"),
    );
    // Asked again while the token is fresh: the current token, no provider call.
    let again: Promise = hook.call0(&JsValue::UNDEFINED).unwrap().unchecked_into();
    let again = JsFuture::from(again).await;
    c.eq(
        "fresh: the current token",
        again.ok().and_then(|v| v.as_string()),
        some("tok-hooked"),
    );
    c.eq("provider calls", fake.call_count(), 1);
    // A failing refresh rejects the hook's promise (powerbi-client then answers 400).
    r.stop();
    let o = env.options();
    fake.answer_throw("down");
    let failing = recorded(fake, &o);
    let hook = failing.access_token_provider();
    let rejected: Promise = hook.call0(&JsValue::UNDEFINED).unwrap().unchecked_into();
    let rejected = JsFuture::from(rejected).await;
    c.ok("a failed refresh rejects", rejected.is_err());
    env.finish(&[&r, &failing]).await;
}

#[wasm_bindgen_test]
fn container_lists_are_checked() {
    let fake = create_fake("opaque");
    let o = options_for(&fake);
    set(&o, "container", Array::new());
    let empty = TokenRefresher::new(o.clone().unchecked_into());
    assert!(empty.is_err(), "an empty list is a TypeError");
    set(
        &o,
        "container",
        Array::of2(&fake.container(), &"#not-an-element".into()),
    );
    let mixed = TokenRefresher::new(o.unchecked_into());
    assert!(mixed.is_err(), "a list with a non-element is a TypeError");
}
