// The demo page end to end: starts the webpack dev server (as `npm start` does, minus the build)
// with 12-second tokens, loads the page in headless Chromium (or WebKit: TEST_BROWSER=webkit under
// scripts/webkit/with-driver.mjs, see tests/support/tabs.mjs) with time compressed through the
// URL (?margin=0.1&interval=1000), and watches the real refresher refresh, fail and recover.
// The page is loaded through a recording proxy that keeps every /api/token answer (WebDriver has
// no network events), to prove no whole token is shown or logged. Assumes pkg/ is built
// (`bash scripts/build.sh`). Always stops the server, the proxy and the browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { sleep, startDemoServer, waitUntilServing } from "../scripts/demo-server.mjs";
import { startRecordingProxy } from "./support/recording-proxy.mjs";
import { ENGINE, NEEDS_PROBLEM_COLLECTOR, PROBLEM_COLLECTOR, launchTabs } from "./support/tabs.mjs";

const TOKEN_LIFETIME_SECONDS = 12;
/** Refresh 6 s before expiry, check every second, retry after 1 s. */
const PAGE_QUERY = "?margin=0.1&interval=1000&retry=1000";
/** The longest any single wait may take. */
const WAIT_MS = 60_000;

async function endpointStatus(server) {
  return (await fetch(`${server.url}/api/status`)).json();
}

const count = (page, selector) => page.evaluate((s) => document.querySelectorAll(s).length, selector);
const text = (page, selector) => page.evaluate((s) => document.querySelector(s).innerText, selector);
const visible = (page, selector) =>
  page.evaluate((s) => {
    const element = document.querySelector(s);
    return Boolean(element && (element.checkVisibility ? element.checkVisibility() : element.offsetParent !== null));
  }, selector);
/** Waits until `selector` matches a visible element. */
const shown = (page, what, selector) =>
  page.waitFor(
    what,
    (s) => {
      const element = document.querySelector(s);
      return Boolean(element && (element.checkVisibility ? element.checkVisibility() : element.offsetParent !== null));
    },
    WAIT_MS,
    selector,
  );
const click = (page, selector) => page.evaluate((s) => document.querySelector(s).click(), selector);
const embedState = (page) => page.evaluate(() => ({ ...document.querySelector(".sim-embed").dataset }));
const embedExpired = (page) => page.evaluate(() => document.querySelector(".sim-embed").classList.contains("expired"));

