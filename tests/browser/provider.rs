//! The token provider and what it answers: the `getNewAccessToken` option or else the global
//! `getNewUserAccessToken` (missing at first, defined later), and each unusable answer as a named
//! error event followed by a recovery.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

use crate::support::*;

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
    // At least one: the retry (10 ms) may fail again before the next poll looks.
    c.until("an error event", || fake.count("error") >= 1).await;
    let e = nth(&fake.events_of("error"), 0);
    c.eq("code", text(&e, "code"), some("InvalidAnswer"));
    c.eq("cause", get(&e, "cause").as_f64(), Some(42.0));
    env.finish(&[&r]).await;
}
