//! One refresh for all tabs: a Web Lock so only one tab asks the provider at a time, and a
//! BroadcastChannel on which that tab publishes the new token for the others. Same origin only;
//! tokens travel only between tabs in memory, never through storage.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, BroadcastChannel};

use crate::bindings::LockManager;
use crate::error::Code;
use crate::listener::EventListener;
use crate::objects::{self, Value};
use refresh_core::{js_number, Millis};

/// Marks our messages among whatever else uses the channel name.
const APP: &str = "powerbi-token-refresh";

/// What another tab said.
pub enum Message {
    /// A token it just got from the provider (or holds, answering a hello).
    Token { token: String, expires_at: Millis },
    /// A tab that just started asks for the current token.
    Hello,
    /// The tab holding the lock got this failure from the provider, and retries for all.
    Failed { code: Code },
}

/// The channel and the lock manager, while the refresher runs. Dropping it closes the channel
/// and removes its listener, so nothing is ever posted on a closed channel.
pub struct Peers {
    channel: BroadcastChannel,
    _listener: EventListener,
    locks: LockManager,
    name: String,
}

impl Peers {
    /// `None` where Web Locks or BroadcastChannel are missing (old browser, insecure context).
    pub fn open(key: &str, mut on_message: impl FnMut(Message) + 'static) -> Option<Self> {
        let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
        let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
        if !locks.is_object() {
            return None;
        }
        let mut name = String::from(APP);
        name.push(':');
        name.push_str(key);
        let channel = BroadcastChannel::new(&name).ok()?;
        let listener = EventListener::new(&channel, "message", move |event| {
            let data = Reflect::get(&event, &"data".into()).unwrap_or_default();
            if let Some(message) = parse(&data) {
                on_message(message);
            }
        });
        Some(Self {
            channel,
            _listener: listener,
            locks: locks.unchecked_into(),
            name,
        })
    }

    pub fn publish(&self, token: &str, expires_at: Millis) {
        self.post(&[
            ("kind", Value::Str("token")),
            ("token", Value::Str(token)),
            ("expiresAt", Value::Num(expires_at as f64)),
        ]);
    }

    pub fn hello(&self) {
        self.post(&[("kind", Value::Str("hello"))]);
    }

    pub fn publish_failure(&self, code: Code) {
        self.post(&[
            ("kind", Value::Str("failed")),
            ("code", Value::Num(code.number().into())),
        ]);
    }

    /// A plain object, built like the events (one serializer path for every object we make),
    /// marked as ours.
    fn post(&self, fields: &[(&str, Value)]) {
        let object = objects::object(fields);
        let _ = Reflect::set(&object, &"app".into(), &APP.into());
        let _ = self.channel.post_message(&object);
    }

    /// Waits for the tabs' lock. `None` if the wait was given up (`signal` aborted on stop).
    pub async fn lock(&self, signal: &AbortSignal) -> Option<Held> {
        let mut on_acquired = None;
        let acquired = Promise::new(&mut |resolve, _| on_acquired = Some(resolve));
        let mut on_release = None;
        let released = Promise::new(&mut |resolve, _| on_release = Some(resolve));
        // Called with the lock, which it need not read: taking no argument, it shares its
        // closure type (and wasm-bindgen's glue for it) with `accessTokenProvider`'s.
        let callback = Closure::<dyn FnMut() -> Promise>::once(move || -> Promise {
            if let Some(resolve) = on_acquired {
                let _ = resolve.call1(&JsValue::UNDEFINED, &JsValue::UNDEFINED);
            }
            released
        });
        let options = Object::new();
        let _ = Reflect::set(&options, &"signal".into(), signal);
        let request = self
            .locks
            .request(&self.name, &options, callback.as_ref().unchecked_ref())
            .ok()?;
        // The request rejects when aborted, before the callback ever runs; it resolves only
        // after the lock was held and released, so `acquired` always wins that race.
        let first = Promise::race(&js_sys::Array::of2(&acquired, &request));
        let held = JsFuture::from(first).await.is_ok() && !signal.aborted();
        // Settled either way: the callback has run, or never will.
        drop(callback);
        let release = on_release?;
        if held {
            Some(Held { release })
        } else {
            let _ = release.call1(&JsValue::UNDEFINED, &JsValue::UNDEFINED);
            None
        }
    }
}

impl Drop for Peers {
    fn drop(&mut self) {
        self.channel.close();
    }
}

/// The lock, held until dropped.
pub struct Held {
    release: Function,
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.release.call1(&JsValue::UNDEFINED, &JsValue::UNDEFINED);
    }
}

/// Our message, well formed, or `None`: anything else on the channel is ignored.
fn parse(data: &JsValue) -> Option<Message> {
    let field = |key: &str| Reflect::get(data, &key.into()).ok();
    if !data.is_object() || field("app")?.as_string()? != APP {
        return None;
    }
    match field("kind")?.as_string()?.as_str() {
        "hello" => Some(Message::Hello),
        "failed" => Some(Message::Failed {
            code: Code::from_number(field("code")?.as_f64()?)?,
        }),
        "token" => {
            let token = field("token")?.as_string().filter(|t| !t.is_empty())?;
            // Another tab may run another version, or be buggy: only an instant a Date holds.
            let expires_at = js_number::instant(field("expiresAt")?.as_f64()?)?;
            Some(Message::Token { token, expires_at })
        }
        _ => None,
    }
}
