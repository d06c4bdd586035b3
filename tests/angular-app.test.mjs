// injectTokenRefresher in an Angular app as the CLI makes them (tests/angular-app): standalone
// components and signals, the real powerbi-client-angular and powerbi-client, the package
// installed from its tarball, built once by `ng build` (the application builder, esbuild) and
// served as static files. One build runs with zone.js (?zone=1, loaded before bootstrap) and
// without it (the default of new CLI apps); the two pages run side by side. The report is served
// by the local stand-in of the Power BI service (tests/standin) on a port of its own, which
// headless Chromium reaches as https://fake.powerbi.com (and WebKit, with TEST_BROWSER=webkit
// under scripts/webkit/with-driver.mjs: see tests/support/tabs.mjs). Checks, in each mode: one
// refresher; the stand-in receives each new token before the old one expires; the provider is
// called once per token lifetime; switching to another report moves the refresher to its embed;
// destroying the component stops every call; creating it again starts exactly one refresher;
// refreshNow() refreshes at once; options the refresher rejects reach Angular's ErrorHandler, not
// the page.
// The build is cached under target/angular-app/, keyed on the tarball and the app's sources, so
// the WebKit run reuses Chromium's.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { serveStatic, sleep } from "../scripts/demo-server.mjs";
import { buildKey, checkOneEmbed, launchStandinTabs, record, standinLog, startStandin, stopStandin, tokenNumber } from "./support/apps.mjs";
import { ROOT, installTarball, linkWorkspaceModules, tarball } from "./support/package.mjs";
import { ENGINE, NEEDS_PROBLEM_COLLECTOR, PROBLEM_COLLECTOR } from "./support/tabs.mjs";

const LIFETIME_MS = 5000; // each token's life
const MARGIN_MS = 2000; // refresh this long before expiry: one provider call every 3 s
const CHECK_INTERVAL_MS = 500; // the app's checkIntervalMs (tests/angular-app/src/app/backend.ts)
const WAIT_MS = 20_000;
const TIMING = { lifetimeMs: LIFETIME_MS, marginMs: MARGIN_MS };
const APP = join(ROOT, "tests", "angular-app");
const MODULES = [
  "@angular/build",
  "@angular/cli",
  "@angular/common",
  "@angular/compiler",
  "@angular/compiler-cli",
  "@angular/core",
  "@angular/platform-browser",
  "powerbi-client",
  "powerbi-client-angular",
  "rxjs",
  "tslib",
  "typescript",
  "zone.js",
];

let standin;
let server;
let browser;
let built; // { dir, seconds, cached }

