// The page side of tests that use the REAL powerbi-client against the local stand-in of the
// Power BI embed service (tests/standin/), driven by tests/powerbi_client.rs. The stand-in must be
// running: `node tests/standin/with-standin.mjs wasm-pack test ...` (see scripts/test.sh).
//
// - `loadPowerbi()` loads the real powerbi.js from the stand-in by a <script> tag, once.
// - `embedReal(type, token, options)` embeds a report, dashboard, tile, visual or qna into a
//   fresh container and resolves with a `RealEmbed` once `loaded` fired.
// - A `RealEmbed` sends commands to its stand-in iframe and awaits the replies: `log()`,
//   `configure(...)`, `emitError(...)`, `expireNow()`, `askToken()`, `releaseHung(...)`.
// - `jwtExpiringAt(expMs, subject)`, `jwtProvider(lifetimeMs)`: JWT-shaped test tokens.
//
// Self-contained on purpose: wasm-bindgen copies a JS snippet next to the test only when a
// `module = "..."` in the same test crate names it, so an `import` of ./fake_powerbi.js from here
// would break in any test file that does not also bind fake_powerbi.js.

const TOKEN_TYPE = { aad: 0, embed: 1 }; // powerbi-models TokenType
const TYPES = ["report", "dashboard", "tile", "visual", "qna"];

let port = 8443;
let loading = null;
let service = null;
let nextEmbed = 0;
let nextCommand = 0;

/// The stand-in's port, when it is not 8443 (the server reads STANDIN_PORT).
export function setStandinPort(value) {
  port = value;
}

export function standinOrigin() {
  return `https://fake.powerbi.com:${port}`;
}

/// Loads the real powerbi.js from the stand-in (once); resolves with the service it creates
/// (also `window.powerbi`).
export function loadPowerbi(timeoutMs = 15000) {
  if (loading) return loading;
  loading = new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = `${standinOrigin()}/powerbi.js`;
    const fail = (why) => {
      clearTimeout(timer);
      script.remove();
      loading = null;
      reject(
        new Error(
          `could not load ${script.src} (${why}): is the stand-in running? ` +
            "Run the tests through `node tests/standin/with-standin.mjs ...`; the browser must map " +
            "fake.powerbi.com to 127.0.0.1 and accept its certificate (webdriver.json), and the " +
            "test server must not isolate origins (WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1).",
        ),
      );
    };
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    script.onload = () => {
      clearTimeout(timer);
      if (window.powerbi && typeof window.powerbi.embed === "function") {
        service = window.powerbi;
        resolve(service);
      } else {
        fail("it loaded but window.powerbi is not a powerbi-client service");
      }
    };
    script.onerror = () => fail("script load failed");
    document.head.appendChild(script);
  });
  return loading;
}

/// The real service loaded by `loadPowerbi` (null before), even if a test replaced
/// `window.powerbi` since.
export function powerbiService() {
  return service;
}

/// A visible element in the page, with no embed: for `container`-without-embed cases, or to
/// give to `embedReal` as `options.container`.
export function emptyContainer() {
  const div = document.createElement("div");
  div.className = "real-powerbi-container";
  // Visible and sized: a hidden cross-origin frame may have its timers throttled.
  div.style.cssText = "width: 320px; height: 200px; display: inline-block;";
  document.body.appendChild(div);
  return div;
}

/// An embed configuration as an app would write it, for `type` (report, dashboard, tile,
/// visual, qna) with `token`. `options.tokenType`: 1 (Embed, default) or 0 (Aad);
/// `options.eventHooks`; `options.config`: extra fields, overriding these.
export function embedConfig(type, token, options = {}) {
  if (!TYPES.includes(type)) throw new Error(`embedConfig: unknown type ${type}`);
  nextEmbed += 1;
  const n = nextEmbed;
  const groupId = `group-${n}`;
  const base = standinOrigin();
  const config = {
    type,
    tokenType: options.tokenType === undefined ? TOKEN_TYPE.embed : options.tokenType,
    accessToken: token,
    uniqueId: `standin-${type}-${n}`,
  };
  switch (type) {
    case "report":
      Object.assign(config, { id: `report-${n}`, groupId, embedUrl: `${base}/reportEmbed?reportId=report-${n}&groupId=${groupId}` });
      break;
    case "visual":
      Object.assign(config, {
        id: `report-${n}`,
        groupId,
        pageName: "ReportSection1",
        visualName: "VisualContainer1",
        embedUrl: `${base}/reportEmbed?reportId=report-${n}&groupId=${groupId}`,
      });
      break;
    case "dashboard":
      Object.assign(config, { id: `dashboard-${n}`, groupId, embedUrl: `${base}/dashboardEmbed?dashboardId=dashboard-${n}&groupId=${groupId}` });
      break;
    case "tile":
      Object.assign(config, {
        id: `tile-${n}`,
        dashboardId: `dashboard-${n}`,
        groupId,
        embedUrl: `${base}/embed?dashboardId=dashboard-${n}&tileId=tile-${n}&groupId=${groupId}`,
      });
      break;
    case "qna":
      Object.assign(config, { datasetIds: [`dataset-${n}`], groupId, embedUrl: `${base}/qnaEmbed?groupId=${groupId}` });
      break;
  }
  if (options.eventHooks) config.eventHooks = options.eventHooks;
  return Object.assign(config, options.config || {});
}

