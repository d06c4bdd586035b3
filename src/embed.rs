//! The embed whose token we keep fresh: finding it, reading its token, handing it a new one.

use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::bindings::{Embed, PowerBiService};
use crate::error::{Code, RefreshError};
use crate::options::Source;
use crate::timeout;

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
            match service.get(element) {
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

/// The token the embed holds now (`embed.config.accessToken`), if it has one.
pub fn current_token(embed: &Embed) -> Option<String> {
    js_sys::Reflect::get(&embed.config(), &"accessToken".into())
        .ok()?
        .as_string()
}

/// `embed.setAccessToken(token)`, bounded by `timeout_ms`: powerbi-client waits forever for an
/// iframe that never answers.
pub async fn set_token(embed: &Embed, token: &str, timeout_ms: u32) -> Result<(), RefreshError> {
    const FAILED: &str = "setAccessToken failed: the embed rejected the token (see cause)";
    let promise = embed
        .set_access_token(token)
        .map_err(|thrown| RefreshError::caused_by(Code::SetAccessTokenFailed, FAILED, thrown))?;
    match timeout::within(timeout_ms, JsFuture::from(Promise::resolve(&promise))).await {
        Some(Ok(_)) => Ok(()),
        Some(Err(reason)) => Err(RefreshError::caused_by(
            Code::SetAccessTokenFailed,
            FAILED,
            reason,
        )),
        None => Err(RefreshError::new(
            Code::SetAccessTokenTimeout,
            "setAccessToken did not answer within setAccessTokenTimeoutMs; the embed may be gone",
        )),
    }
}
