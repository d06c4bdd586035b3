//! The constructor: a `TypeError` for each wrong option, edge values accepted, nothing started.

use js_sys::Object;
use powerbi_token_refresh::TokenRefresher;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

use crate::support::*;

#[wasm_bindgen_test]
async fn the_constructor_throws_a_type_error_for_each_mistake_and_starts_nothing() {
    let env = Env::new();
    let (fake, c) = (&env.fake, &env.c);
    let not_objects: [(&str, JsValue); 3] = [
        ("undefined", JsValue::UNDEFINED),
        ("null", JsValue::NULL),
        ("a string", "#embedContainer".into()),
    ];
    for (label, value) in not_objects {
        let made = TokenRefresher::new(value.unchecked_into());
        c.ok(
            &format!("options {label}: TypeError"),
            made.is_err_and(|e| e.is_instance_of::<js_sys::TypeError>()),
        );
    }
    let cases: [(&str, &str, JsValue); 18] = [
        ("no container", "container", JsValue::UNDEFINED),
        ("container: a selector", "container", "#embed".into()),
        (
            "container: a plain object",
            "container",
            Object::new().into(),
        ),
        (
            "embed without setAccessToken",
            "embed",
            Object::new().into(),
        ),
        ("powerbi without get", "powerbi", Object::new().into()),
        (
            "getNewAccessToken: a URL",
            "getNewAccessToken",
            "/api/token".into(),
        ),
        ("checkIntervalMs: 0", "checkIntervalMs", 0.into()),
        ("checkIntervalMs: -5", "checkIntervalMs", (-5).into()),
        (
            "checkIntervalMs: a string",
            "checkIntervalMs",
            "30000".into(),
        ),
        ("checkIntervalMs: NaN", "checkIntervalMs", f64::NAN.into()),
        (
            "checkIntervalMs: 2^31",
            "checkIntervalMs",
            2_147_483_648.0.into(),
        ),
        (
            "minutesBeforeExpiration: -1",
            "minutesBeforeExpiration",
            (-1).into(),
        ),
        (
            "minutesBeforeExpiration: a string",
            "minutesBeforeExpiration",
            "10".into(),
        ),
        ("retryDelayMs: 0", "retryDelayMs", 0.into()),
        (
            "maxRetryDelayMs below retryDelayMs",
            "maxRetryDelayMs",
            5.into(),
        ),
        (
            "providerTimeoutMs: Infinity",
            "providerTimeoutMs",
            f64::INFINITY.into(),
        ),
        (
            "setAccessTokenTimeoutMs: -1",
            "setAccessTokenTimeoutMs",
            (-1).into(),
        ),
        ("retryDelayMs: a string", "retryDelayMs", "5000".into()),
    ];
    for (label, key, value) in cases {
        let o = env.options();
        if value.is_undefined() {
            unset(&o, key);
        } else {
            set(&o, key, value);
        }
        let made = TokenRefresher::new(o.unchecked_into());
        c.ok(
            &format!("{label}: TypeError"),
            made.is_err_and(|e| e.is_instance_of::<js_sys::TypeError>()),
        );
    }
    // Accepted edge values.
    let fine: [(&str, &str, JsValue); 4] = [
        ("fractional minutes", "minutesBeforeExpiration", 0.5.into()),
        ("zero minutes", "minutesBeforeExpiration", 0.into()),
        (
            "getNewAccessToken: null",
            "getNewAccessToken",
            JsValue::NULL,
        ),
        (
            "maxRetryDelayMs equal to retryDelayMs",
            "maxRetryDelayMs",
            RETRY.into(),
        ),
    ];
    for (label, key, value) in fine {
        let o = env.options();
        set(&o, key, value);
        c.ok(
            &format!("{label}: accepted"),
            TokenRefresher::new(o.unchecked_into()).is_ok(),
        );
    }
    sleep(2 * INTERVAL).await;
    c.eq("provider calls", fake.call_count(), 0);
    env.finish(&[]).await;
}
