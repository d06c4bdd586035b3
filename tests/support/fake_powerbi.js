// An in-page stand-in for powerbi-client and for an app's token provider, driven by
// the tests in tests/browser/. Nothing here talks to a network.
//
// - `fake.powerbi` is a service: `get(container)` returns the current embed (or throws when the
//   container holds none, as powerbi-client does).
// - Each embed records every token handed to `setAccessToken`; what `setAccessToken` does
//   (resolve, reject, throw, hang) comes from a queue, resolving when the queue is empty.
// - `fake.provider` (the `getNewAccessToken` option) and `fake.globalProvider` (installed as the
//   global `getNewUserAccessToken`) record their calls and answer from a queue; with the queue
//   empty they answer with `fallback` (by default: throw, so an unexpected call is visible).
// - `fake.recorder(name)` is an event handler recording the events it receives.

const HOUR = 3600 * 1000;

class Fake {
  constructor(configToken) {
    this.container = document.createElement("div");
    // On the page, as an embed's container is: one that leaves the page stops being refreshed.
    document.body.appendChild(this.container);
    this.embeds = [];
    this.hasEmbed = true;
    this.getCalls = 0;
    this.calls = []; // requests given to `provider`
    this.globalCalls = []; // argument lists given to `globalProvider`
    this.queue = []; // provider answers: functions (request) => returned value
    this.pending = []; // hung provider answers: { resolve, reject, signal }
    this.setQueue = []; // setAccessToken behaviours: "resolve" | "reject" | "throw" | "hang"
    this.setPending = []; // hung setAccessToken calls: { resolve, reject, token }
    this.tokens = []; // every token handed to setAccessToken, on any embed
    this.events = []; // every event a recorder received
    this.handlerCalls = 0;
    this.fallback = () => {
      throw new Error("fake provider: no answer queued");
    };
    this.embed = this.newEmbed(configToken);
    const fake = this;
    this.powerbi = {
      get(element) {
        fake.getCalls += 1;
        if (element !== fake.container) {
          throw new Error("fake powerbi.get: not the fake's container");
        }
        if (!fake.hasEmbed) {
          throw new Error("fake powerbi.get: there is no embedded component in this element");
        }
        return fake.embed;
      },
    };
    this.provider = (request) => {
      fake.calls.push(request);
      return fake.answerNext(request);
    };
    this.globalProvider = function (...args) {
      fake.globalCalls.push(args);
      return fake.answerNext({ reportId: args[0], groupId: args[1] });
    };
  }

  // --- the embed -------------------------------------------------------------------------------

  newEmbed(configToken) {
    const fake = this;
    const embed = {
      config: { type: "report", accessToken: configToken },
      tokens: [],
      reloads: 0,
      reload() {
        embed.reloads += 1;
        return Promise.resolve();
      },
      setAccessToken(token) {
        embed.tokens.push(token);
        fake.tokens.push(token);
        const how = fake.setQueue.length ? fake.setQueue.shift() : "resolve";
        switch (how) {
          case "reject":
            return Promise.reject(new Error("fake setAccessToken: rejected"));
          case "throw":
            throw new Error("fake setAccessToken: threw");
          case "hang":
            return new Promise((resolve, reject) => fake.setPending.push({ resolve, reject, token }));
          default:
            return Promise.resolve();
        }
      },
    };
    this.embeds.push(embed);
    return embed;
  }

  /// The container is embedded again: `powerbi.get` now returns a new embed object.
  replaceEmbed(configToken) {
    this.embed = this.newEmbed(configToken);
  }

  setHasEmbed(has) {
    this.hasEmbed = has;
  }

  setNext(how) {
    this.setQueue.push(how);
  }

  settleSet(index, ok) {
    const p = this.setPending[index];
    if (ok) p.resolve();
    else p.reject(new Error("fake setAccessToken: rejected late"));
  }

  // --- the provider ----------------------------------------------------------------------------

  answerNext(request) {
    const answer = this.queue.length ? this.queue.shift() : this.fallback;
    return answer(request);
  }

  /// Returns `value` as it is, synchronously.
  answerValue(value) {
    this.queue.push(() => value);
  }

  /// Returns a promise of `value`.
  answerResolved(value) {
    this.queue.push(() => Promise.resolve(value));
  }

  /// Returns a promise of `{ token, expiration }` in one of the accepted forms; `expiresAt` in ms.
  answerToken(token, expiresAt, form) {
    this.queue.push(() => Promise.resolve(tokenAnswer(token, expiresAt, form)));
  }

