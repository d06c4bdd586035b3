// The in-page half of the benchmark, loaded by bench/page/index.html into every page. Both sides
// get the same stand-ins and the same instruments; only `start()` differs:
//
// - `window.powerbi.get(container)` returns an embed stand-in whose `setAccessToken(token)`
//   records when the token arrived and resolves after a small delay (a round trip to the bench
//   server, so it is not held back by the timer throttling of hidden tabs, like powerbi-client's
//   postMessage to its iframe); `reload()` is recorded the same way. Tokens carry their expiry:
//   `bench.<expiresAtMs>.<nonce>`.
// - The token provider fetches `/api/token` from the bench server, which counts the calls (across
//   tabs), waits the configured latency and answers `{ token, expiration }` or fails, as the
//   scenario says. A network call, as a real provider's is, so hidden-tab throttling does not
//   lengthen it.
// - Every `setInterval` callback is timed (CPU per check), and visibility/freeze/resume changes
//   are logged.
// Nothing here logs a token.
(() => {
  "use strict";
  const log = {
    calls: [], // provider calls: { start, end, ok, visibility }
    applied: [], // setAccessToken calls: { at, expiresAt, visibility }
    reloads: [], // embed.reload() calls: { at }
    lifecycle: [], // { type, at, visibility }
    events: [], // our package's events: { type, at, code, reason }
    checkMs: [], // duration of every setInterval callback, ms
    checkAt: [], // when each setInterval callback ran (throttling shows here)
    errors: [], // unhandled rejections / errors (the documented loop leaves them unhandled)
  };
  let cfg = null;
  let startedAt = null;
  let refresher = null;
  let ours = null; // the wasm-bindgen module, once loaded
  let baselineSource = null;
  const intervalCallbacks = [];

  // --- instruments ----------------------------------------------------------------------------
  const nativeSetInterval = window.setInterval;
  window.setInterval = function (fn, ms, ...rest) {
    if (typeof fn !== "function") return nativeSetInterval(fn, ms, ...rest);
    intervalCallbacks.push(fn);
    return nativeSetInterval(
      function () {
        const t = performance.now();
        log.checkAt.push(Date.now());
        try {
          return fn.apply(this, arguments);
        } finally {
          log.checkMs.push(performance.now() - t);
        }
      },
      ms,
      ...rest,
    );
  };
  for (const type of ["visibilitychange", "freeze", "resume"]) {
    document.addEventListener(type, () =>
      log.lifecycle.push({ type, at: Date.now(), visibility: document.visibilityState }),
    );
  }
  window.addEventListener("unhandledrejection", (e) => {
    log.errors.push({ at: Date.now(), message: String(e.reason && e.reason.message ? e.reason.message : e.reason).slice(0, 80) });
  });

  // --- the embed stand-in ----------------------------------------------------------------------
  const container = document.getElementById("embedContainer");
  const expiryOf = (token) => Number(String(token).split(".")[1]);
  const embed = {
    config: { accessToken: undefined },
    setAccessToken(token) {
      log.applied.push({ at: Date.now(), expiresAt: expiryOf(token), visibility: document.visibilityState });
      return roundTrip().then(() => {
        embed.config.accessToken = token; // as powerbi-client does once the iframe accepted it
      });
    },
    /** powerbi-client's reload(): recorded, answered after the same round trip. */
    reload() {
      log.reloads.push({ at: Date.now() });
      return roundTrip();
    },
  };
  const roundTrip = () => fetch(`/api/ack?ms=${cfg.ackMs}`, { cache: "no-store" }).then(() => undefined);
  window.powerbi = {
    get(element) {
      if (element !== container) throw new Error("bench powerbi.get: not the embed container");
      return embed;
    },
  };
  // The documented loop finds the container with jQuery; a one-line stand-in will do.
  window.$ = (selector) => document.querySelectorAll(selector);

  // --- the token provider ----------------------------------------------------------------------
  async function fetchToken(signal) {
    const entry = { start: Date.now(), end: null, ok: false, visibility: document.visibilityState };
    log.calls.push(entry);
    try {
      const response = await fetch(`/api/token?k=${encodeURIComponent(cfg.key)}`, { signal, cache: "no-store" });
      if (!response.ok) throw new Error(`token endpoint answered HTTP ${response.status}`);
      const answer = await response.json();
      entry.ok = true;
      return answer;
    } finally {
      entry.end = Date.now();
    }
  }

  function ourOptions() {
    const o = cfg.ours;
    const options = {
      container,
      reportId: "bench-report",
      groupId: "bench-group",
      expiration: new Date(cfg.initialExpiresAt).toISOString(),
      getNewAccessToken: ({ signal }) => fetchToken(signal),
      minutesBeforeExpiration: cfg.marginMs / 60000,
      checkIntervalMs: cfg.intervalMs,
      providerTimeoutMs: o.providerTimeoutMs,
      setAccessTokenTimeoutMs: o.setAccessTokenTimeoutMs,
      retryDelayMs: o.retryDelayMs,
      maxRetryDelayMs: o.maxRetryDelayMs,
      minRefreshGapMs: o.minRefreshGapMs,
    };
    // Ignored by today's package; cross-tab coordination will read it.
    if (o.crossTab) options.crossTab = true;
    return options;
  }

  function listen(r) {
    for (const type of ["refreshed", "error", "expired", "warning"]) {
      try {
        r.on(type, (e) => log.events.push({ type, at: Date.now(), code: e.code, reason: e.reason }));
      } catch (_) {
        // an event this build does not know
      }
    }
  }

  /** Our package, or (side "floor") bench/floor: the documented loop on our stack, same options. */
  async function loadOurs() {
    const [dir, name] = cfg.side === "floor" ? ["/floor", "documented_loop_in_rust"] : ["/pkg", "powerbi_token_refresh"];
    const mod = await import(`${dir}/${name}.js`);
    await mod.default({ module_or_path: `${dir}/${name}_bg.wasm` });
    return mod;
  }

  function baselineGlobals() {
    window.DOCUMENTED_LOOP_CONSTANTS = {
      MINUTES_BEFORE_EXPIRATION: cfg.marginMs / 60000,
      INTERVAL_TIME: cfg.intervalMs,
    };
    window.reportId = "bench-report";
    window.groupId = "bench-group";
    window.getNewUserAccessToken = (reportId, groupId) => fetchToken(undefined);
  }

  function holdInitialToken() {
    embed.config.accessToken = `bench.${cfg.initialExpiresAt}.initial`;
  }

  window.bench = {
    log,
    /** Loads the side's code without starting anything. */
    async setup(config) {
      cfg = config;
      if (cfg.side !== "base") ours = await loadOurs();
      else baselineSource = await (await fetch("/baseline/documented-loop.js", { cache: "no-store" })).text();
      return { crossOriginIsolated: window.crossOriginIsolated, visibility: document.visibilityState };
    },
    /** Starts the loop: ours constructed and started; the documented loop's script evaluated. */
    start(initialExpiresAt) {
      cfg.initialExpiresAt = initialExpiresAt;
      holdInitialToken();
      startedAt = Date.now();
      if (cfg.side !== "base") {
        refresher = new ours.TokenRefresher(ourOptions());
        listen(refresher);
        refresher.start();
      } else {
        baselineGlobals();
        const script = document.createElement("script");
        script.textContent = baselineSource;
        document.head.appendChild(script);
        window.tokenExpiration = new Date(cfg.initialExpiresAt).toISOString();
      }
      return { startedAt, visibility: document.visibilityState };
    },
    /** Cold load + instantiate + start, timed in the page. */
    async loadAndStart(config) {
      cfg = config;
      holdInitialToken();
      const t0 = performance.now();
      let t1;
      if (cfg.side !== "base") {
        ours = await loadOurs();
        t1 = performance.now();
        refresher = new ours.TokenRefresher(ourOptions());
        refresher.start();
      } else {
        baselineGlobals();
        await new Promise((resolve, reject) => {
          const script = document.createElement("script");
          script.src = "/baseline/documented-loop.js";
          script.onload = resolve;
          script.onerror = () => reject(new Error("documented-loop.js did not load"));
          document.head.appendChild(script);
        });
        t1 = performance.now();
        window.tokenExpiration = new Date(cfg.initialExpiresAt).toISOString();
      }
      const t2 = performance.now();
      startedAt = Date.now();
      return { totalMs: t2 - t0, loadMs: t1 - t0, startMs: t2 - t1, crossOriginIsolated: window.crossOriginIsolated };
    },
    /**
     * Calls the loop's interval callback `n` times back to back (a fresh token: no refresh); with
     * `batches`, `n` calls per batch and the fastest batch (less noise from a busy machine).
     */
    warmChecks(n, batches = 1) {
      const check = intervalCallbacks[0];
      if (!check) throw new Error("no interval callback registered");
      for (let i = 0; i < 200; i++) check(); // JIT warm-up
      let best = Infinity;
      for (let b = 0; b < batches; b++) {
        const t = performance.now();
        for (let i = 0; i < n; i++) check();
        best = Math.min(best, (performance.now() - t) / n);
      }
      return best;
    },
    collect() {
      return {
        startedAt,
        initialExpiresAt: cfg && cfg.initialExpiresAt,
        visibility: document.visibilityState,
        status: refresher ? refresher.status : null,
        ...log,
      };
    },
    stop() {
      if (refresher) refresher.stop();
    },
  };
})();
