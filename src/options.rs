//! The constructor's options, checked once. A mistake a developer makes while writing the call
//! (a wrong type, a negative interval) throws a `TypeError` from the constructor; everything
//! that can go wrong later, at run time, is an `error` event instead.

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::bindings::{Embed, Options, PowerBiService};
use refresh_core::schedule::Policy;
use refresh_core::{js_number, Millis};

/// The largest delay `setTimeout` honours, as the options' bound (the one constant is the core's).
const MAX_TIMER_MS: f64 = js_number::MAX_TIMER_MS as f64;

/// Where an embed comes from, asked anew at each refresh so a re-embedded container works.
#[derive(Clone)]
pub enum Source {
    /// An embed object given directly (e.g. powerbi-client-react's `getEmbeddedComponent`).
    Embed(Embed),
    /// `service.get(container)`; the global `window.powerbi` when no service is given.
    Container {
        element: web_sys::Element,
        service: Option<PowerBiService>,
    },
}

/// The numeric options, checked in this order: name, default, least, most, and the message a
/// value out of range throws. A table rather than a call each: one copy of the check (bytes).
const NUMBERS: [(&str, f64, f64, f64, &str); 7] = [
    (
        "minutesBeforeExpiration",
        10.0,
        0.0,
        MAX_TIMER_MS / 60_000.0,
        "minutesBeforeExpiration must be a number of minutes, 0 or more (fractions allowed)",
    ),
    (
        "retryDelayMs",
        5_000.0,
        1.0,
        MAX_TIMER_MS,
        "retryDelayMs must be a number of milliseconds from 1 to 2147483647",
    ),
    (
        "maxRetryDelayMs",
        300_000.0,
        1.0,
        MAX_TIMER_MS,
        "maxRetryDelayMs must be a number of milliseconds, at least retryDelayMs",
    ),
    (
        "checkIntervalMs",
        30_000.0,
        1.0,
        MAX_TIMER_MS,
        "checkIntervalMs must be a number of milliseconds from 1 to 2147483647",
    ),
    (
        "minRefreshGapMs",
        5_000.0,
        0.0,
        MAX_TIMER_MS,
        "minRefreshGapMs must be a number of milliseconds from 0 to 2147483647",
    ),
    (
        "providerTimeoutMs",
        30_000.0,
        1.0,
        MAX_TIMER_MS,
        "providerTimeoutMs must be a number of milliseconds from 1 to 2147483647",
    ),
    (
        "setAccessTokenTimeoutMs",
        10_000.0,
        1.0,
        MAX_TIMER_MS,
        "setAccessTokenTimeoutMs must be a number of milliseconds from 1 to 2147483647",
    ),
];
/// Indices in [`NUMBERS`] of the two that depend on each other.
const RETRY: usize = 1;
const MAX_RETRY: usize = 2;

pub struct Config {
    /// Every embed that shares the token: one provider call, then `setAccessToken` on each.
    pub sources: Vec<Source>,
    pub report_id: JsValue,
    pub group_id: JsValue,
    /// The `expiration` option as given; read when the refresher starts.
    pub expiration: JsValue,
    /// `None`: call the global `getNewUserAccessToken(reportId, groupId)`.
    pub provider: Option<Function>,
    pub policy: Policy,
    pub check_interval_ms: u32,
    pub provider_timeout_ms: u32,
    pub set_token_timeout_ms: u32,
    /// `reload()` each embed after a token that had expired is replaced (`reloadAfterExpiry`).
    pub reload_after_expiry: bool,
    /// `crossTab`: the key tabs share one refresh under, if on.
    pub cross_tab: Option<String>,
    pub debug: bool,
}