  answerThrow(message) {
    this.queue.push(() => {
      throw new Error(message);
    });
  }

  answerReject(message) {
    this.queue.push(() => Promise.reject(new Error(message)));
  }

  /// Returns a promise that settles only through `settlePending`; with `honourSignal`, it
  /// rejects with an AbortError when the request's signal aborts, as `fetch` would.
  answerHang(honourSignal) {
    this.queue.push((request) => {
      const signal = request && request.signal;
      return new Promise((resolve, reject) => {
        this.pending.push({ resolve, reject, signal });
        if (honourSignal && signal) {
          signal.addEventListener("abort", () =>
            reject(new DOMException("The operation was aborted.", "AbortError")),
          );
        }
      });
    });
  }

  settlePending(index, value) {
    this.pending[index].resolve(value);
  }

  failPending(index, message) {
    this.pending[index].reject(new Error(message));
  }

  /// With the queue empty, answer `{ token: prefix + n, expiration: now + lifetimeMs }`.
  answerForever(prefix, lifetimeMs) {
    let n = 0;
    this.fallback = () => {
      n += 1;
      return Promise.resolve({
        token: `${prefix}${n}`,
        expiration: new Date(Date.now() + lifetimeMs).toISOString(),
      });
    };
  }

  // --- events ----------------------------------------------------------------------------------

  recorder() {
    return (event) => {
      this.handlerCalls += 1;
      this.events.push(event);
    };
  }

  throwingHandler(message) {
    return () => {
      this.handlerCalls += 1;
      throw new Error(message);
    };
  }

  eventsOf(type) {
    return this.events.filter((e) => e.type === type);
  }

  count(type) {
    return this.eventsOf(type).length;
  }

  errorCodes() {
    return this.eventsOf("error").map((e) => e.code);
  }

  callCount() {
    return this.calls.length;
  }

  signal(index) {
    return this.calls[index].signal;
  }

  signalAborted(index) {
    const s = this.calls[index] && this.calls[index].signal;
    return Boolean(s && s.aborted);
  }

  signalIsAbortSignal(index) {
    return this.calls[index].signal instanceof AbortSignal;
  }
}

function tokenAnswer(token, expiresAt, form) {
  switch (form) {
    case "iso":
      return { token, expiration: new Date(expiresAt).toISOString() };
    case "iso-offset": {
      // The same instant written with a +02:00 offset and no fraction (expiresAt: whole seconds).
      const local = new Date(expiresAt + 2 * HOUR).toISOString().slice(0, 19);
      return { token, expiration: `${local}+02:00` };
    }
    case "ms":
      return { token, expiration: expiresAt };
    case "date":
      return { token, expiration: new Date(expiresAt) };
    case "msal":
      return { accessToken: token, expiresOn: new Date(expiresAt), tokenType: "Bearer" };
    case "generate-token":
      return { token, tokenId: "4b76f5ed", expiration: new Date(expiresAt).toISOString() };
    default:
      throw new Error(`fake: unknown answer form ${form}`);
  }
}

export function createFake(configToken) {
  return new Fake(configToken);
}

// --- globals -------------------------------------------------------------------------------------

export function installGlobalProvider(fake) {
  window.getNewUserAccessToken = fake.globalProvider;
}

export function removeGlobalProvider() {
  delete window.getNewUserAccessToken;
}

export function installGlobalPowerbi(fake) {
  window.powerbi = fake.powerbi;
}

export function removeGlobalPowerbi() {
  delete window.powerbi;
}

// --- tokens --------------------------------------------------------------------------------------

