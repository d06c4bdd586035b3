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
import { ENGINE, LIFECYCLE, launchTabs } from "./support/tabs.mjs";

const PKG = new URL("../pkg/", import.meta.url);

/// Each tab: an embed that records what it is given, a refresher with crossTab on, the token
/// endpoint as provider. Query: exp (ms, omit for unknown), margin (ms), tab (a name), nolocks
/// (hide Web Locks before the package loads, as in a browser without them). `window.shows`
/// records each pageshow's `persisted`: true when the page came back from the back/forward cache;
/// `window.lifecycle` the Page Lifecycle events (`freeze`, `resume`) the document got.
const TAB_PAGE = `<!doctype html><meta charset="utf-8"><title>tab</title><script>
window.shows = [];
addEventListener("pageshow", (e) => window.shows.push(e.persisted));
window.lifecycle = [];
for (const name of ["freeze", "resume"]) document.addEventListener(name, () => window.lifecycle.push(name));
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
  getNewAccessToken: async ({ signal }) => {
    const res = await fetch("/token?tab=" + q.get("tab"), { signal });
    if (!res.ok) throw new Error("token endpoint: HTTP " + res.status);
    return res.json();
  },
});
for (const name of ["refreshed", "error", "expired"]) refresher.on(name, (e) => state.events.push(e));
refresher.start();
window.refresher = refresher;
state.ready = true;
</script>`;