pub fn read(options: &Options) -> Result<Config, JsValue> {
    if !options.is_object() {
        return Err(type_error(
            "options must be an object: new TokenRefresher({ container, getNewAccessToken, ... })",
        ));
    }
    let embeds = get(options, "embed");
    let mut sources = Vec::new();
    if !embeds.is_undefined() {
        for embed in list(&embeds) {
            if !has_method(&embed, "setAccessToken") {
                return Err(type_error(
                    "embed must be a powerbi-client embed (an object with setAccessToken), or an array of them",
                ));
            }
            sources.push(Source::Embed(embed.unchecked_into()));
        }
    } else {
        let elements = get(options, "container");
        if elements.is_null_or_undefined() {
            return Err(type_error(
                "container is required: the element given to powerbi.embed (or pass embed)",
            ));
        }
        let service = get(options, "powerbi");
        let service: Option<PowerBiService> = if service.is_undefined() {
            None
        } else if has_method(&service, "get") {
            Some(service.unchecked_into())
        } else {
            return Err(type_error(
                "powerbi must be a powerbi-client service (an object with get)",
            ));
        };
        for element in list(&elements) {
            let Ok(element) = element.dyn_into::<web_sys::Element>() else {
                return Err(type_error(
                    "container must be a DOM element (the one given to powerbi.embed), or an array of them",
                ));
            };
            sources.push(Source::Container {
                element,
                service: service.clone(),
            });
        }
    }
    if sources.is_empty() {
        return Err(type_error("container (or embed) is an empty list"));
    }
    let provider = match get(options, "getNewAccessToken") {
        f if f.is_null_or_undefined() => None,
        f if f.is_function() => Some(f.unchecked_into()),
        _ => {
            return Err(type_error(
                "getNewAccessToken must be a function returning { token, expiration }",
            ))
        }
    };
    let mut n = [0.0; NUMBERS.len()];
    for (i, &(key, default, min, max, message)) in NUMBERS.iter().enumerate() {
        // maxRetryDelayMs is at least retryDelayMs, which also raises its default.
        let (default, min) = match i {
            MAX_RETRY => (default.max(n[RETRY]), n[RETRY]),
            _ => (default, min),
        };
        n[i] = number(get(options, key), default, min, max, message)?;
    }
    let [minutes, retry_base, retry_cap, check_interval, min_gap, provider_timeout, set_token_timeout] =
        n;
    let check_interval_ms = check_interval as u32;
    Ok(Config {
        sources,
        report_id: get(options, "reportId"),
        group_id: get(options, "groupId"),
        expiration: get(options, "expiration"),
        provider,
        policy: Policy {
            margin: (minutes * 60_000.0) as Millis,
            retry_base: retry_base as Millis,
            retry_cap: retry_cap as Millis,
            min_gap: min_gap as Millis,
            check_interval: Millis::from(check_interval_ms),
        },
        check_interval_ms,
        provider_timeout_ms: provider_timeout as u32,
        set_token_timeout_ms: set_token_timeout as u32,
        reload_after_expiry: !matches!(get(options, "reloadAfterExpiry").as_bool(), Some(false)),
        cross_tab: cross_tab_key(options)?,
        debug: get(options, "debug").is_truthy(),
    })
}

/// One value, or each item of a list: an array, or an array-like such as a `NodeList` (an
/// object with a numeric `length` that is not itself an element or an embed).
fn list(value: &JsValue) -> Vec<JsValue> {
    let length = js_sys::Reflect::get(value, &"length".into()).unwrap_or_default();
    let is_list = js_sys::Array::is_array(value)
        || (length.as_f64().is_some() && !value.is_instance_of::<web_sys::Element>());
    if !is_list {
        return vec![value.clone()];
    }
    // Read through `Reflect` like the options, not `Array`'s own `length` and index getters:
    // two imports fewer (bytes). `Array.from` made it an array, so its length is a `u32`.
    let items = js_sys::Array::from(value);
    let at = |key: JsValue| js_sys::Reflect::get(&items, &key).unwrap_or_default();
    let length = at("length".into()).as_f64().unwrap_or_default() as u32;
    (0..length).map(|i| at(i.into())).collect()
}

/// `crossTab: true` shares under the report and group ids, a string under that key.
fn cross_tab_key(options: &Options) -> Result<Option<String>, JsValue> {
    let value = get(options, "crossTab");
    if value.is_null_or_undefined() || value.as_bool() == Some(false) {
        return Ok(None);
    }
    if let Some(key) = value.as_string().filter(|k| !k.is_empty()) {
        return Ok(Some(key));
    }
    if value.as_bool() == Some(true) {
        let ids = js_sys::Array::of2(&get(options, "reportId"), &get(options, "groupId"));
        return Ok(js_sys::JSON::stringify(&ids).ok().map(String::from));
    }
    Err(type_error(
        "crossTab must be true, false, or a non-empty key string",
    ))
}

/// A `TypeError`, as the platform throws for a wrong argument.
fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

/// One option by name. Read through `Reflect` rather than one typed getter per option: each
/// getter is an import with its own glue, and they cost more bytes than the options themselves.
fn get(options: &Options, key: &str) -> JsValue {
    js_sys::Reflect::get(options, &key.into()).unwrap_or_default()
}

fn has_method(value: &JsValue, name: &str) -> bool {
    value.is_object() && js_sys::Reflect::get(value, &name.into()).is_ok_and(|f| f.is_function())
}

/// `undefined` or `null` gives `default`; anything else must be a number in `min..=max`.
fn number(value: JsValue, default: f64, min: f64, max: f64, message: &str) -> Result<f64, JsValue> {
    if value.is_null_or_undefined() {
        return Ok(default);
    }
    match value.as_f64() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(type_error(message)),
    }
}
