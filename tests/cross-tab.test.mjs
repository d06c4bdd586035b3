// crossTab across real pages: several tabs of one origin, each loading the package's `web` entry
// (pkg/web) with its own embed, all asking one token endpoint on a local server that counts
// calls. Runs in headless Chromium (Playwright), or in WebKit with TEST_BROWSER=webkit under
// scripts/webkit/with-driver.mjs (W3C WebDriver; see tests/support/tabs.mjs). Assumes pkg/ is
// built (`bash scripts/build.sh`).
//
// Token lifetimes are a couple of seconds; what is asserted is counts and order (how many
// provider calls, which tokens each tab's embed holds), never how long something took.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { ENGINE, launchTabs } from "./support/tabs.mjs";

const PKG = new URL("../pkg/", import.meta.url);

/// Each tab: an embed that records what it is given, a refresher with crossTab on, the token
/// endpoint as provider. Query: exp (ms, omit for unknown), margin (ms), tab (a name), nolocks
/// (hide Web Locks before the package loads, as in a browser without them). `window.shows`
/// records each pageshow's `persisted`: true when the page came back from the back/forward cache.
const TAB_PAGE = `<!doctype html><meta charset="utf-8"><title>tab</title><script>
window.shows = [];
addEventListener("pageshow", (e) => window.shows.push(e.persisted));
if (new URLSearchParams(location.search).has("nolocks")) {
  Object.defineProperty(Navigator.prototype, "locks", { configurable: true, get: () => undefined });
}
</script><script type="module">
import init, { TokenRefresher } from "/pkg/web/powerbi_token_refresh.js";
await init();
const q = new URLSearchParams(location.search);
const state = (window.state = { received: [], events: [] });
const embed = {
  setAccessToken: async (token) => { state.received.push(token); },
  reload: async () => {},
};
const refresher = new TokenRefresher({
  embed,
  reportId: "report-1",
  groupId: "group-1",
  crossTab: true,
  expiration: q.has("exp") ? Number(q.get("exp")) : undefined,
  minutesBeforeExpiration: Number(q.get("margin")) / 60000,
  checkIntervalMs: 100,
  minRefreshGapMs: 100,
  retryDelayMs: 200,
  getNewAccessToken: async ({ signal }) =>
    (await fetch("/token?tab=" + q.get("tab"), { signal })).json(),
});
for (const name of ["refreshed", "error", "expired"]) refresher.on(name, (e) => state.events.push(e));
refresher.start();
window.refresher = refresher;
state.ready = true;
</script>`;