/// The token endpoint: `lifetimeMs` tokens, numbered; `hold` keeps the next call open until
/// `release()` (or until the page that made it goes away). While `down`, it answers 503 (the
/// backend is down): `calls` lists every call's tab, `failed` the tabs of those answered 503.
function tokenServer(lifetimeMs) {
  const server = {
    calls: [],
    failed: [],
    issued: [],
    down: false,
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
      if (server.down) {
        server.failed.push(url.searchParams.get("tab"));
        res.writeHead(503, { "content-type": "text/plain" });
        return res.end("backend down");
      }
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
/// `launch`: launchTabs' options (`lifecycle`, to freeze tabs).
async function withBrowser(t, lifetimeMs, body, launch = {}) {
  assert.ok(existsSync(new URL("web/powerbi_token_refresh.js", PKG)), "pkg/ is not built: run `bash scripts/build.sh`");
  const server = tokenServer(lifetimeMs);
  const base = await server.listen();
  const browser = await launchTabs(launch);
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

// Alone, with no other tab to ask, the restored page's one provider call is right (it first says
// hello and waits the short while for an answer nobody gives).
test(`${ENGINE}: a tab alone, restored from the back/forward cache after its token expired there, refreshes`, { timeout: 60_000, skip: NO_BFCACHE }, async (t) => {
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
    // WebKit cancelled the tab's fetch as it navigated away (the tab reported that as a failure
    // to the others) and let go of its lock when it cached the page. Restored, it says hello and
    // mostly takes the token the others answer with; but WebKit's visibilitychange comes before
    // pageshow and may already have started its retry, which can win the lock before the answers
    // come (see the todo test below): at most one more provider call. Either way every tab must
    // end on the newest token.
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

// With other tabs alive holding a fresh token, the restore must cost no provider call: the page
// says hello and takes the token they answer with.
// Fails in about half the runs in WebKit 2.50 (todo until the package is fixed): on a restore
// WebKit fires `visibilitychange` (visible) before `pageshow` (persisted). The check on
// visibilitychange starts the refresh at once (the tab's last hello was at its start, so no wait)
// and asks for the lock; pageshow's hello goes out a moment later, and when the lock is granted
// (3-4 ms) before the others' answers arrive (5-10 ms) the page calls the provider: calls
// ["b", "cached"], events "expired, refreshed:expired" instead of ["b"], "expired, refreshed:shared".
const RESTORE_CALLS = "WebKit: visibilitychange comes before pageshow; its refresh can win the lock before the hello's answers";
test(`${ENGINE}: a tab restored from the back/forward cache with its token due gets the others' token, no provider call`, { timeout: 60_000, skip: NO_BFCACHE, todo: RESTORE_CALLS }, async (t) => {
  await withBrowser(t, 60_000, async ({ server, base, browser }) => {
    const exp = Date.now() + 4_000; // due 1 s before, in every tab: after `cached` has left
    const cached = await openTab(browser, base, { tab: "cached", exp, margin: 1_000 });
    const others = [
      await openTab(browser, base, { tab: "a", exp, margin: 1_000 }),
      await openTab(browser, base, { tab: "b", exp, margin: 1_000 }),
    ];
    await cached.navigate(`${base}/away.html`);
    assert.equal(server.calls.length, 0, "setup: the page left before anything was due");
    for (const page of others) {
      await until("the others refresh (one call between them)", async () => (await received(page)).length === 1);
    }
    assert.equal(server.calls.length, 1, "the others' refresh: one provider call");
    await sleep(exp + 500 - Date.now()); // the cached page's token expires while it is frozen
    assert.equal(server.calls.length, 1, "no provider call while the page was in the cache");
    await cached.back();
    assert.deepEqual(await cached.evaluate(() => window.shows), [false, true], "restored from the cache, not reloaded");
    await until("the restored page's embed gets a token", async () => (await received(cached)).length === 1);
    await sleep(500); // a call it might still make
    t.diagnostic(`calls ${JSON.stringify(server.calls)}; restored page's events: ${(await events(cached)).join(", ")}`);
    assert.deepEqual(await received(cached), [server.issued[0]], "the token the others hold");
    assert.deepEqual(await reasons(cached), ["shared"]);
    assert.deepEqual(await errors(cached), []);
    assert.equal(server.calls.length, 1, "provider calls: the restore made none");
  });
});

// The backend down: the tab holding the lock keeps it through its retries and tells the others
// ("failed" on the channel), which fail visibly and wait for it instead of each calling. The same
// timeline with one tab and with five: tokens due OUTAGE_MARGIN_MS before they expire, the token
// endpoint down from the start until OUTAGE_AFTER_EXPIRY_MS after they expired. Once a token has
// expired a tab retries about once per check interval (100 ms here), so the outage sees tens of
// calls from one tab alone, not a handful.
const OUTAGE_LEAD_MS = 5_000; // opening five WebKit windows over WebDriver takes a while
const OUTAGE_MARGIN_MS = 1_000;
const OUTAGE_AFTER_EXPIRY_MS = 3_000;

async function outage(t, n) {
  let figures;
  await withBrowser(t, 60_000, async ({ server, base, browser }) => {
    server.down = true;
    const exp = Date.now() + OUTAGE_LEAD_MS;
    const tabs = [];
    for (let i = 0; i < n; i += 1) tabs.push(await openTab(browser, base, { tab: `t${i}`, exp, margin: OUTAGE_MARGIN_MS }));
    assert.ok(Date.now() < exp - OUTAGE_MARGIN_MS, "setup: every tab opened before its refresh was due (raise OUTAGE_LEAD_MS)");
    assert.equal(server.calls.length, 0);
    // The backend recovers at the same moment of either run; what each tab saw of the outage is
    // read a little before (reading five WebKit tabs over WebDriver takes a while).
    const recoverAt = exp + OUTAGE_AFTER_EXPIRY_MS;
    let failed;
    const recovered = sleep(recoverAt - Date.now()).then(() => {
      server.down = false;
      failed = server.failed.slice();
    });
    await sleep(recoverAt - 1_000 - Date.now());
    const seen = [];
    for (const page of tabs) {
      seen.push({
        errors: await errors(page),
        failures: await page.evaluate(() => window.refresher.status.failures),
        hidden: await page.evaluate(() => document.hidden),
      });
    }
    await recovered;
    for (const [i, { errors: codes, failures }] of seen.entries()) {
      assert.ok(codes.length >= 1, `t${i} got an error event during the outage`);
      assert.deepEqual([...new Set(codes)], ["ProviderRejected"], `t${i}'s error codes`);
      assert.ok(failures >= 1, `t${i}'s status.failures during the outage: ${failures}`);
    }
    for (const [i, page] of tabs.entries()) {
      await until(`t${i}'s embed gets a token after the recovery`, async () => (await received(page)).length >= 1);
    }
    await sleep(1_000); // ten check intervals: any further call would come
    for (const [i, page] of tabs.entries()) {
      assert.deepEqual(await received(page), [server.issued[0]], `t${i} holds the one token issued after the recovery`);
    }
    const after = server.calls.length - failed.length;
    const byTab = {};
    for (const tab of failed) byTab[tab] = (byTab[tab] ?? 0) + 1;
    const hidden = seen.flatMap((s, i) => (s.hidden ? [`t${i}`] : []));
    figures = { calls: failed.length, byTab, after, errors: seen.map((s) => s.errors.length), hidden };
    t.diagnostic(`${n} tab(s): ${JSON.stringify(figures)}`);
    assert.equal(after, 1, "provider calls after the recovery: one, shared");
  });
  return figures;
}

test(`${ENGINE}: backend down with many tabs: five tabs call the provider about as often as one`, { timeout: 120_000 }, async (t) => {
  const one = await outage(t, 1);
  const five = await outage(t, 5);
  const ratio = five.calls / one.calls;
  console.log(
    `backend down, ${ENGINE}: provider calls during the outage: 1 tab ${one.calls}, 5 tabs ${five.calls}, ` +
      `ratio ${ratio.toFixed(2)} (5 tabs: calls by tab ${JSON.stringify(five.byTab)}, ` +
      `error events by tab ${five.errors.join("/")}, hidden tabs ${JSON.stringify(five.hidden)}; ` +
      `after the recovery: ${one.after} and ${five.after} call(s))`,
  );
  assert.ok(one.calls >= 10, `one tab alone made ${one.calls} calls: too few to compare (lengthen the outage)`);
  assert.ok(five.calls <= 1.25 * one.calls, `5 tabs: ${five.calls} calls, 1 tab: ${one.calls} (ratio ${ratio.toFixed(2)}, at most 1.25)`);
});

/** Three tabs, the backend down: the tab making the calls (holding the lock) `leave`s; another
 * must make them from then on, and after the recovery every remaining tab holds the token. */
async function failingTabLeaves(server, base, browser, leave) {
  server.down = true;
  const exp = Date.now() + 3_000;
  const tabs = [];
  for (let i = 0; i < 3; i += 1) tabs.push(await openTab(browser, base, { tab: `t${i}`, exp, margin: 1_000 }));
  // The tab that keeps the lock through its failures: three calls in a row, none by the others.
  await until("one tab's calls fail three times in a row", async () =>
    server.failed.length >= 3 && server.failed.slice(-3).every((tab) => tab === server.failed.at(-1)));
  const first = server.failed.at(-1);
  const leaver = tabs.find((_, i) => `t${i}` === first);
  await leave(leaver);
  const left = server.failed.length;
  await until("another tab's calls fail a few times", async () =>
    server.failed.slice(left).filter((tab) => tab !== first).length >= 3);
  const since = server.failed.slice(left);
  // A call the leaving tab sent just before it went may land after.
  assert.ok(since.filter((tab) => tab === first).length <= 1, `calls since it left: ${JSON.stringify(since)}`);
  const takers = [...new Set(since.filter((tab) => tab !== first))];
  const hidden = [];
  for (const [i, page] of tabs.entries()) if (page !== leaver && (await page.evaluate(() => document.hidden))) hidden.push(`t${i}`);
  // A visible tab that takes over keeps the lock through its failures; a hidden one (WebKit opens
  // every window but the first hidden) lets it go after each, since its timers may be throttled.
  const visibleTakers = takers.filter((tab) => !hidden.includes(tab));
  assert.ok(takers.length >= 1 && visibleTakers.length <= 1, `one tab took over: ${JSON.stringify(since)} (hidden: ${JSON.stringify(hidden)})`);
  server.down = false;
  const remaining = tabs.filter((tab) => tab !== leaver);
  for (const page of remaining) {
    await until("each remaining tab's embed gets the token", async () => (await received(page)).length === 1);
  }
  await sleep(500);
  for (const page of remaining) {
    assert.deepEqual(await received(page), [server.issued[0]]);
    assert.ok((await errors(page)).length >= 1, "it saw the outage");
  }
  assert.equal(server.calls.length - server.failed.length, 1, "one call after the recovery");
  return { tabs, leaver, first, taker: takers[0] };
}

test(`${ENGINE}: backend down, the failing tab closes: another takes over`, { timeout: 60_000 }, async (t) => {
  await withBrowser(t, 60_000, async ({ server, base, browser }) => {
    const { first, taker } = await failingTabLeaves(server, base, browser, (tab) => tab.close());
    t.diagnostic(`${first} closed, ${taker} took over; calls ${JSON.stringify(server.calls)}`);
  });
});

test(`${ENGINE}: backend down, the failing tab frozen: another takes over`, { timeout: 60_000, skip: !LIFECYCLE && "freezing a page needs Chromium's Page Lifecycle (CDP)" }, async (t) => {
  await withBrowser(t, 60_000, async ({ server, base, browser }) => {
    const { leaver, first, taker } = await failingTabLeaves(server, base, browser, (tab) => tab.lifecycle("frozen"));
    const calls = server.calls.length;
    // Resumed (`resume`), it finds its token expired: the others hold a fresh one.
    await leaver.lifecycle("active");
    assert.deepEqual(await leaver.evaluate(() => window.lifecycle), ["freeze", "resume"], "it was frozen, then resumed");
    await until("the resumed tab's embed gets the token", async () => (await received(leaver)).length === 1);
    await sleep(500);
    t.diagnostic(`${first} frozen, ${taker} took over; calls ${JSON.stringify(server.calls)}; resumed tab's events: ${(await events(leaver)).join(", ")}`);
    assert.deepEqual(await received(leaver), [server.issued[0]], "the resumed tab holds the shared token");
    assert.equal(server.calls.length, calls, "no provider call by the resumed tab");
  }, { lifecycle: true });
});

test(`${ENGINE}: stop() then refreshNow(): false, and no provider call`, { timeout: 60_000 }, async (t) => {
  await withBrowser(t, 60_000, async ({ server, base, browser }) => {
    const tabs = [
      await openTab(browser, base, { tab: "a", exp: Date.now() + 60_000, margin: 1_000 }),
      await openTab(browser, base, { tab: "b", exp: Date.now() + 60_000, margin: 1_000 }),
    ];
    // Running, refreshNow() asks the provider even for a fresh token: the control.
    assert.equal(await tabs[0].evaluate(() => window.refresher.refreshNow()), true);
    assert.deepEqual(server.calls, ["a"]);
    const stopped = await tabs[1].evaluate(async () => {
      window.refresher.stop();
      return window.refresher.refreshNow();
    });
    assert.equal(stopped, false, "refreshNow() after stop() resolves false");
    await sleep(500);
    assert.deepEqual(server.calls, ["a"], "no provider call after stop()");
    assert.equal(await tabs[1].evaluate(() => window.refresher.status.running), false);
  });
});