/** `ng build` of the app against the tarball, or the cached output of an identical build. */
function build() {
  const path = tarball();
  const key = buildKey({ tarball: path, app: APP, ignore: /^(node_modules|dist|\.angular)$/, modules: MODULES });
  const cache = join(ROOT, "target", "angular-app", key);
  if (existsSync(join(cache, "index.html"))) return { dir: cache, seconds: 0, cached: true };

  const started = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), "pbi-angular-"));
  try {
    const dir = join(tmp, "app");
    cpSync(APP, dir, { recursive: true, filter: (from) => !/[\\/](node_modules|dist|\.angular)([\\/]|$)/.test(from.slice(APP.length)) });
    installTarball(path, dir);
    linkWorkspaceModules(dir, MODULES);
    execFileSync(process.execPath, [join(dir, "node_modules", "@angular", "cli", "bin", "ng.js"), "build"], {
      cwd: dir,
      env: { ...process.env, NG_CLI_ANALYTICS: "false", CI: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    rmSync(join(ROOT, "target", "angular-app"), { recursive: true, force: true }); // older builds
    cpSync(join(dir, "dist", "app", "browser"), `${cache}.tmp`, { recursive: true });
    renameSync(`${cache}.tmp`, cache);
  } catch (e) {
    throw new Error(`ng build failed:\n${e.stdout ?? ""}${e.stderr ?? e}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { dir: cache, seconds: (Date.now() - started) / 1000, cached: false };
}

before(async () => {
  built = build();
  standin = await startStandin();
  server = await serveStatic(built.dir, { headHtml: NEEDS_PROBLEM_COLLECTOR ? PROBLEM_COLLECTOR : "" });
  browser = await launchStandinTabs();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.close().catch(() => {});
  stopStandin(standin);
});

const running = (page) => page.evaluate(() => window.app.startedCount());

/** Waits until `count` more provider calls than `from` were made; returns the new ones. */
async function calls(page, what, from, count) {
  await page.waitFor(what, ([n, k]) => window.app.record.providerCalls.length >= n + k, count * LIFETIME_MS + WAIT_MS, [from, count]);
  return (await record(page)).providerCalls.slice(from);
}

/** The scenario in one page: `zone` loads zone.js before bootstrap. */
async function scenario(zone) {
  const label = zone ? "zone.js" : "zoneless";
  const standinUrl = `https://fake.powerbi.com:${standin.port}`;
  const page = await browser.open(
    `${server.url}/?standin=${encodeURIComponent(standinUrl)}&lifetime=${LIFETIME_MS}&margin=${MARGIN_MS}${zone ? "&zone=1" : ""}`,
    { allowHosts: ["127.0.0.1", "fake.powerbi.com"] },
  );
  await page.waitFor(`${label}: the app`, () => window.app?.ready, 30_000);
  assert.equal((await record(page)).inAngularZone, zone, `${label}: the app runs ${zone ? "in" : "without"} Angular's zone`);
  await page.evaluate(() => {
    window.app.maxStarted = 0;
    setInterval(() => (window.app.maxStarted = Math.max(window.app.maxStarted, window.app.startedCount())), 50);
  });
  const at = async (what) => `${label}: ${what}`;

  // --- report a: three refreshes, one refresher -----------------------------------------------
  const first = await calls(page, await at("three provider calls for report a"), 0, 3);
  assert.equal(await running(page), 1, `${label}: exactly one refresher runs`);
  assert.ok(first.every((c) => c.report === "a"), `${label}: the calls were for report a`);
  const margins = checkOneEmbed(await standinLog(page), first, `${label}, report a`, TIMING);
  assert.match(await page.evaluate(() => document.getElementById("status").textContent), /^refresher running · refreshed, [1-9]\d* refreshes$/);

  // --- switch to report b: the refresher follows the new embed --------------------------------
  let seen = await record(page);
  await page.evaluate(() => document.getElementById("switch").click());
  const second = await calls(page, await at("two provider calls for report b"), seen.providerCalls.length, 2);
  assert.equal(await running(page), 1, `${label}: one refresher after the switch`);
  assert.ok(second.every((c) => c.report === "b"), `${label}: after the switch, the calls were for report b`);
  margins.push(...checkOneEmbed(await standinLog(page), second, `${label}, report b`, TIMING));

  // --- destroy: no call after, the refresher stopped ------------------------------------------
  const runningAfterClick = await page.evaluate(async () => {
    document.getElementById("toggle").click();
    await new Promise((resolve) => setTimeout(resolve, 0));
    return window.app.startedCount();
  });
  // Stopped by DestroyRef at once (zone.js: the click's change detection; zoneless: the next
  // frame's, so the check waits for it), not found gone at the refresher's next check.
  if (runningAfterClick !== 0) await page.waitFor(await at("the refresher to stop"), () => window.app.startedCount() === 0, 500);
  seen = await record(page);
  await sleep(1.5 * LIFETIME_MS);
  const later = await record(page);
  assert.equal(later.providerCalls.length, seen.providerCalls.length, `${label}: no provider call after destroy`);
  assert.equal(later.events.length, seen.events.length, `${label}: no event after destroy`);
  assert.equal(await page.evaluate(() => document.querySelectorAll(".report iframe").length), 0, `${label}: the report is gone`);

  // --- create again: one refresher, tokens flow to the new embed ------------------------------
  await page.evaluate(() => document.getElementById("toggle").click());
  const third = await calls(page, await at("two provider calls after re-creating"), later.providerCalls.length, 2);
  assert.equal(await running(page), 1, `${label}: exactly one refresher after re-creating`);
  margins.push(...checkOneEmbed(await standinLog(page), third, `${label}, re-created`, TIMING));
  assert.equal(await page.evaluate(() => window.app.maxStarted), 1, `${label}: never more than one refresher at a time`);

  // --- refreshNow(): one more call, its token in the stand-in -----------------------------------
  const before = (await record(page)).providerCalls.length;
  assert.equal(await page.evaluate(() => window.app.refreshNow()), true, `${label}: refreshNow() resolved true`);
  const manual = (await record(page)).providerCalls.slice(before);
  assert.deepEqual(manual.map((c) => c.reason), ["manual"], `${label}: refreshNow() called the provider once`);
  assert.equal(tokenNumber((await standinLog(page)).tokens.at(-1).token), manual[0].n, `${label}: the stand-in got refreshNow()'s token`);

  const errors = (await page.problems()).filter((p) => p.level !== "warning").map((p) => p.text);
  assert.deepEqual(errors, [], `${label}: no errors on the page`);
  assert.deepEqual(await page.outside(), [], `${label}: nothing left 127.0.0.1 and the stand-in`);
  const done = await record(page);
  const elapsed = await page.evaluate(() => Date.now() - window.app.record.bootedAt);
  if (zone) {
    // The refresher's checks run outside Angular's zone: with zone.js, change detection follows
    // what happened (events, provider calls, the stand-in's messages), not every check.
    const checks = Math.floor(elapsed / CHECK_INTERVAL_MS);
    assert.ok(done.renders < checks, `zone.js: ${done.renders} renders for ${checks} checks: the checks run change detection`);
  }
  await page.close();
  return { label, runningAfterClick, calls: done.providerCalls.length, renders: done.renders, seconds: elapsed / 1000, margins };
}

/** Options the refresher rejects: the TypeError goes to Angular's ErrorHandler, the page lives on. */
async function badOptions() {
  const standinUrl = `https://fake.powerbi.com:${standin.port}`;
  const page = await browser.open(`${server.url}/?standin=${encodeURIComponent(standinUrl)}&badOptions=1`, {
    allowHosts: ["127.0.0.1", "fake.powerbi.com"],
  });
  await page.waitFor("bad options: the app", () => window.app?.ready, 30_000);
  // The embed exists (the report's iframe), so the refresher was tried and refused.
  await page.waitFor("bad options: the report", () => document.querySelector(".report iframe"), 15_000);
  // Started after init() resolves: thrown there, it would be an unhandled rejection.
  let problems = [];
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(100)) {
    problems = (await page.problems()).filter((p) => p.level !== "warning");
    if (problems.some((p) => /TypeError/.test(p.text))) break;
  }
  await sleep(200); // anything thrown beside it
  problems = (await page.problems()).filter((p) => p.level !== "warning");
  assert.equal(problems.filter((p) => p.level === "uncaught").length, 0, `bad options: nothing thrown into the page: ${JSON.stringify(problems)}`);
  assert.ok(problems.some((p) => p.level === "error" && /TypeError/.test(p.text)), "bad options: the TypeError reached Angular's ErrorHandler (console.error)");
  assert.equal(await running(page), 0, "bad options: no refresher runs");
  assert.equal(await page.evaluate(() => window.app.refreshNow()), false, "bad options: refreshNow() resolved false");
  assert.match(await page.evaluate(() => document.getElementById("status").textContent), /^refresher stopped · waiting/);
  await page.close();
}

test(`${ENGINE}: ng build (application builder), powerbi-client-angular, with and without zone.js: one refresher, one provider call per token, follows a switched embed, stops on destroy, refreshNow, bad options`, { timeout: 120_000 }, async (t) => {
  t.diagnostic(built.cached ? `ng build: reused ${relative(ROOT, built.dir)}` : `ng build: ${built.seconds.toFixed(1)} s`);
  const [results] = await Promise.all([Promise.all([scenario(false), scenario(true)]), badOptions()]);
  for (const r of results) {
    t.diagnostic(
      `${browser.name}, ${r.label}: ${r.calls} provider calls; new token arrived ${Math.min(...r.margins)}–${Math.max(...r.margins)} ms ` +
        `before the old expired; ${r.renders} renders in ${r.seconds.toFixed(0)} s; refreshers running a task after destroy: ${r.runningAfterClick}`,
    );
  }
});
