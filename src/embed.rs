//! The embeds whose token we keep fresh: finding them, noticing they left the page, reading
//! their token, handing them a new one, reloading them.

use wasm_bindgen::{JsCast, JsValue};

use crate::bindings::{Embed, PowerBiService};
use crate::clock::wall;
use crate::error::{Code, RefreshError};
use crate::options::Source;
use crate::timeout;
use refresh_core::{js_number, Millis};

/// The embed as it is now: asked for at every refresh, so an embed that was reset and embedded
/// again in the same container is found, and a vanished one is reported rather than written to.
pub fn resolve(source: &Source) -> Result<Embed, RefreshError> {
    match source {
        Source::Embed(embed) => Ok(embed.clone()),
        Source::Container { element, service } => {
            let service = match service {
                Some(service) => service.clone(),
                None => global_service()?,
            };
            match service.get(element.as_ref()) {
                Ok(embed) if embed.is_object() => Ok(embed),
                Ok(other) => Err(RefreshError::caused_by(
                    Code::NoEmbed,
                    NO_EMBED,
                    other.into(),
                )),
                Err(thrown) => Err(RefreshError::caused_by(Code::NoEmbed, NO_EMBED, thrown)),
            }
        }
    }
}

const NO_EMBED: &str =
    "powerbi.get(container) found no embed in the container: embed first, or pass the embed option";

fn global_service() -> Result<PowerBiService, RefreshError> {
    let service =
        js_sys::Reflect::get(&js_sys::global(), &"powerbi".into()).unwrap_or(JsValue::UNDEFINED);
    if service.is_object() {
        Ok(service.unchecked_into())
    } else {
        Err(RefreshError::new(
            Code::NoEmbed,
            "window.powerbi is not defined: load powerbi-client before starting, or pass the powerbi option",
        ))
    }
}

/// Whether the embed left the page for good: its container was removed from the document, or
/// (for an embed given directly) its iframe was. A container that is still there but has no
/// embed may get one again, so that is not "gone".
pub fn gone(source: &Source) -> bool {
    match source {
        Source::Container { element, .. } => !element.is_connected(),
        Source::Embed(embed) => {
            let iframe = js_sys::Reflect::get(embed, &"iframe".into()).unwrap_or_default();
            iframe
                .dyn_ref::<web_sys::Node>()
                .is_some_and(|iframe| !iframe.is_connected())
        }
    }
}

/// The element powerbi-client dispatches the embed's events on (`loaded`, `error`, ...).
pub fn element(source: &Source) -> Option<web_sys::Element> {
    match source {
        Source::Container { element, .. } => Some(element.clone()),
        Source::Embed(embed) => js_sys::Reflect::get(embed, &"element".into())
            .ok()?
            .dyn_into()
            .ok(),
    }
}

/// The token the embed holds now (`embed.config.accessToken`), if it has one.
pub fn current_token(embed: &Embed) -> Option<String> {
    js_sys::Reflect::get(&embed.config(), &"accessToken".into())
        .ok()?
        .as_string()
}

/// A call into the embed whose promise is awaited with a deadline.
#[derive(Clone, Copy)]
pub enum Call {
    /// `setAccessToken(token)`.
    SetToken,
    /// `reload()`: a token set after expiry alone does not revive a report.
    Reload,
}

/// Starts the call; its promise is awaited by [`outcome`]. Started for every embed before any
/// is awaited, so one that hangs does not hold the others back. `false` beside the promise: the
/// embed skipped the call.
pub fn start(embed: &Embed, call: Call, token: &str) -> Result<(JsValue, bool), JsValue> {
    match call {
        Call::SetToken => Ok((embed.set_access_token(token)?, true)),
        Call::Reload => {
            // powerbi-client stamps `lastLoadRequest` when it really posts a load, and returns
            // quietly instead when its previous load is under 100 ms old or its iframe has not
            // loaded: the same stamp before and after means nothing was reloaded.
            let stamp =
                || js_sys::Reflect::get(embed, &"lastLoadRequest".into()).unwrap_or_default();
            let before = stamp();
            let promise = embed.reload()?;
            let after = stamp();
            let skipped = !after.is_undefined() && js_sys::Object::is(&before, &after);
            Ok((promise, !skipped))
        }
    }
}

/// What the call came to, waiting at most `timeout_ms`: powerbi-client waits forever for an
/// iframe that never answers.
pub async fn outcome(
    started: Result<JsValue, JsValue>,
    call: Call,
    timeout_ms: u32,
) -> Result<(), RefreshError> {
    let (code, failed, timeout_code, timed_out) = match call {
        Call::SetToken => (
            Code::SetAccessTokenFailed,
            "setAccessToken failed: the embed rejected the token (see cause)",
            Code::SetAccessTokenTimeout,
            "setAccessToken did not answer within setAccessTokenTimeoutMs; the embed may be gone",
        ),
        Call::Reload => (
            Code::ReloadFailed,
            "reload() after replacing an expired token failed (see cause)",
            Code::ReloadFailed,
            "reload() did not answer within setAccessTokenTimeoutMs",
        ),
    };
    let promise = started.map_err(|thrown| RefreshError::caused_by(code, failed, thrown))?;
    match timeout::within(timeout_ms, &promise).await {
        Some(Ok(_)) => Ok(()),
        Some(Err(reason)) => Err(RefreshError::caused_by(code, failed, reason)),
        None => Err(RefreshError::new(timeout_code, timed_out)),
    }
}

/// The first embed's error when none of those on the page can be found.
pub fn first_error(sources: &[Source]) -> Option<RefreshError> {
    let mut first = None;
    for source in sources {
        match resolve(source) {
            Ok(_) => return None,
            Err(error) => first = first.or(Some(error)),
        }
    }
    first
}

/// An embed's call as started: its promise and whether it really ran, or why it could not
/// start (the embed could not be found, or the call threw).
pub struct Started {
    index: usize,
    call: Result<Result<(JsValue, bool), JsValue>, RefreshError>,
}

/// Starts `call` on each of `embeds` (indices into `sources`) at once.
pub fn start_all(sources: &[Source], embeds: &[usize], call: Call, token: &str) -> Vec<Started> {
    let mut started = Vec::with_capacity(embeds.len());
    for &index in embeds {
        let Some(source) = sources.get(index) else {
            continue;
        };
        let call = resolve(source).map(|e| start(&e, call, token));
        started.push(Started { index, call });
    }
    started
}

/// Every started call awaited against one deadline, `timeout_ms` from now: `Ok(false)` for a
/// call the embed skipped, `NoEmbed` for an embed that could not be found.
pub async fn awaited(
    started: Vec<Started>,
    call: Call,
    timeout_ms: u32,
) -> Vec<(usize, Result<bool, RefreshError>)> {
    let deadline = wall() + Millis::from(timeout_ms);
    let mut results = Vec::with_capacity(started.len());
    for Started { index, call: begun } in started {
        let outcome = match begun {
            Err(error) => Err(error),
            Ok(Ok((_, false))) => Ok(false),
            Ok(promise) => {
                let left = js_number::timer(deadline - wall());
                let promise = promise.map(|(promise, _)| promise);
                outcome(promise, call, left).await.map(|()| true)
            }
        };
        results.push((index, outcome));
    }
    results
}