test(`${ENGINE}: demo page: the refresher refreshes, reports a failing endpoint and recovers`, { timeout: 240_000 }, async (t) => {
  assert.ok(
    existsSync(new URL("../pkg/powerbi_token_refresh.js", import.meta.url)),
    "pkg/ is not built: run `bash scripts/build.sh` first",
  );

  const server = await startDemoServer({ DEMO_TOKEN_LIFETIME_SECONDS: String(TOKEN_LIFETIME_SECONDS) });
  let browser;
  let proxy;
  try {
    await waitUntilServing(server, WAIT_MS);
    proxy = await startRecordingProxy(server.url, {
      headHtml: NEEDS_PROBLEM_COLLECTOR ? PROBLEM_COLLECTOR : "",
      keep: (path) => path === "/api/token",
    });
    browser = await launchTabs();
    const page = await browser.open(`${proxy.url}/${PAGE_QUERY}`);
    t.diagnostic(browser.name);

    await shown(page, "the embed", ".sim-embed");
    assert.match(await text(page, ".sim-embed"), /simulated embed/i, "the embed says it is simulated");
    assert.ok(await visible(page, "#notice-simulated"), "the page says it is in simulated mode");
    assert.ok(!(await visible(page, "#notice-powerbi")), "and not that it is real Power BI");
    const first = await embedState(page);
    const callsAtStart = (await endpointStatus(server)).calls;
    t.diagnostic(`embedded with token ${first.tokenTail}; endpoint calls: ${callsAtStart}`);

    // 1. A refresh, on its own, before the 12-second token expires.
    await shown(page, "a refreshed entry", "#log li.refreshed");
    const second = await embedState(page);
    assert.notEqual(second.tokenTail, first.tokenTail, "the embed holds a new token");
    assert.ok(Number(second.expiresAt) > Number(first.expiresAt), "the countdown restarted from a later expiry");
    assert.ok(!(await embedExpired(page)), "the new token is live");
    const callsAfterRefresh = (await endpointStatus(server)).calls;
    assert.ok(callsAfterRefresh > callsAtStart, `endpoint calls went up (${callsAtStart} -> ${callsAfterRefresh})`);
    await page.waitFor(
      "the page's call count",
      (min) => Number(document.getElementById("endpoint-calls").textContent) >= min,
      WAIT_MS,
      callsAfterRefresh,
    );
    t.diagnostic(`refreshed to token ${second.tokenTail}; endpoint calls: ${callsAfterRefresh}`);
    // At a glance: the time-left bar, the refresh on the strip, the calls counted there. The
    // strip is redrawn a few times a second: wait for the redraw that has the refresh.
    await shown(page, "the refresh on the strip", "#glance .mark.refreshed");
    assert.match(await text(page, "#token-bar .token-bar__text"), /left of/);
    assert.ok((await count(page, "#glance .mark.refreshed")) >= 1, "the strip shows the refresh");
    assert.ok((await count(page, "#glance .seg")) >= 2, "the strip shows two tokens' lives");
    assert.match(await text(page, "#glance .glance-row--calls"), /endpoint calls: [2-9]/);

    // 2. The endpoint fails: an error entry with its code and when the next attempt is.
    await click(page, "button[data-mode=fail]");
    for (let i = 0; i < 50 && (await endpointStatus(server)).mode !== "fail"; i += 1) await sleep(100);
    assert.equal((await endpointStatus(server)).mode, "fail");
    await shown(page, "an error entry", "#log li.error");
    const errorText = await text(page, "#log li.error");
    assert.match(errorText, /ProviderRejected/);
    assert.match(errorText, /HTTP 500/);
    assert.match(errorText, /Retry in [\d.]+ s/);
    t.diagnostic(`error entry: ${errorText.replace(/\s+/g, " ")}`);
    await shown(page, "the error on the strip", "#glance .mark.error");
    assert.ok((await count(page, "#glance .mark.call.failed")) >= 1, "the strip marks the failed call");
    assert.ok((await count(page, "#glance .mark.retry")) >= 1, "the strip marks the planned retry");

    // 3. Back to normal: the next attempt succeeds.
    const refreshesBefore = await count(page, "#log li.refreshed");
    await click(page, "button[data-mode=normal]");
    await page.waitFor(
      "another refreshed entry",
      (n) => document.querySelectorAll("#log li.refreshed").length > n,
      WAIT_MS,
      refreshesBefore,
    );
    assert.equal(await text(page, "#endpoint-mode"), "normal");
    await page.waitFor("a live token", () => !document.querySelector(".sim-embed").classList.contains("expired"), WAIT_MS);
    t.diagnostic(`recovered: ${(await text(page, "#log li.refreshed")).replace(/\s+/g, " ")}`);

    // Nothing blew up, and no whole token was shown or logged.
    const uncaught = (await page.problems()).filter((p) => p.level === "uncaught").map((p) => p.text);
    assert.deepEqual(uncaught, [], "no uncaught errors on the page");
    const tokens = proxy.responses.filter((r) => r.status === 200).map((r) => JSON.parse(r.body).token);
    assert.ok(tokens.length >= 3, `the page fetched tokens (${tokens.length})`);
    const onPage = await page.evaluate(() => document.documentElement.outerHTML + document.body.innerText);
    const logged = (await page.console()).join("\n") + server.output();
    for (const token of tokens) {
      assert.ok(!onPage.includes(token), "a whole token is on the page");
      assert.ok(!logged.includes(token), "a whole token was logged");
    }
  } finally {
    await browser?.close().catch(() => {});
    await proxy?.close();
    await server.stop();
  }
});