/// Embeds `type` with `token` into `options.container` (default: a new one) with the real
/// powerbi-client; resolves with a `RealEmbed` once the embed's `loaded` event fired. Rejects if
/// `powerbi.embed` throws or `loaded` does not come within `options.loadTimeoutMs` (10 s).
export async function embedReal(type, token, options = {}) {
  const powerbi = await loadPowerbi();
  const container = options.container || emptyContainer();
  const handle = new RealEmbed(type, container, powerbi);
  try {
    handle.embed = powerbi.embed(container, embedConfig(type, token, options));
    await handle.waitForEvent("loaded", 1, options.loadTimeoutMs || 10000);
  } catch (e) {
    handle.remove();
    throw e;
  }
  return handle;
}

/// One embed of the real powerbi-client and its stand-in iframe.
export class RealEmbed {
  constructor(type, container, powerbi) {
    this.type = type;
    this.container = container;
    this.powerbi = powerbi;
    this.embed = null;
    /// Events the embed raised on the container since: { name, detail, at }.
    this.events = [];
    this.listeners = ["loaded", "rendered", "error", "info"].map((name) => {
      const listener = (e) => this.events.push({ name, detail: e.detail, at: Date.now() });
      container.addEventListener(name, listener);
      return [name, listener];
    });
  }

  get uniqueId() {
    return this.embed ? this.embed.config.uniqueId : null;
  }

  /// The iframe powerbi-client made (null once removed).
  get iframe() {
    const frame = this.embed && this.embed.iframe;
    return frame && frame.isConnected ? frame : null;
  }

  /// The token powerbi-client holds for this embed (`embed.config.accessToken`).
  get accessToken() {
    return this.embed ? this.embed.config.accessToken : null;
  }

  eventsOf(name) {
    return this.events.filter((e) => e.name === name);
  }

  count(name) {
    return this.eventsOf(name).length;
  }