function base64url(text) {
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/// An unsigned JWT (`alg: none`) shaped like an Azure AD token, with the given `exp` (seconds).
export function makeJwt(expSeconds, subject) {
  const header = base64url(JSON.stringify({ typ: "JWT", alg: "none" }));
  const payload = base64url(
    JSON.stringify({
      aud: "https://analysis.windows.net/powerbi/api",
      iss: "https://sts.windows.net/fake-tenant/",
      iat: expSeconds - 3600,
      nbf: expSeconds - 3600,
      exp: expSeconds,
      sub: subject,
      scp: "Report.Read.All",
    }),
  );
  return `${header}.${payload}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;
}

export function isoOf(ms) {
  return new Date(ms).toISOString();
}

// --- the page ------------------------------------------------------------------------------------

export function dispatchVisibilityChange() {
  document.dispatchEvent(new Event("visibilitychange"));
}

/// Makes `document.hidden` / `visibilityState` report a hidden (true) or visible (false) page;
/// `undefined` removes the override.
export function setHidden(hidden) {
  if (hidden === undefined) {
    delete document.hidden;
    delete document.visibilityState;
    return;
  }
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  Object.defineProperty(document, "visibilityState", {
    configurable: true,
    get: () => (hidden ? "hidden" : "visible"),
  });
}

/// Fires a plain event named `name` at `window` or `document`.
export function dispatchOn(target, name) {
  (target === "document" ? document : window).dispatchEvent(new Event(name));
}

/// Makes `navigator.onLine` report `online`; `undefined` removes the override.
export function setOnline(online) {
  if (online === undefined) {
    Object.defineProperty(Navigator.prototype, "onLine", ONLINE_DESCRIPTOR);
    return;
  }
  Object.defineProperty(Navigator.prototype, "onLine", { configurable: true, get: () => online });
}
const ONLINE_DESCRIPTOR = Object.getOwnPropertyDescriptor(Navigator.prototype, "onLine");

export function documentHidden() {
  return document.hidden;
}

/// Counts every console.debug/log/info/warn/error call (and what it printed) until `restore()`.
export function spyConsole() {
  const methods = ["debug", "log", "info", "warn", "error"];
  const saved = {};
  const spy = {
    calls: [],
    texts() {
      return spy.calls.map((c) => c.text);
    },
    count() {
      return spy.calls.length;
    },
    restore() {
      for (const m of methods) console[m] = saved[m];
    },
  };
  for (const m of methods) {
    saved[m] = console[m];
    console[m] = function (...args) {
      spy.calls.push({ method: m, text: args.map(show).join(" ") });
      return saved[m].apply(this, args);
    };
  }
  return spy;
}

function show(value) {
  if (typeof value === "string") return value;
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack}`;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch (_) {
    // fall through
  }
  return String(value);
}

/// Records uncaught exceptions and unhandled rejections on the page until `stop()`.
export function trackUncaught() {
  const tracker = {
    errors: [],
    list() {
      return tracker.errors.slice();
    },
    stop() {
      window.removeEventListener("error", onError);
      window.removeEventListener("unhandledrejection", onRejection);
    },
  };
  // Only a script error is an ErrorEvent: an embed's own `error` CustomEvent (powerbi-client's
  // bubble up to window) is not an exception thrown at the page.
  const onError = (e) => {
    if (e instanceof ErrorEvent) tracker.errors.push(`error: ${e.message}`);
  };
  const onRejection = (e) => tracker.errors.push(`unhandled rejection: ${show(e.reason)}`);
  window.addEventListener("error", onError);
  window.addEventListener("unhandledrejection", onRejection);
  return tracker;
}

// --- several embeds ----------------------------------------------------------------------------

/// One powerbi service that knows the containers of several fakes, as `window.powerbi` knows
/// every embed on a page.
export function serviceFor(fakes) {
  return {
    get(element) {
      const fake = fakes.find((f) => f.container === element);
      if (!fake) throw new Error("fake powerbi.get: no embed in this element");
      return fake.powerbi.get(element);
    },
  };
}

/// What powerbi-client does when the report raises an error: a CustomEvent on the container.
export function dispatchEmbedError(container, detail) {
  container.dispatchEvent(new CustomEvent("error", { detail }));
}

// --- other tabs ----------------------------------------------------------------------------------

/// Posts `data` on the BroadcastChannel `name`, as another tab (or another app) would.
export function postOnChannel(name, data) {
  const channel = new BroadcastChannel(name);
  channel.postMessage(data);
  channel.close();
}

/// Hides `navigator.locks` (as an old browser or an insecure context would); `false` restores it.
export function hideLocks(hide) {
  if (hide) {
    Object.defineProperty(Navigator.prototype, "locks", { configurable: true, get: () => undefined });
  } else {
    Object.defineProperty(Navigator.prototype, "locks", LOCKS_DESCRIPTOR);
  }
}
const LOCKS_DESCRIPTOR = Object.getOwnPropertyDescriptor(Navigator.prototype, "locks");

// --- the clock -----------------------------------------------------------------------------------

const REAL_DATE_NOW = Date.now;
/// Makes `Date.now()` read `ms` off (negative: behind); 0 puts it right.
export function shiftDateNow(ms) {
  Date.now = ms === 0 ? REAL_DATE_NOW : () => REAL_DATE_NOW.call(Date) + ms;
}
