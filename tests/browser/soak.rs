//! Open for weeks: thousands of refreshes in compressed time (`refreshNow()` back to back, with
//! 2–3 KB tokens, event handlers and `status` reads), alone and with `crossTab`. After a warm-up
//! nothing may grow: wasm-bindgen's live JavaScript references (the `externref` slab), every
//! exported `WebAssembly.Table`, and linear memory. After `stop()` the page's listeners and
//! timers are back to what they were before `start()`.

use js_sys::{Function, Object, Reflect};
use powerbi_token_refresh::TokenRefresher;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use crate::support::*;

#[wasm_bindgen(inline_js = r#"
// Counts the page's live event listeners and timers, from now on: every add/remove and
// set/clear goes through these wrappers (the package's glue looks the globals up at each call).
export function trackResources() {
  if (globalThis.__resources) return globalThis.__resources;
  const r = (globalThis.__resources = { listeners: new Map(), timers: new Set() });
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  const key = (target, type, listener, options) => {
    const capture = typeof options === "boolean" ? options : !!(options && options.capture);
    let byTarget = r.listeners.get(target);
    if (!byTarget) r.listeners.set(target, (byTarget = new Set()));
    return [byTarget, `${type}|${capture}`, listener];
  };
  const ids = new WeakMap();
  let next = 0;
  const id = (listener) => {
    if (!ids.has(listener)) ids.set(listener, ++next);
    return ids.get(listener);
  };
  EventTarget.prototype.addEventListener = function (type, listener, options) {
    if (listener) {
      const [set, kind] = key(this, type, listener, options);
      set.add(`${kind}|${id(listener)}`);
    }
    return add.call(this, type, listener, options);
  };
  EventTarget.prototype.removeEventListener = function (type, listener, options) {
    if (listener) {
      const [set, kind] = key(this, type, listener, options);
      set.delete(`${kind}|${id(listener)}`);
    }
    return remove.call(this, type, listener, options);
  };
  const setT = globalThis.setTimeout, clearT = globalThis.clearTimeout;
  const setI = globalThis.setInterval, clearI = globalThis.clearInterval;
  globalThis.setTimeout = function (handler, ms, ...rest) {
    const timer = setT(function (...args) {
      r.timers.delete(timer);
      return typeof handler === "function" ? handler.apply(this, args) : undefined;
    }, ms, ...rest);
    r.timers.add(timer);
    return timer;
  };
  globalThis.clearTimeout = (timer) => { r.timers.delete(timer); return clearT(timer); };
  globalThis.setInterval = function (...args) {
    const timer = setI(...args);
    r.timers.add(timer);
    return timer;
  };
  globalThis.clearInterval = (timer) => { r.timers.delete(timer); return clearI(timer); };
  return r;
}

export function liveListeners() {
  let n = 0;
  for (const set of globalThis.__resources.listeners.values()) n += set.size;
  return n;
}

export function liveTimers() {
  return globalThis.__resources.timers.size;
}

// The length of every WebAssembly.Table among the instance's exports.
export function tableLengths(exports) {
  return Object.values(exports)
    .filter((v) => v instanceof WebAssembly.Table)
    .map((t) => t.length);
}

export function memoryBytes(memory) {
  return memory.buffer.byteLength;
}

// An answer of 2–3 KB, like a real embed token, different each time.
export function bigTokens(prefix, lifetimeMs) {
  let n = 0;
  return () => {
    n += 1;
    const body = "x".repeat(2048 + ((n * 97) % 1024));
    return Promise.resolve({
      token: `${prefix}${n}.${body}`,
      expiration: new Date(Date.now() + lifetimeMs).toISOString(),
    });
  };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = trackResources)]
    fn track_resources();
    #[wasm_bindgen(js_name = liveListeners)]
    fn live_listeners() -> u32;
    #[wasm_bindgen(js_name = liveTimers)]
    fn live_timers() -> u32;
    #[wasm_bindgen(js_name = tableLengths)]
    fn table_lengths(exports: &JsValue) -> Vec<u32>;
    #[wasm_bindgen(js_name = memoryBytes)]
    fn memory_bytes(memory: &JsValue) -> f64;
    #[wasm_bindgen(js_name = bigTokens)]
    fn big_tokens(prefix: &str, lifetime_ms: f64) -> Function;
}

/// What the module holds at one moment.
#[derive(Debug, Clone, PartialEq)]
struct Held {
    references: u32,
    tables: Vec<u32>,
    memory: f64,
}

fn held() -> Held {
    Held {
        references: wasm_bindgen::externref_heap_live_count(),
        tables: table_lengths(&wasm_bindgen::exports()),
        memory: memory_bytes(&wasm_bindgen::memory()),
    }
}

/// Refreshes after the warm-up, and after it: enough for a leak of one reference per refresh to
/// show many times over the slack.
const WARM_UP: u32 = 200;
/// References that may come and go between two readings (a promise settling a task later).
const SLACK: u32 = 8;

