//! Asking the app for a new token, and making sense of whatever it answers.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use crate::bindings;
use crate::error::{Code, RefreshError};
use crate::expiration;
use crate::options::Config;
use crate::schedule::Reason;
use crate::{expiration_value, timeout, Millis};

/// A usable answer.
pub struct Token {
    pub token: String,
    pub expires_at: Millis,
}

/// Calls the provider — the `getNewAccessToken` option with `{ reportId, groupId, reason, signal }`,
/// else the global `getNewUserAccessToken(reportId, groupId)` — and waits at most
/// `providerTimeoutMs` for its answer. `signal` aborts when the wait is given up.
pub async fn fetch(
    config: &Config,
    reason: Reason,
    signal: &AbortSignal,
) -> Result<Token, RefreshError> {
    let returned = match &config.provider {
        Some(provider) => call_option(provider, config, reason, signal),
        None => call_global(config),
    }?;
    let answer = timeout::within(
        config.provider_timeout_ms,
        JsFuture::from(Promise::resolve(&returned)),
    )
    .await;
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

/// `"<jwt>"`, `{ token, expiration }` (GenerateToken's shape), or MSAL's `{ accessToken, expiresOn }`.
/// With no expiration, a JWT's `exp` claim says when the token expires.
fn read_answer(value: &JsValue) -> Result<Token, RefreshError> {
    if value.is_null_or_undefined() {
        return Err(RefreshError::new(
            Code::ProviderReturnedNothing,
            "the token provider answered null or undefined instead of { token, expiration }",
        ));
    }
    let (token, expiration) = if value.is_string() {
        (value.clone(), JsValue::UNDEFINED)
    } else if value.is_object() && !value.is_function() {
        (
            either(value, "token", "accessToken"),
            either(value, "expiration", "expiresOn"),
        )
    } else {
        return Err(invalid_answer(value));
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
    let expires_at = if expiration.is_null_or_undefined() {
        expiration::from_jwt(&token)?
    } else {
        expiration_value::read(&expiration)?
    };
    Ok(Token { token, expires_at })
}

fn invalid_answer(value: &JsValue) -> RefreshError {
    RefreshError::caused_by(
        Code::InvalidAnswer,
        "the token provider must answer { token: string, expiration } or a JWT string",
        value.clone(),
    )
}

fn either(object: &JsValue, key: &str, alias: &str) -> JsValue {
    let get = |k: &str| Reflect::get(object, &k.into()).unwrap_or_default();
    let value = get(key);
    if value.is_undefined() {
        get(alias)
    } else {
        value
    }
}
