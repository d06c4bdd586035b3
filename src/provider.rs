//! Asking the app for a new token, and making sense of whatever it answers.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsValue;
use web_sys::AbortSignal;

use crate::bindings;
use crate::error::{Code, RefreshError};
use crate::options::Config;
use crate::{expiration_value, jwt_claims, timeout};
use refresh_core::anchor::Claims;
use refresh_core::expiration::{self, ExpirationError};
use refresh_core::io::Answer;
use refresh_core::schedule::Reason;
use refresh_core::Millis;

/// Calls the provider — the `getNewAccessToken` option with `{ reportId, groupId, reason, signal }`,
/// else the global `getNewUserAccessToken(reportId, groupId)`. `signal` aborts when the wait is
/// given up. What it returned is awaited by [`answer`].
pub fn call(
    config: &Config,
    reason: Reason,
    signal: &AbortSignal,
) -> Result<JsValue, RefreshError> {
    match &config.provider {
        Some(provider) => call_option(provider, config, reason, signal),
        None => call_global(config),
    }
}

/// What the provider's promise (or plain value) came to, waiting at most `timeout_ms`.
pub async fn answer(returned: JsValue, timeout_ms: u32) -> Result<Answer, RefreshError> {
    let answer = timeout::within(timeout_ms, &returned).await;
    match answer {
        None => Err(RefreshError::new(
            Code::ProviderTimeout,
            "the token provider did not answer within providerTimeoutMs",
        )),
        Some(Err(reason)) => Err(RefreshError::caused_by(
            Code::ProviderRejected,
            "the token provider's promise rejected (see cause)",
            reason,
        )),
        Some(Ok(value)) => read_answer(&value),
    }
}

fn call_option(
    provider: &Function,
    config: &Config,
    reason: Reason,
    signal: &AbortSignal,
) -> Result<JsValue, RefreshError> {
    let request = Object::new();
    for (key, value) in [
        ("reportId", config.report_id.clone()),
        ("groupId", config.group_id.clone()),
        ("reason", reason.as_str().into()),
        ("signal", signal.into()),
    ] {
        let _ = Reflect::set(&request, &key.into(), &value);
    }
    provider
        .call1(&JsValue::UNDEFINED, &request)
        .map_err(|thrown| {
            RefreshError::caused_by(
                Code::ProviderThrew,
                "the token provider threw (see cause)",
                thrown,
            )
        })
}

fn call_global(config: &Config) -> Result<JsValue, RefreshError> {
    let global =
        Reflect::get(&js_sys::global(), &"getNewUserAccessToken".into()).unwrap_or_default();
    if !global.is_function() {
        return Err(RefreshError::new(
            Code::NoProvider,
            "no getNewAccessToken option and no global getNewUserAccessToken function to call",
        ));
    }
    bindings::get_new_user_access_token(&config.report_id, &config.group_id).map_err(|thrown| {
        RefreshError::caused_by(
            Code::ProviderThrew,
            "getNewUserAccessToken threw (see cause)",
            thrown,
        )
    })
}

/// `"<jwt>"`, `{ token, expiration }` (GenerateToken's shape), or MSAL's `{ accessToken, expiresOn }`;
/// optionally with `expiresIn` (seconds, as OAuth's `expires_in`) and `serverTime` (the issuer's
/// clock), which anchor the deadline when this device's clock is off. With no expiration, a
/// JWT's `exp` claim says when the token expires.
fn read_answer(value: &JsValue) -> Result<Answer, RefreshError> {
    if value.is_null_or_undefined() {
        return Err(RefreshError::new(
            Code::ProviderReturnedNothing,
            "the token provider answered null or undefined instead of { token, expiration }",
        ));
    }
    let is_object = value.is_object() && !value.is_function();
    if !value.is_string() && !is_object {
        return Err(invalid_answer(value));
    }
    // The first of `keys` that is defined (aliases for MSAL's names).
    let member = |keys: &[&str]| {
        keys.iter()
            .filter(|_| is_object)
            .map(|key| Reflect::get(value, &(*key).into()).unwrap_or_default())
            .find(|v| !v.is_undefined())
            .unwrap_or_default()
    };
    let token = if is_object {
        member(&["token", "accessToken"])
    } else {
        value.clone()
    };
    let Some(token) = token.as_string() else {
        return Err(invalid_answer(value));
    };
    if token.is_empty() {
        return Err(RefreshError::new(
            Code::EmptyToken,
            "the token provider answered an empty token",
        ));
    }
    let expires_in = member(&["expiresIn"]);
    let expires_in = match expires_in.as_f64() {
        _ if expires_in.is_null_or_undefined() => None,
        Some(seconds) if (0.0..=1e10).contains(&seconds) => Some((seconds * 1000.0) as Millis),
        _ => {
            return Err(RefreshError::new(
                Code::InvalidExpiration,
                "expiresIn must be the token's lifetime in seconds (a number, 0 or more)",
            ))
        }
    };
    let server_now = optional(&member(&["serverTime"]))?;
    let (exp, iat) = jwt_claims::claims(&token);
    let expires_at = match optional(&member(&["expiration", "expiresOn"]))? {
        Some(at) => Some(at),
        // Without an expiration, a JWT's `exp`; `expiresIn` alone is enough too.
        None => match (expiration::from_exp_claim(exp), expires_in) {
            (Ok(at), _) => Some(at),
            (Err(ExpirationError::NoExpClaim), Some(_)) => None,
            (Err(e), _) => return Err(e.into()),
        },
    };
    let claims = Claims {
        expires_at,
        expires_in,
        server_now,
        issued_at: expiration::from_iat_claim(iat),
    };
    Ok(Answer { token, claims })
}

/// An instant that may be absent (`null` or `undefined`).
fn optional(value: &JsValue) -> Result<Option<Millis>, RefreshError> {
    if value.is_null_or_undefined() {
        return Ok(None);
    }
    Ok(Some(expiration_value::read(value)?))
}

fn invalid_answer(value: &JsValue) -> RefreshError {
    RefreshError::caused_by(
        Code::InvalidAnswer,
        "the token provider must answer { token: string, expiration } or a JWT string",
        value.clone(),
    )
}
