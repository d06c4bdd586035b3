// The React hook in a React 19 app as people build them (tests/react-app): the real
// powerbi-client-react and powerbi-client, React in development (so StrictMode mounts every effect
// twice), the package installed from its tarball; served twice: by Vite's dev server with no
// plugin (the `web` entry, `powerbi-token-refresh/web/react`) and as a webpack 5 build (the main
// entry, `powerbi-token-refresh/react`). The report
// is served by the local stand-in of the Power BI service (tests/standin) on a port of its own,
// which headless Chromium reaches as https://fake.powerbi.com (and WebKit, with TEST_BROWSER=webkit
// under scripts/webkit/with-driver.mjs: see tests/support/tabs.mjs). Checks: exactly one refresher runs
// after StrictMode's double mount; the stand-in receives each new token before the old one
// expires; the provider is called once per token lifetime (each token it mints is the one the
// stand-in gets next, never a spare); unmounting stops every call; remounting starts one refresher.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveStatic, sleep } from "../scripts/demo-server.mjs";
import { checkOneEmbed, launchStandinTabs, record, standinLog, startStandin, stopStandin, viteRuns, viteSkip, withProblemCollector } from "./support/apps.mjs";
import { ROOT, installTarball, linkWorkspaceModules, tarball } from "./support/package.mjs";
import { ENGINE, NEEDS_PROBLEM_COLLECTOR, PROBLEM_COLLECTOR } from "./support/tabs.mjs";

const require = createRequire(import.meta.url);

const LIFETIME_MS = 6000; // each token's life
const MARGIN_MS = 2000; // refresh this long before expiry: one provider call every 4 s
const WAIT_MS = 20_000;
const TIMING = { lifetimeMs: LIFETIME_MS, marginMs: MARGIN_MS };

let tmp;
let dir;
let standin;
let vite;
let browser;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "pbi-react-"));
  dir = join(tmp, "app");
  // Not what a run by hand may have left there (its node_modules point at pkg/, not the tarball).
  const leftovers = /[\\/](node_modules|dist)([\\/]|$)/;
  cpSync(join(ROOT, "tests", "react-app"), dir, { recursive: true, filter: (from) => !leftovers.test(from.slice(ROOT.length)) });
  installTarball(tarball(), dir);
  linkWorkspaceModules(dir, ["react", "react-dom", "powerbi-client", "powerbi-client-react", "esbuild"]);

  standin = await startStandin();
  browser = await launchStandinTabs();
  if (!viteRuns) return;
  const { createServer } = await import("vite");
  vite = await createServer({
    root: dir,
    logLevel: "warn",
    server: { host: "127.0.0.1", port: 0, hmr: false },
    optimizeDeps: { force: true, entries: ["index.html"] }, // not webpack.html
    plugins: NEEDS_PROBLEM_COLLECTOR ? [withProblemCollector] : [],
  });
  await vite.listen();
});