/// The token endpoint: `lifetimeMs` tokens, numbered; `hold` keeps the next call open until
/// `release()` (or until the page that made it goes away).
function tokenServer(lifetimeMs) {
  const server = {
    calls: [],
    issued: [],
    holdNext: false,
    held: null,
    release() {
      const held = server.held;
      server.held = null;
      if (held) held();
    },
  };
  const http = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/tab.html") {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end(TAB_PAGE);
    }
    if (url.pathname === "/away.html") {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end(`<!doctype html><meta charset="utf-8"><title>away</title>another page`);
    }
    if (url.pathname.startsWith("/pkg/")) {
      const file = new URL(url.pathname.slice("/pkg/".length), PKG);
      if (!existsSync(file)) {
        res.writeHead(404);
        return res.end();
      }
      const type = file.pathname.endsWith(".wasm") ? "application/wasm" : "text/javascript";
      res.writeHead(200, { "content-type": type });
      return res.end(readFileSync(file));
    }
    if (url.pathname === "/token") {
      server.calls.push(url.searchParams.get("tab"));
      const answer = () => {
        const token = `tok-${server.issued.length + 1}`;
        server.issued.push(token);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ token, expiration: Date.now() + lifetimeMs }));
      };
      if (server.holdNext) {
        server.holdNext = false;
        server.held = answer;
        req.on("close", () => {
          if (server.held === answer) server.held = null; // the tab went away
        });
        return;
      }
      return answer();
    }
    res.writeHead(404);
    res.end();
  });
  server.listen = () =>
    new Promise((resolve) => http.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${http.address().port}`)));
  server.close = () => new Promise((resolve) => http.close(resolve));
  return server;
}

async function openTab(browser, base, query) {
  const tab = await browser.open(`${base}/tab.html?${new URLSearchParams(query)}`);
  await until("the tab is ready", () => tab.evaluate(() => Boolean(window.state && window.state.ready)));
  return tab;
}

const received = (page) => page.evaluate(() => window.state.received.slice());
const reasons = (page) =>
  page.evaluate(() => window.state.events.filter((e) => e.type === "refreshed").map((e) => e.reason));
const errors = (page) =>
  page.evaluate(() => window.state.events.filter((e) => e.type === "error").map((e) => e.code));

async function until(what, condition, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/// A fresh browser (one profile, so the tabs share Web Locks and BroadcastChannel) per test.
async function withBrowser(t, lifetimeMs, body) {
  assert.ok(existsSync(new URL("web/powerbi_token_refresh.js", PKG)), "pkg/ is not built: run `bash scripts/build.sh`");
  const server = tokenServer(lifetimeMs);
  const base = await server.listen();
  const browser = await launchTabs();
  t.diagnostic(browser.name);
  try {
    await body({ server, base, browser });
  } finally {
    await browser.close();
    await server.close();
  }
}

test(`${ENGINE}: five tabs: one provider call per refresh between them, every tab's embed gets every token`, { timeout: 60_000 }, async (t) => {
  await withBrowser(t, 2_000, async ({ server, base, browser }) => {
    const exp = Date.now() + 2_500;
    const tabs = [];
    for (let i = 0; i < 5; i += 1) tabs.push(await openTab(browser, base, { tab: `t${i}`, exp, margin: 700 }));
    // Due 0.7 s before each expiry: a refresh every 1.3 s after the first, at 1.8 s.
    await new Promise((r) => setTimeout(r, 2_500 + 3 * 2_000));
    for (const page of tabs) await page.evaluate(() => window.refresher.stop());
    const calls = server.calls.length;
    assert.ok(calls >= 4, `${calls} refreshes`);
    assert.equal(calls, server.issued.length);
    // Alone, each tab would make every one of these calls itself: 5 × as many.
    for (const [i, page] of tabs.entries()) {
      const tokens = await received(page);
      assert.ok(
        server.issued.join() === tokens.join() || server.issued.slice(0, -1).join() === tokens.join(),
        `tab ${i} got every token issued, in order (but maybe the last): ${tokens.length} of ${calls}`,
      );
      assert.deepEqual(await errors(page), [], `tab ${i} errors`);
    }
    const shared = (await Promise.all(tabs.map(reasons))).flat().filter((r) => r === "shared").length;
    assert.ok(shared >= 4 * (calls - 1), `${shared} refreshes applied another tab's token`);
  });
});

/** Three tabs; the first to ask the provider never hears back and then `leave`s (closed, or
 * navigated into the back/forward cache): another tab must ask, and every tab left gets its token. */
async function leaderLeaves(server, base, browser, leave) {
  server.holdNext = true; // the first tab to ask never hears back
  const exp = Date.now() + 1_500;
  const tabs = [];
  for (let i = 0; i < 3; i += 1) tabs.push(await openTab(browser, base, { tab: `t${i}`, exp, margin: 1_000 }));
  await until("the first call", async () => server.calls.length === 1);
  const first = server.calls[0];
  const leader = tabs.find((_, i) => `t${i}` === first);
  await leave(leader);
  await until("another tab asks", async () => server.calls.length === 2);
  assert.notEqual(server.calls[1], first, "the call comes from a tab still shown");
  for (const page of tabs.filter((tab) => tab !== leader)) {
    await until("each remaining tab's embed gets the token", async () => (await received(page)).length === 1);
    assert.deepEqual(await received(page), [server.issued[0]]);
  }
  return { tabs, leader };
}

test(`${ENGINE}: the refreshing tab closing mid-refresh: another tab takes over`, { timeout: 60_000 }, async (t) => {
  await withBrowser(t, 60_000, async ({ server, base, browser }) => {
    await leaderLeaves(server, base, browser, (tab) => tab.close());
    assert.equal(server.calls.length, 2, "no more calls");
  });
});

test(`${ENGINE}: a late tab gets the current token from the others without a provider call`, { timeout: 60_000 }, async (t) => {
  await withBrowser(t, 60_000, async ({ server, base, browser }) => {
    const first = await openTab(browser, base, { tab: "early", exp: Date.now() + 500, margin: 1_000 });
    await until("the early tab's refresh", async () => (await received(first)).length === 1);
    assert.equal(server.calls.length, 1);
    // No expiration: alone it would ask the provider at once.
    const late = await openTab(browser, base, { tab: "late", margin: 1_000 });
    await until("the late tab's embed gets a token", async () => (await received(late)).length === 1);
    assert.deepEqual(await received(late), [server.issued[0]]);
    assert.deepEqual(await reasons(late), ["shared"]);
    assert.equal(server.calls.length, 1, "provider calls");
  });
});