  /// Resolves once `count` events `name` have been raised; rejects after `timeoutMs`.
  waitForEvent(name, count = 1, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const poll = () => {
        if (this.count(name) >= count) resolve(this.eventsOf(name)[count - 1]);
        else if (Date.now() > deadline)
          reject(new Error(`${this.type} embed: ${count} "${name}" event(s) did not come within ${timeoutMs} ms (got ${this.count(name)})`));
        else setTimeout(poll, 10);
      };
      poll();
    });
  }

  /// Sends `{ standin: name, ...fields }` to the stand-in iframe; resolves with its reply.
  command(name, fields = {}, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      const frame = this.iframe;
      if (!frame || !frame.contentWindow) {
        reject(new Error(`stand-in command ${name}: the iframe is gone`));
        return;
      }
      const target = frame.contentWindow;
      nextCommand += 1;
      const id = `cmd-${nextCommand}-${Math.random().toString(36).slice(2, 8)}`;
      const done = () => {
        clearTimeout(timer);
        window.removeEventListener("message", onMessage);
      };
      const onMessage = (event) => {
        const d = event.data;
        if (!d || typeof d !== "object" || d.reply !== true || d.id !== id || event.source !== target) return;
        done();
        if (d.error) reject(new Error(`stand-in command ${name}: ${d.error}`));
        else resolve(d);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`stand-in command ${name}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      window.addEventListener("message", onMessage);
      target.postMessage(Object.assign({}, fields, { standin: name, id }), "*");
    });
  }

  /// What the stand-in saw: { tokens: [{ token, at, exp, outcome, whileDead, acceptedAt }],
  /// loads: [at], loadRequests, expiredAt, expiries, dead, held, hookAnswers, events,
  /// requests: [{ at, method, url }], hung, tokenReply }. Times in ms since the epoch.
  log() {
    return this.command("log");
  }

  /// How the stand-in answers `setAccessToken` from now on: "accept", "reject" (403 + IError)
  /// or "hang" (never answers). `once`: replies used first, one per request, e.g. ["reject"].
  configure(tokenReply, once) {
    const fields = {};
    if (tokenReply) fields.tokenReply = tokenReply;
    if (once) fields.tokenReplies = once;
    return this.command("configure", fields);
  }

  /// Makes the stand-in emit an `error` event with this IError body; `die` also marks it dead.
  emitError(error, die = false) {
    return this.command("emitError", { error, die });
  }

  emitEvent(name, body) {
    return this.command("emitEvent", { name, body });
  }

  /// Expires the held token now: TokenExpired error event, dead until the next load.
  expireNow() {
    return this.command("expireNow");
  }

  /// Makes the stand-in ask the page for a token through the accessTokenProvider hook
  /// (POST /reports/<uid>/eventHooks/newAccessToken); resolves with { statusCode, body }.
  askToken(timeoutMs = 5000) {
    return this.command("askToken", {}, timeoutMs);
  }

  /// Answers the token requests left hanging: how = "accept" | "reject".
  releaseHung(how = "accept") {
    return this.command("releaseHung", { how });
  }

  /// `embed.setAccessToken(token)` of the real client (rejects with the stand-in's IError).
  setAccessToken(token) {
    return this.embed.setAccessToken(token);
  }

  /// `embed.reload()`: powerbi-client posts the load again (with the current config token).
  reload() {
    return this.embed.reload();
  }

  removeIframe() {
    const frame = this.embed && this.embed.iframe;
    if (frame) frame.remove();
  }

  /// `powerbi.reset(container)`: the embed and its iframe are gone, the container stays.
  reset() {
    this.powerbi.reset(this.container);
  }

  /// Resets the embed and removes the container and our listeners.
  remove() {
    for (const [name, listener] of this.listeners) this.container.removeEventListener(name, listener);
    this.listeners = [];
    try {
      this.powerbi.reset(this.container);
    } catch (_) {
      // nothing embedded
    }
    this.container.remove();
  }
}

// --- tokens ----------------------------------------------------------------------------------

function base64url(text) {
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/// An unsigned JWT (`alg: none`) shaped like an Azure AD token (as fake_powerbi.js's `makeJwt`),
/// whose `exp` is `expMs` (ms since the epoch; the claim is in seconds and keeps the fraction).
export function jwtExpiringAt(expMs, subject = "standin-test") {
  const exp = expMs / 1000;
  const header = base64url(JSON.stringify({ typ: "JWT", alg: "none" }));
  const payload = base64url(
    JSON.stringify({
      aud: "https://analysis.windows.net/powerbi/api",
      iss: "https://sts.windows.net/fake-tenant/",
      iat: Math.floor(exp) - 3600,
      nbf: Math.floor(exp) - 3600,
      exp,
      sub: subject,
    }),
  );
  return `${header}.${payload}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk`;
}

/// The `exp` of a JWT in ms, or null.
export function jwtExpMs(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const exp = JSON.parse(atob(part + "===".slice((part.length + 3) % 4))).exp;
    return typeof exp === "number" ? exp * 1000 : null;
  } catch (_) {
    return null;
  }
}

/// A token provider for the refresher (`getNewAccessToken`) that mints JWTs living
/// `lifetimeMs`, answered as GenerateToken does ({ token, expiration }); `issued` lists them.
/// `form: "jwt"` answers the bare JWT instead (its exp is the expiration).
export function jwtProvider(lifetimeMs, prefix = "issued", form = "generate-token") {
  const source = {
    issued: [],
    calls: [],
    provider(request) {
      source.calls.push(request);
      const exp = Date.now() + lifetimeMs;
      const token = jwtExpiringAt(exp, `${prefix}-${source.issued.length + 1}`);
      source.issued.push(token);
      const answer = form === "jwt" ? token : { token, expiration: new Date(exp).toISOString() };
      return Promise.resolve(answer);
    },
  };
  source.provider = source.provider.bind(source);
  return source;
}

/// Records the refresher's events ("refreshed", "error", "expired") given to `handler`.
export function recorder() {
  const r = {
    events: [],
    handler(event) {
      r.events.push(Object.assign({ at: Date.now() }, event));
    },
    count(type) {
      return r.events.filter((e) => e.type === type).length;
    },
    codes() {
      return r.events.filter((e) => e.type === "error").map((e) => e.code);
    },
    ofType(type) {
      return r.events.filter((e) => e.type === type);
    },
  };
  r.handler = r.handler.bind(r);
  return r;
}
