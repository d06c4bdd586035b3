// The demo page end to end: starts the webpack dev server (as `npm start` does, minus the build)
// with 12-second tokens, loads the page in headless Chromium with time compressed through the
// URL (?margin=0.1&interval=1000), and watches the real refresher refresh, fail and recover.
// Assumes pkg/ is built (`bash scripts/build.sh`). Always stops the server and the browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { CHROMIUM, CHROMIUM_ARGS, startDemoServer, waitUntilServing } from "../scripts/demo-server.mjs";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const TOKEN_LIFETIME_SECONDS = 12;
/** Refresh 6 s before expiry, check every second, retry after 1 s. */
const PAGE_QUERY = "?margin=0.1&interval=1000&retry=1000";
/** The longest any single wait may take. */
const WAIT_MS = 60_000;

async function endpointStatus(server) {
  return (await fetch(`${server.url}/api/status`)).json();
}

const count = (page, selector) => page.locator(selector).count();

test("demo page: the refresher refreshes, reports a failing endpoint and recovers", { timeout: 240_000 }, async (t) => {
  assert.ok(
    existsSync(new URL("../pkg/powerbi_token_refresh.js", import.meta.url)),
    "pkg/ is not built: run `bash scripts/build.sh` first",
  );

  const server = await startDemoServer({ DEMO_TOKEN_LIFETIME_SECONDS: String(TOKEN_LIFETIME_SECONDS) });
  let browser;
  try {
    await waitUntilServing(server, WAIT_MS);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage();

    const pageErrors = [];
    const consoleText = [];
    const tokens = [];
    page.on("pageerror", (error) => pageErrors.push(error));
    page.on("console", (message) => consoleText.push(message.text()));
    page.on("response", async (response) => {
      if (new URL(response.url()).pathname === "/api/token" && response.ok()) {
        try {
          tokens.push((await response.json()).token);
        } catch {
          // the page went away
        }
      }
    });

    await page.goto(`${server.url}/${PAGE_QUERY}`);
    const embed = page.locator(".sim-embed");
    await embed.waitFor({ timeout: WAIT_MS });
    assert.match(await embed.innerText(), /simulated embed/i, "the embed says it is simulated");
    assert.ok(await page.locator("#notice-simulated").isVisible(), "the page says it is in simulated mode");
    assert.ok(!(await page.locator("#notice-powerbi").isVisible()), "and not that it is real Power BI");
    const first = await embed.evaluate((box) => ({ ...box.dataset }));
    const callsAtStart = (await endpointStatus(server)).calls;
    t.diagnostic(`embedded with token ${first.tokenTail}; endpoint calls: ${callsAtStart}`);

    // 1. A refresh, on its own, before the 12-second token expires.
    await page.locator("#log li.refreshed").first().waitFor({ timeout: WAIT_MS });
    const second = await embed.evaluate((box) => ({ ...box.dataset }));
    assert.notEqual(second.tokenTail, first.tokenTail, "the embed holds a new token");
    assert.ok(Number(second.expiresAt) > Number(first.expiresAt), "the countdown restarted from a later expiry");
    assert.ok(!(await embed.evaluate((box) => box.classList.contains("expired"))), "the new token is live");
    const callsAfterRefresh = (await endpointStatus(server)).calls;
    assert.ok(callsAfterRefresh > callsAtStart, `endpoint calls went up (${callsAtStart} -> ${callsAfterRefresh})`);
    await page.waitForFunction(
      (min) => Number(document.getElementById("endpoint-calls").textContent) >= min,
      callsAfterRefresh,
      { timeout: WAIT_MS },
    );
    t.diagnostic(`refreshed to token ${second.tokenTail}; endpoint calls: ${callsAfterRefresh}`);
    // At a glance: the time-left bar, the refresh on the strip, the calls counted there. The
    // strip is redrawn a few times a second: wait for the redraw that has the refresh.
    await page.locator("#glance .mark.refreshed").first().waitFor({ timeout: WAIT_MS });
    assert.match(await page.locator("#token-bar .token-bar__text").innerText(), /left of/);
    assert.ok((await count(page, "#glance .mark.refreshed")) >= 1, "the strip shows the refresh");
    assert.ok((await count(page, "#glance .seg")) >= 2, "the strip shows two tokens' lives");
    assert.match(await page.locator("#glance .glance-row--calls").innerText(), /endpoint calls: [2-9]/);

    // 2. The endpoint fails: an error entry with its code and when the next attempt is.
    await page.click("button[data-mode=fail]");
    assert.equal((await endpointStatus(server)).mode, "fail");
    const firstError = page.locator("#log li.error").first();
    await firstError.waitFor({ timeout: WAIT_MS });
    const errorText = await firstError.innerText();
    assert.match(errorText, /ProviderRejected/);
    assert.match(errorText, /HTTP 500/);
    assert.match(errorText, /Retry in [\d.]+ s/);
    t.diagnostic(`error entry: ${errorText.replace(/\s+/g, " ")}`);
    await page.locator("#glance .mark.error").first().waitFor({ timeout: WAIT_MS });
    assert.ok((await count(page, "#glance .mark.call.failed")) >= 1, "the strip marks the failed call");
    assert.ok((await count(page, "#glance .mark.retry")) >= 1, "the strip marks the planned retry");

    // 3. Back to normal: the next attempt succeeds.
    const refreshesBefore = await count(page, "#log li.refreshed");
    await page.click("button[data-mode=normal]");
    await page.waitForFunction(
      (n) => document.querySelectorAll("#log li.refreshed").length > n,
      refreshesBefore,
      { timeout: WAIT_MS },
    );
    assert.equal(await page.locator("#endpoint-mode").innerText(), "normal");
    await page.waitForFunction(
      () => !document.querySelector(".sim-embed").classList.contains("expired"),
      null,
      { timeout: WAIT_MS },
    );
    t.diagnostic(`recovered: ${(await page.locator("#log li.refreshed").first().innerText()).replace(/\s+/g, " ")}`);

    // Nothing blew up, and no whole token was shown or logged.
    assert.deepEqual(pageErrors.map(String), [], "no uncaught errors on the page");
    assert.ok(tokens.length >= 3, `the page fetched tokens (${tokens.length})`);
    const shown = await page.evaluate(() => document.documentElement.outerHTML + document.body.innerText);
    const logged = consoleText.join("\n") + server.output();
    for (const token of tokens) {
      assert.ok(!shown.includes(token), "a whole token is on the page");
      assert.ok(!logged.includes(token), "a whole token was logged");
    }
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
  }
});
