//! Reading expirations: every form a provider may answer, every form of the `expiration` option,
//! the embed's own JWT when there is no option, an invalid option, a token already expired (the
//! `expired` event), and an issuer whose clock disagrees with the page's (`serverTime`,
//! `expiresIn`).

use js_sys::{Date, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use crate::support::*;

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