after(async () => {
  await browser?.close().catch(() => {});
  await vite?.close().catch(() => {});
  stopStandin(standin);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/**
 * The scenario, on the app served at `appUrl` (its `entry`: "web" or "main"): first mount under
 * StrictMode, three refreshes; unmount; remount, two refreshes.
 */
async function scenario(t, appUrl, entry) {
  const standinUrl = `https://fake.powerbi.com:${standin.port}`;
  const page = await browser.open(
    `${appUrl}?standin=${encodeURIComponent(standinUrl)}&lifetime=${LIFETIME_MS}&margin=${MARGIN_MS}`,
    { allowHosts: ["127.0.0.1", "fake.powerbi.com"] },
  );
  // The first load may wait for Vite to pre-bundle React and powerbi-client.
  await page.waitFor("the app", () => window.app?.ready, 60_000);
  assert.equal(await page.evaluate(() => window.app.entry), entry, "the app runs on the entry under test");
  // Sample how many refreshers run, all along.
  await page.evaluate(() => {
    window.app.maxStarted = 0;
    setInterval(() => (window.app.maxStarted = Math.max(window.app.maxStarted, window.app.startedCount())), 50);
  });

  // --- first mount: StrictMode mounts twice; three refreshes ---------------------------------
  await page.waitFor("three provider calls", () => window.app.record.providerCalls.length >= 3, 3 * LIFETIME_MS + WAIT_MS);
  let seen = await record(page);
  assert.equal(seen.statusMounts, 2, "StrictMode mounted the status component's effects twice (development build)");
  assert.ok(seen.embeds >= 2, `powerbi-client-react embedded again on StrictMode's second mount (${seen.embeds} embeds)`);
  assert.equal(await page.evaluate(() => window.app.startedCount()), 1, "exactly one refresher runs");
  const first = await standinLog(page);
  const firstCalls = seen.providerCalls;
  const margins = checkOneEmbed(first, firstCalls, "first mount", TIMING);
  // The provider is the latest render's: later calls come from later renders' functions.
  assert.ok(firstCalls.at(-1).render > firstCalls[0].render, "each call reads the latest provider");
  assert.ok(seen.renders > 20, `the app re-rendered often (${seen.renders}) without restarting the refresher`);
  assert.match(await page.evaluate(() => document.getElementById("status").innerText), /^refresher running · refreshed: token good for/);

  // --- unmount: no call after, the refresher stopped -----------------------------------------
  // Stopped by the hook's cleanup at once, not found gone at the refresher's next check (it
  // would stop itself then, with an EmbedRemoved error): read within a task of the click.
  const runningAfterClick = await page.evaluate(async () => {
    document.getElementById("toggle").click();
    await new Promise((resolve) => setTimeout(resolve, 0));
    return window.app.startedCount();
  });
  assert.equal(runningAfterClick, 0, "the refresher stopped as the report unmounted");
  const callsAtUnmount = (await record(page)).providerCalls.length;
  const eventsAtUnmount = (await record(page)).events.length;
  await sleep(2 * LIFETIME_MS);
  seen = await record(page);
  assert.equal(seen.providerCalls.length, callsAtUnmount, "no provider call after unmount");
  assert.equal(seen.events.length, eventsAtUnmount, "no event after unmount");
  assert.equal(await page.evaluate(() => document.querySelectorAll(".report iframe").length), 0, "the report is gone");

  // --- remount: one refresher again, tokens flow to the new embed ----------------------------
  await page.evaluate(() => document.getElementById("toggle").click());
  await page.waitFor(
    "two more provider calls",
    (n) => window.app.record.providerCalls.length >= n + 2,
    2 * LIFETIME_MS + WAIT_MS,
    callsAtUnmount,
  );
  seen = await record(page);
  assert.equal(await page.evaluate(() => window.app.startedCount()), 1, "exactly one refresher after remounting");
  const secondCalls = seen.providerCalls.slice(callsAtUnmount);
  const second = await standinLog(page);
  margins.push(...checkOneEmbed(second, secondCalls, "after remount", TIMING));
  assert.equal(await page.evaluate(() => window.app.maxStarted), 1, "never more than one refresher at a time");

  const errors = (await page.problems()).filter((p) => p.level !== "warning").map((p) => p.text);
  assert.deepEqual(errors, [], "no errors on the page");
  assert.deepEqual(await page.outside(), [], "nothing left 127.0.0.1 and the stand-in");
  const calls = seen.providerCalls.length;
  // Lifetimes of tokens the stand-in held and had replaced: each by one call (checked above).
  const tokens = first.tokens.length + second.tokens.length;
  t.diagnostic(
    `${browser.name}: provider calls: ${calls} for ${tokens} token lifetimes (${(calls / tokens).toFixed(2)} per lifetime); ` +
      `new token arrived ${Math.min(...margins)}–${Math.max(...margins)} ms before the old expired; ` +
      `${seen.renders} renders, ${seen.embeds} embeds, ${seen.statusMounts} effect mounts`,
  );
  await page.close();
}

const TITLE = "StrictMode, powerbi-client-react: one refresher, one provider call per token, stops on unmount";

test(`${ENGINE}: Vite 7 dev server, web entry (powerbi-token-refresh/web/react): ${TITLE}`, { skip: viteSkip, timeout: 120_000 }, async (t) => {
  await scenario(t, vite.resolvedUrls.local[0], "web");
});

test(`${ENGINE}: webpack 5 build, main entry (powerbi-token-refresh/react): ${TITLE}`, { timeout: 180_000 }, async (t) => {
  const webpack = require("webpack");
  const config = require(join(dir, "webpack.config.cjs"));
  const stats = await new Promise((resolve, reject) =>
    webpack(config, (error, result) => (error ? reject(error) : resolve(result))),
  );
  assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
  const server = await serveStatic(dir, { headHtml: NEEDS_PROBLEM_COLLECTOR ? PROBLEM_COLLECTOR : "" });
  try {
    await scenario(t, `${server.url}/webpack.html`, "main");
  } finally {
    await server.close();
  }
});
