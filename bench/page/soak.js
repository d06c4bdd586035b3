// The soak page (bench/run.mjs, "soak"): one side's refresh, many times back to back, with nothing
// else on the page (no instruments, no logs that grow), so what the page holds after 1,000 more
// refreshes is what the refreshes left behind.
//
// - The embed stand-in's `setAccessToken(token)` keeps the token (as powerbi-client does) and
//   resolves at once; `window.powerbi.get(container)` returns it.
// - The provider answers at once with a 2–3 KB token (a real embed token's size), different each
//   time, valid an hour (the floor's: a minute, so that its every check refreshes).
// - base: the documented loop (bench/baseline) loaded as a page would, its interval an hour; a
//   refresh is its own `updateToken(reportId, groupId)`, awaited.
// - ours: the package's `web` entry, `init()` (which resolves to the wasm exports), a started
//   TokenRefresher with `refreshed`/`error` handlers; a refresh is `await refreshNow()` and a
//   read of `status`, as an app's status line would.
// - floor: bench/floor (the loop on our stack) has no refreshNow: its own interval (clamped to a
//   few ms) refreshes at every check, and the `refreshed` handler stops it at the count asked for.
// `held()` reads what the instance holds: wasm-bindgen's externref table (a slot in use holds a
// value; `__externref_table_dealloc` sets a freed slot to null, and slots grown are null, so the
// non-null slots are `externref_heap_live_count()` plus the 4 reserved ones), every exported
// WebAssembly.Table's length, and linear memory. The bench reads the JS heap over CDP.
(() => {
  "use strict";
  const HOUR = 3_600_000;
  const container = document.getElementById("embedContainer");
  const embed = {
    config: { accessToken: "soak.initial" },
    setAccessToken(token) {
      embed.config.accessToken = token;
      return Promise.resolve();
    },
    reload() {
      return Promise.resolve();
    },
  };
  window.powerbi = {
    get(element) {
      if (element !== container) throw new Error("soak powerbi.get: not the embed container");
      return embed;
    },
  };
  window.$ = (selector) => document.querySelectorAll(selector);

  let issued = 0;
  const answer = (lifetimeMs) => {
    issued += 1;
    const body = "x".repeat(2048 + ((issued * 97) % 1024));
    return { token: `soak${issued}.${body}`, expiration: new Date(Date.now() + lifetimeMs).toISOString() };
  };

  let side = null;
  let wasm = null; // the instance's exports (ours, floor)
  let refresher = null;
  const counts = { refreshed: 0, errors: 0, failed: 0 };
  let refresh = null; // one refresh, awaited (base, ours)
  let floorTarget = 0;
  let floorDone = null;

  async function loadScript(src) {
    await new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`${src} did not load`));
      document.head.appendChild(script);
    });
  }

  window.soak = {
    async setup(which) {
      side = which;
      if (side === "base") {
        window.DOCUMENTED_LOOP_CONSTANTS = { MINUTES_BEFORE_EXPIRATION: 10, INTERVAL_TIME: HOUR };
        window.reportId = "bench-report";
        window.groupId = "bench-group";
        window.getNewUserAccessToken = () => Promise.resolve(answer(HOUR));
        await loadScript("/baseline/documented-loop.js");
        window.tokenExpiration = new Date(Date.now() + HOUR).toISOString();
        refresh = async () => {
          await window.updateToken(window.reportId, window.groupId);
          counts.refreshed += 1;
        };
      } else if (side === "ours") {
        const mod = await import("/pkg/powerbi_token_refresh.js");
        wasm = await mod.default({ module_or_path: "/pkg/powerbi_token_refresh_bg.wasm" });
        refresher = new mod.TokenRefresher({
          container,
          reportId: "bench-report",
          groupId: "bench-group",
          expiration: Date.now() + HOUR,
          getNewAccessToken: () => Promise.resolve(answer(HOUR)),
          minRefreshGapMs: 0,
          providerTimeoutMs: 5_000,
          setAccessTokenTimeoutMs: 5_000,
        });
        refresher.on("refreshed", () => (counts.refreshed += 1));
        refresher.on("error", () => (counts.errors += 1));
        refresher.start();
        refresh = async () => {
          if ((await refresher.refreshNow()) !== true) counts.failed += 1;
          if (typeof refresher.status.refreshing !== "boolean") counts.failed += 1;
        };
      } else if (side === "floor") {
        const mod = await import("/floor/documented_loop_in_rust.js");
        wasm = await mod.default({ module_or_path: "/floor/documented_loop_in_rust_bg.wasm" });
        refresher = new mod.TokenRefresher({
          container,
          expiration: new Date(Date.now() - HOUR).toISOString(),
          getNewAccessToken: () => Promise.resolve(answer(60_000)),
          minutesBeforeExpiration: 10,
          checkIntervalMs: 1,
        });
        refresher.on("refreshed", () => {
          counts.refreshed += 1;
          if (counts.refreshed === floorTarget) {
            refresher.stop();
            floorDone();
          }
        });
        refresher.on("error", () => (counts.errors += 1));
      } else throw new Error(`unknown side ${side}`);
      return { exports: wasm ? Object.keys(wasm) : [] };
    },
    /** `n` more refreshes, back to back; how long they took. */
    async run(n) {
      const before = counts.refreshed;
      const t = performance.now();
      if (side === "floor") {
        floorTarget = before + n;
        await new Promise((resolve) => {
          floorDone = resolve;
          refresher.start();
        });
      } else {
        for (let i = 0; i < n; i++) await refresh();
      }
      return { ...counts, ms: performance.now() - t, refreshed: counts.refreshed - before };
    },
    /** What the instance holds now (null for the loop, which has none). */
    held() {
      if (!wasm) return null;
      // The build renames the exports (scripts/short-names.mjs): wasm-bindgen's externref table
      // is the exported table that holds values other than functions (it reserves `true`, ...).
      const tables = Object.values(wasm).filter((v) => v instanceof WebAssembly.Table);
      const holdsValues = (t) => Array.from({ length: t.length }, (_, i) => t.get(i)).some((v) => v !== null && typeof v !== "function");
      const refs = tables.find(holdsValues);
      if (!refs) throw new Error("no externref table among the wasm exports");
      let live = 0;
      for (let i = 0; i < refs.length; i++) if (refs.get(i) !== null) live += 1;
      return {
        references: live,
        table: refs.length,
        tables: Object.values(wasm).filter((v) => v instanceof WebAssembly.Table).map((t) => t.length),
        memory: wasm.memory.buffer.byteLength,
      };
    },
  };
})();