/// A counting handler for every event, so events are made and delivered at each refresh; each
/// test counts under names of its own (`name` carries the driver's token prefix).
fn counter(name: &str) -> Function {
    Function::new_with_args(
        "e",
        &format!("globalThis.__soak_{name} = (globalThis.__soak_{name} || 0) + 1;"),
    )
}

fn counted(name: &str) -> f64 {
    Reflect::get(&js_sys::global(), &format!("__soak_{name}").into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

/// `refreshes` back-to-back `refreshNow()` on `driver`; every refresher in `all` is watched.
async fn soak(
    c: &Checks,
    test: &str,
    driver: &TokenRefresher,
    all: &[&TokenRefresher],
    refreshes: u32,
) {
    let listeners = live_listeners();
    let timers = live_timers();
    for (i, r) in all.iter().enumerate() {
        r.on("refreshed".into(), counter(&format!("{test}_refreshed{i}")))
            .unwrap();
        r.on("error".into(), counter(&format!("{test}_error")))
            .unwrap();
        r.start();
    }
    let mut warm = None;
    for n in 1..=refreshes {
        let done = JsFuture::from(driver.refresh_now()).await;
        if done.ok().and_then(|v| v.as_bool()) != Some(true) {
            c.fail(format!("refreshNow #{n} did not resolve true"));
            break;
        }
        for r in all {
            // Read as an app would, for a status line.
            let s = r.status();
            if get(&s, "refreshing").as_bool().is_none() {
                c.fail("status.refreshing is not a boolean".into());
            }
        }
        if n == WARM_UP {
            sleep(1).await;
            warm = Some(held());
        }
    }
    // The other refreshers get the last token by message, a moment later.
    c.until("every refresher's last refreshed event", || {
        (0..all.len()).all(|i| counted(&format!("{test}_refreshed{i}")) >= f64::from(refreshes))
    })
    .await;
    let end = held();
    let warm = warm.unwrap_or_else(|| end.clone());
    for i in 0..all.len() {
        c.eq(
            &format!("refreshed events of refresher {i}"),
            counted(&format!("{test}_refreshed{i}")),
            f64::from(refreshes),
        );
    }
    c.eq("error events", counted(&format!("{test}_error")), 0.0);
    c.ok(
        &format!(
            "live JS references after {refreshes} refreshes ({}) within {SLACK} of those after {WARM_UP} ({})",
            end.references, warm.references
        ),
        end.references <= warm.references + SLACK,
    );
    c.eq(
        "lengths of the exported WebAssembly.Tables",
        &end.tables,
        &warm.tables,
    );
    c.eq("linear memory (bytes)", end.memory, warm.memory);
    for r in all {
        r.stop();
    }
    // The lock's linger after publishing is the last timer to go.
    sleep(400).await;
    c.eq("page listeners after stop()", live_listeners(), listeners);
    c.eq("timers after stop()", live_timers(), timers);
    web_sys::console::log_1(
        &format!(
            "soak: {refreshes} refreshes on {} refresher(s): references {} -> {}, tables {:?} -> {:?}, memory {} -> {} bytes",
            all.len(),
            warm.references,
            end.references,
            warm.tables,
            end.tables,
            warm.memory,
            end.memory
        )
        .into(),
    );
}

#[wasm_bindgen_test]
async fn three_thousand_refreshes_hold_no_more_than_two_hundred() {
    track_resources();
    let env = Env::new();
    let o = env.options();
    set(&o, "expiration", now() + HOUR);
    set(&o, "getNewAccessToken", big_tokens("soak-", HOUR));
    let r = refresher(&o);
    soak(&env.c, "alone", &r, &[&r], 3_000).await;
    env.finish(&[&r]).await;
}

#[wasm_bindgen_test]
async fn with_cross_tab_three_hundred_shared_refreshes_hold_no_more_than_two_hundred() {
    track_resources();
    let env = Env::new();
    let key = format!("soak-{}", js_sys::Math::random());
    let provider = big_tokens("soak-shared-", HOUR);
    let other = create_fake("other-initial");
    let tabs: Vec<TokenRefresher> = [&env.fake, &other]
        .into_iter()
        .map(|fake| {
            let o: Object = options_for(fake);
            set(&o, "expiration", now() + HOUR);
            set(&o, "getNewAccessToken", provider.clone());
            set(&o, "crossTab", key.as_str());
            refresher(&o)
        })
        .collect();
    // Every refresh takes the lock, asks the provider, publishes, and the other refresher
    // applies the shared token. Fewer than alone: each waits out the lock's linger (150 ms).
    soak(&env.c, "tabs", &tabs[0], &[&tabs[0], &tabs[1]], 300).await;
    env.finish(&[&tabs[0], &tabs[1]]).await;
}
