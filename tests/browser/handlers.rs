//! Event handlers: `on` and `off` and the names they accept, a handler that throws, and a handler
//! that calls `stop()` on the refresher that is emitting.

use std::rc::Rc;

use js_sys::Function;
use powerbi_token_refresh::TokenRefresher;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use crate::support::*;

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
