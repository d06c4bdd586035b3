// The demo page end to end: starts the webpack dev server (as `npm start` does, minus the build)
// with 12-second tokens, loads the page in headless Chromium with time compressed through the
// URL (?margin=0.1&interval=1000), and watches the real refresher refresh, fail and recover.
// Assumes pkg/ is built (`bash scripts/build.sh`). Always stops the server and the browser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WEBPACK_CLI = require.resolve("webpack-cli/bin/cli.js");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const TOKEN_LIFETIME_SECONDS = 12;
/** Refresh 6 s before expiry, check every second, retry after 1 s. */
const PAGE_QUERY = "?margin=0.1&interval=1000&retry=1000";
/** The longest any single wait may take. */
const WAIT_MS = 60_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "localhost", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A sleep that does not keep the process alive. */
const idle = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Starts `webpack serve` in its own process group, so stop() ends it and all it started. */
function startServer(port) {
  const child = spawn(process.execPath, [WEBPACK_CLI, "serve", "--config", "webpack.config.js"], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: String(port),
      DEMO_TOKEN_LIFETIME_SECONDS: String(TOKEN_LIFETIME_SECONDS),
      NO_COLOR: "1",
    },
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let running = true;
  exited.then(() => (running = false));
  // Last resort if the test runner is torn down before stop() runs.
  const killOnExit = () => running && process.kill(-child.pid, "SIGKILL");
  process.once("exit", killOnExit);

  return {
    url: `http://localhost:${port}`,
    output: () => output,
    running: () => running,
    async stop() {
      process.off("exit", killOnExit);
      if (!running) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return; // already gone
      }
      const timedOut = await Promise.race([exited.then(() => false), idle(5_000).then(() => true)]);
      if (timedOut && running) {
        process.kill(-child.pid, "SIGKILL");
        await exited;
      }
    },
  };
}

/** Resolves once the dev server has compiled the bundle (webpack-dev-middleware holds requests until then). */
async function waitUntilServing(server) {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if (!server.running()) throw new Error(`the dev server exited:\n${server.output()}`);
    try {
      const response = await fetch(`${server.url}/bundle.js`, { signal: AbortSignal.timeout(5_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`the dev server did not serve the bundle within ${WAIT_MS} ms:\n${server.output()}`);
}

async function endpointStatus(server) {
  return (await fetch(`${server.url}/api/status`)).json();
}

const count = (page, selector) => page.locator(selector).count();

test("demo page: the refresher refreshes, reports a failing endpoint and recovers", { timeout: 240_000 }, async (t) => {
  assert.ok(
    existsSync(new URL("../pkg/powerbi_token_refresh.js", import.meta.url)),
    "pkg/ is not built: run `bash scripts/build.sh` first",
  );

  const server = startServer(await freePort());
  let browser;
  try {
    await waitUntilServing(server);
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
