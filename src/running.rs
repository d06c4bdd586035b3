//! What runs between `start()` and `stop()`: the interval, the page's listeners and the channel
//! to the other tabs, as one value. Dropping it clears the interval, removes the listeners and
//! closes the channel.

use std::rc::Rc;

use gloo_timers::callback::Interval;
use js_sys::Reflect;
use refresh_core::io::Input;
use wasm_bindgen::JsValue;

use crate::cross_tab::{Message, Peers};
use crate::debug_log;
use crate::embed;
use crate::listener::EventListener;
use crate::options::Config;

/// Hands an input to the driver (which it holds weakly: timers and listeners never keep a
/// refresher alive).
pub type Feed = Rc<dyn Fn(Input<JsValue>)>;

pub struct Running {
    _interval: Interval,
    _listeners: Vec<EventListener>,
    /// The other tabs, with `crossTab` where the browser allows it.
    pub peers: Option<Rc<Peers>>,
}

impl Running {
    /// Arms the interval and the listeners; `None` outside a page with a document.
    pub fn start(config: &Config, feed: &Feed) -> Option<Running> {
        let window = web_sys::window()?;
        let document = window.document()?;
        let feeds = |input: fn() -> Input<JsValue>| {
            let feed = Rc::clone(feed);
            move || feed(input())
        };
        let interval = Interval::new(config.check_interval_ms, feeds(|| Input::Tick));
        let (document, window): (&web_sys::EventTarget, _) = (&document, &window);
        let page: [(_, _, fn() -> Input<_>); 6] = [
            (document, "visibilitychange", || Input::VisibilityChanged),
            (document, "resume", || Input::Check),
            (document, "freeze", || Input::Frozen),
            // Maybe back from the back/forward cache (`persisted`), where timers did not run;
            // not worth reading: the page's first `pageshow` mostly comes before `start()`.
            (window, "pageshow", || Input::Restored),
            (window, "focus", || Input::Check),
            (window, "online", || Input::Online),
        ];
        let mut listeners: Vec<_> = (page.into_iter())
            .map(|(target, name, input)| {
                let feed = feeds(input);
                EventListener::new(target, name, move |_| feed())
            })
            .collect();
        // powerbi-client dispatches the embed's events on its element; `TokenExpired` there
        // means the report is already dead, whatever this clock says.
        for element in config.sources.iter().filter_map(embed::element) {
            let feed = feeds(|| Input::EmbedSaysExpired);
            listeners.push(EventListener::new(&element, "error", move |event| {
                let detail = Reflect::get(&event, &"detail".into()).unwrap_or_default();
                if says_token_expired(&detail) {
                    feed();
                }
            }));
        }
        Some(Running {
            _interval: interval,
            _listeners: listeners,
            peers: open_peers(config, feed),
        })
    }
}

/// The channel to the other tabs, with `crossTab`; says once (with `debug`) when the browser has
/// no Web Locks or BroadcastChannel, and this tab refreshes on its own.
fn open_peers(config: &Config, feed: &Feed) -> Option<Rc<Peers>> {
    let key = config.cross_tab.as_deref()?;
    let feed = Rc::clone(feed);
    let peers = Peers::open(key, move |message| {
        feed(match message {
            Message::Hello => Input::PeerHello,
            Message::Token { token, expires_at } => Input::PeerToken { token, expires_at },
            Message::Failed { code } => Input::PeerFailed { code },
        })
    });
    if peers.is_none() {
        debug_log::log(
            config.debug,
            "crossTab: no Web Locks or BroadcastChannel here; refreshing per tab",
            &JsValue::UNDEFINED,
        );
    }
    peers.map(Rc::new)
}

/// An IError (or a bare message) that says the token expired.
fn says_token_expired(detail: &JsValue) -> bool {
    let field = |key: &str| Reflect::get(detail, &key.into()).ok()?.as_string();
    detail.as_string().as_deref() == Some("TokenExpired")
        || ["errorCode", "message"]
            .iter()
            .any(|key| field(key).as_deref() == Some("TokenExpired"))
}