test(`${ENGINE}: without Web Locks each tab refreshes on its own, still correctly`, { timeout: 60_000 }, async (t) => {
  await withBrowser(t, 60_000, async ({ server, base, browser }) => {
    const exp = Date.now() + 500;
    const tabs = [
      await openTab(browser, base, { tab: "a", exp, margin: 1_000, nolocks: 1 }),
      await openTab(browser, base, { tab: "b", exp, margin: 1_000, nolocks: 1 }),
    ];
    for (const page of tabs) {
      await until("each embed gets a token", async () => (await received(page)).length >= 1);
    }
    assert.deepEqual(server.calls.slice().sort(), ["a", "b"], "each tab asked for itself");
  });
});

// The back/forward cache: Safari keeps pages frozen there more than any other browser, and WebKit
// caches a page even while it holds a Web Lock (it releases the lock) or has a fetch in flight.
// Playwright turns Chromium's cache off (--disable-back-forward-cache), so these run in WebKit.
const NO_BFCACHE = ENGINE === "chromium" && "Playwright runs Chromium with --disable-back-forward-cache";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const events = (page) => page.evaluate(() => window.state.events.map((e) => `${e.type}:${e.reason ?? e.code ?? ""}`));

test(`${ENGINE}: a tab restored from the back/forward cache after its token expired there refreshes`, { timeout: 60_000, skip: NO_BFCACHE }, async (t) => {
  await withBrowser(t, 60_000, async ({ server, base, browser }) => {
    const exp = Date.now() + 9_000; // due 1 s before: long after the page has left
    const tab = await openTab(browser, base, { tab: "cached", exp, margin: 1_000 });
    await tab.navigate(`${base}/away.html`);
    await sleep(exp + 500 - Date.now()); // the token expires while the page is frozen
    assert.equal(server.calls.length, 0, "no provider call while the page was in the cache");
    await tab.back();
    assert.deepEqual(await tab.evaluate(() => window.shows), [false, true], "restored from the cache, not reloaded");
    await until("the restored page's embed gets a token", async () => (await received(tab)).length === 1);
    t.diagnostic(`events: ${(await events(tab)).join(", ")}`);
    assert.deepEqual(await received(tab), [server.issued[0]]);
    assert.deepEqual(await errors(tab), []);
    assert.equal(server.calls.length, 1, "provider calls");
  });
});

test(`${ENGINE}: the refreshing tab going into the back/forward cache mid-refresh: another tab takes over`, { timeout: 60_000, skip: NO_BFCACHE }, async (t) => {
  await withBrowser(t, 60_000, async ({ server, base, browser }) => {
    const { tabs, leader: leaving } = await leaderLeaves(server, base, browser, (tab) =>
      tab.navigate(`${base}/away.html`));
    // WebKit let go of the tab's lock and cancelled its fetch when it froze the page; restored,
    // the tab sees its provider call fail and retries. It missed the token the others shared
    // while it was frozen, so today that retry is one more provider call (it could ask the
    // other tabs first, as a late tab does). Either way every tab must end on the newest token.
    await leaving.back();
    assert.deepEqual(await leaving.evaluate(() => window.shows), [false, true], "restored from the cache, not reloaded");
    await until("the restored tab's embed holds the newest token", async () =>
      (await received(leaving)).at(-1) === server.issued.at(-1));
    await sleep(1_000); // let any shared token land
    const newest = server.issued.at(-1);
    for (const [i, page] of tabs.entries()) {
      assert.equal((await received(page)).at(-1), newest, `t${i} holds the newest token`);
    }
    t.diagnostic(`calls ${JSON.stringify(server.calls)}; restored tab's events: ${(await events(leaving)).join(", ")}`);
    t.diagnostic(`its error: ${await leaving.evaluate(() => window.state.events.filter((e) => e.type === "error").map((e) => `${e.message}: ${e.cause?.message ?? e.cause}`).join(" | "))}`);
    assert.ok(server.calls.length <= 3, `provider calls: ${server.calls.length} (2, plus at most one by the restored tab)`);
  });
});
