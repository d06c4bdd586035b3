//! Microsoft's documented refresh loop, as plainly as it can be written on the package's stack:
//! every `checkIntervalMs` and when the page becomes visible, if the token expires within the
//! margin, call the provider, then `powerbi.get(container).setAccessToken(token)`; `refreshed` and
//! `error` events. No retry policy, no timeouts, no JWT, no several embeds, no cross-tab: the bench
//! builds it only to weigh it (the size the stack costs before the package's own behaviour).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::callback::Interval;
use js_sys::{Date, Function, Promise, Reflect};
use listener::EventListener;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::Element;

// The package's allocator and owned listener, so that this weighs what the package would ship.
#[path = "../../src/listener.rs"]
mod listener;
// SAFETY: a wasm32 module without threads, as the package's own (src/lib.rs).
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[wasm_bindgen]
extern "C" {
    type Service;
    #[wasm_bindgen(method, catch)]
    fn get(this: &Service, container: &Element) -> Result<Embed, JsValue>;
    type Embed;
    #[wasm_bindgen(method, catch, js_name = setAccessToken)]
    fn set_access_token(this: &Embed, token: &str) -> Result<Promise, JsValue>;
}

#[derive(Serialize)]
struct Refreshed {
    expiration: f64,
}

struct Inner {
    container: Element,
    provider: Function,
    margin_ms: f64,
    expiration: Cell<f64>,
    in_flight: Cell<bool>,
    on_refreshed: RefCell<Vec<Function>>,
    on_error: RefCell<Vec<Function>>,
}

#[wasm_bindgen]
pub struct TokenRefresher {
    inner: Rc<Inner>,
    interval_ms: u32,
    running: Option<(Interval, EventListener)>,
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn date(value: JsValue) -> Option<f64> {
    value
        .as_string()
        .map(|s| Date::parse(&s))
        .filter(|t| t.is_finite())
}

#[wasm_bindgen]
impl TokenRefresher {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<TokenRefresher, JsValue> {
        console_error_panic_hook::set_once();
        let container = get(&options, "container")
            .dyn_into()
            .map_err(|_| JsValue::from_str("container must be an Element"))?;
        let provider = get(&options, "getNewAccessToken")
            .dyn_into()
            .map_err(|_| JsValue::from_str("getNewAccessToken must be a function"))?;
        let minutes = get(&options, "minutesBeforeExpiration")
            .as_f64()
            .unwrap_or(10.0);
        let interval_ms = get(&options, "checkIntervalMs")
            .as_f64()
            .unwrap_or(30_000.0) as u32;
        Ok(TokenRefresher {
            inner: Rc::new(Inner {
                container,
                provider,
                margin_ms: minutes * 60_000.0,
                expiration: Cell::new(date(get(&options, "expiration")).unwrap_or(0.0)),
                in_flight: Cell::new(false),
                on_refreshed: RefCell::default(),
                on_error: RefCell::default(),
            }),
            interval_ms,
            running: None,
        })
    }

    pub fn start(&mut self) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if self.running.is_some() {
            return;
        }
        let inner = self.inner.clone();
        let interval = Interval::new(self.interval_ms, move || check(&inner));
        let inner = self.inner.clone();
        let visible = document.clone();
        let target = document.into();
        let listener = EventListener::new(&target, "visibilitychange", move |_| {
            if !visible.hidden() {
                check(&inner)
            }
        });
        self.running = Some((interval, listener));
    }

    pub fn stop(&mut self) {
        self.running = None;
    }

    pub fn on(&self, name: &str, handler: Function) {
        match name {
            "refreshed" => self.inner.on_refreshed.borrow_mut().push(handler),
            "error" => self.inner.on_error.borrow_mut().push(handler),
            _ => {}
        }
    }
}

fn emit(handlers: &RefCell<Vec<Function>>, payload: &JsValue) {
    let handlers = handlers.borrow().clone();
    for f in &handlers {
        let _ = f.call1(&JsValue::UNDEFINED, payload);
    }
}

fn check(inner: &Rc<Inner>) {
    if inner.in_flight.get() || inner.expiration.get() - Date::now() >= inner.margin_ms {
        return;
    }
    inner.in_flight.set(true);
    let inner = inner.clone();
    spawn_local(async move {
        let result = refresh(&inner).await;
        inner.in_flight.set(false);
        match result {
            Ok(expiration) => {
                inner.expiration.set(expiration);
                if let Ok(payload) = serde_wasm_bindgen::to_value(&Refreshed { expiration }) {
                    emit(&inner.on_refreshed, &payload);
                }
            }
            Err(error) => emit(&inner.on_error, &error),
        }
    });
}

async fn refresh(inner: &Inner) -> Result<f64, JsValue> {
    let answer = inner.provider.call0(&JsValue::UNDEFINED)?;
    let answer = JsFuture::from(Promise::resolve(&answer)).await?;
    let token = get(&answer, "token")
        .as_string()
        .ok_or("no token in the answer")?;
    let expiration = date(get(&answer, "expiration")).ok_or("no expiration in the answer")?;
    let window = web_sys::window().ok_or("no window")?;
    let service: Service = get(&window, "powerbi").unchecked_into();
    JsFuture::from(service.get(&inner.container)?.set_access_token(&token)?).await?;
    Ok(expiration)
}
