// The Vue composable in a Vue 3 app as `npm create vue` makes them (tests/vue-app: Vite with
// @vitejs/plugin-vue and no other config), with the real powerbi-client-vue-js and
// powerbi-client, the package installed from its tarball. The report is served by the local
// stand-in of the Power BI service (tests/standin) on a port of its own, which headless Chromium
// reaches as https://fake.powerbi.com (and WebKit, with TEST_BROWSER=webkit under
// scripts/webkit/with-driver.mjs: see tests/support/tabs.mjs).
// - The `vite build` output (built once per tarball and app sources, cached under target/, so
//   the WebKit run reuses the Chromium run's build): the stand-in receives each new token before
//   the old one expires, the provider is called once per token lifetime, each call by the
//   provider the options getter returns at that moment; a new report (a new embed) switches the
//   refresher to it; <KeepAlive> pauses it and brings it back; unmounting stops every call;
//   remounting starts exactly one refresher.
// - Vite's dev server, which pre-bundles the package away from its .wasm: the composable loads
//   the .wasm by itself (the app never calls init()) and the first token arrives; a mistake in
//   the options goes to Vue's error handling, not into the page.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { serveStatic, sleep } from "../scripts/demo-server.mjs";
import { buildKey, checkOneEmbed, launchStandinTabs, record, standinLog, startStandin, stopStandin, viteRuns, viteSkip, withProblemCollector } from "./support/apps.mjs";
import { ROOT, installTarball, linkWorkspaceModules, tarball } from "./support/package.mjs";
import { ENGINE, NEEDS_PROBLEM_COLLECTOR, PROBLEM_COLLECTOR } from "./support/tabs.mjs";

const LIFETIME_MS = 6000; // each token's life
const MARGIN_MS = 2500; // refresh this long before expiry: one provider call every 3.5 s
const WAIT_MS = 15_000;
const TIMING = { lifetimeMs: LIFETIME_MS, marginMs: MARGIN_MS };
const WASM = "powerbi_token_refresh_bg.wasm";
const MODULES = ["vue", "vite", "@vitejs/plugin-vue", "powerbi-client", "powerbi-client-vue-js"];

let dir;
let standin;
let server;
let vite;
let browser;
let built = "";

/**
 * The app with the tarball installed and built, under target/vue-app/<key>/ (buildKey(): the
 * tarball, the app's sources, Vite, its Vue plugin, Vue and powerbi-client-vue-js).
 */
async function builtApp() {
  const src = join(ROOT, "tests", "vue-app");
  const path = tarball();
  const key = buildKey({
    tarball: path,
    app: src,
    ignore: /^(node_modules|dist)$/,
    modules: ["vite", "@vitejs/plugin-vue", "vue", "powerbi-client-vue-js"],
  });
  const cache = join(ROOT, "target", "vue-app");
  const app = join(cache, key);
  if (existsSync(join(app, "dist", "index.html"))) return { app, reused: true };
  rmSync(cache, { recursive: true, force: true }); // earlier keys: never needed again
  mkdirSync(app, { recursive: true });
  cpSync(src, app, { recursive: true, filter: (from) => !/[\\/](node_modules|dist)([\\/]|$)/.test(from.slice(src.length)) });
  installTarball(path, app);
  linkWorkspaceModules(app, MODULES);
  const { build } = await import("vite");
  await build({ root: app, logLevel: "warn", configFile: join(app, "vite.config.js") });
  return { app, reused: false };
}

before(async () => {
  if (!viteRuns) return;
  const started = Date.now();
  const { app, reused } = await builtApp();
  dir = app;
  built = `${reused ? "build reused" : "built"} in ${Date.now() - started} ms`;

  standin = await startStandin();
  server = await serveStatic(join(dir, "dist"), { headHtml: NEEDS_PROBLEM_COLLECTOR ? PROBLEM_COLLECTOR : "" });

  browser = await launchStandinTabs();
});

after(async () => {
  await browser?.close().catch(() => {});
  await vite?.close().catch(() => {});
  await server?.close().catch(() => {});
  stopStandin(standin);
});

/** The stand-in's log, of the page's one report iframe (more than one is an error). */
const reportLog = (page) => standinLog(page, { single: true });
const waitCalls = (page, what, n) =>
  page.waitFor(what, (count) => window.app.record.providerCalls.length >= count, n.timeout, n.count);
/** Clicks a button and reads how many refreshers run one task later (Vue's flush has happened). */
const clickThenCount = (page, id) =>
  page.evaluate(async (button) => {
    document.getElementById(button).click();
    await new Promise((resolve) => setTimeout(resolve, 0));
    return window.app.startedCount();
  }, id);

/** Waits until `count` tokens reached the page's embed (refreshed events), so none is in flight. */
const waitRefreshed = (page, what, count) =>
  page.waitFor(what, (n) => window.app.record.events.filter((e) => e.type === "refreshed").length >= n, 2 * LIFETIME_MS + WAIT_MS, count);

async function openApp(url) {
  const standinUrl = `https://fake.powerbi.com:${standin.port}`;
  const page = await browser.open(`${url}?standin=${encodeURIComponent(standinUrl)}&lifetime=${LIFETIME_MS}&margin=${MARGIN_MS}`, {
    allowHosts: ["127.0.0.1", "fake.powerbi.com"],
  });
  await page.waitFor("the app", () => window.app?.record?.mounts === 1, 60_000);
  // Sample how many refreshers run, all along.
  await page.evaluate(() => {
    window.app.maxStarted = 0;
    setInterval(() => (window.app.maxStarted = Math.max(window.app.maxStarted, window.app.startedCount())), 50);
  });
  return page;
}

async function noProblems(page) {
  const errors = (await page.problems()).filter((p) => p.level !== "warning").map((p) => p.text);
  assert.deepEqual(errors, [], "no errors on the page");
  assert.deepEqual((await record(page)).errors, [], "no error reached Vue's error handling, no load error");
  assert.deepEqual(await page.outside(), [], "nothing left 127.0.0.1 and the stand-in");
}

test(`${ENGINE}: vite build, powerbi-client-vue-js: one refresher per embed, one provider call per token, switches, pauses in KeepAlive, stops on unmount`, { skip: viteSkip, timeout: 120_000 }, async (t) => {
  const page = await openApp(server.url);
  const margins = [];

  // --- first report: two refreshes --------------------------------------------------------------
  await waitRefreshed(page, "two refreshes of the first report", 2);
  let seen = await record(page);
  assert.equal(await page.evaluate(() => window.app.startedCount()), 1, "exactly one refresher runs");
  margins.push(...checkOneEmbed(await reportLog(page), seen.providerCalls, "first report", TIMING));
  const [one, two] = seen.providerCalls;
  assert.ok(two.provider > one.provider, "each call reads the options' latest provider");
  assert.match(await page.evaluate(() => document.getElementById("status").textContent), /refresher running · refreshed/);

  // --- another report: a new embed; the refresher follows it ------------------------------------
  const callsAtSwitch = seen.providerCalls.length;
  assert.equal(await clickThenCount(page, "switch"), 1, "one refresher right after the switch");
  seen = await record(page);
  assert.equal(seen.embeds, 2, "powerbi-client-vue-js handed over a new embed");
  assert.equal(seen.providerCalls.length, callsAtSwitch, "no call for the old report after the switch");
  await waitRefreshed(page, "two refreshes of the second report", 4);
  seen = await record(page);
  const secondCalls = seen.providerCalls.slice(callsAtSwitch);
  assert.equal(new Set(secondCalls.map((c) => c.reportId)).size, 1, "every call since is for the new report");
  assert.notEqual(secondCalls[0].reportId, seen.providerCalls[0].reportId, "the options were read again for the new embed");
  margins.push(...checkOneEmbed(await reportLog(page), secondCalls, "second report", TIMING));

  // --- <KeepAlive>: parked past its refresh time, nothing; put back, on with the reloaded iframe --
  // Parked right after a refresh, for longer than the wait until the next one, and back while
  // the token still has a little life: the report's iframe loads again with it, and the next
  // token must reach the new document before it expires.
  const callsAtPark = seen.providerCalls.length;
  const eventsAtPark = seen.events.length;
  assert.equal(await clickThenCount(page, "park"), 0, "the refresher paused as KeepAlive parked the report");
  await sleep(LIFETIME_MS - MARGIN_MS + 800);
  seen = await record(page);
  assert.equal(seen.providerCalls.length, callsAtPark, "no call while parked");
  assert.equal(seen.events.length, eventsAtPark, "no event while parked (no EmbedRemoved)");
  await page.evaluate(() => document.getElementById("park").click());
  await waitRefreshed(page, "two refreshes after KeepAlive", 6);
  seen = await record(page);
  assert.equal(seen.unmounts, 0, "KeepAlive kept the report mounted");
  assert.equal(seen.embeds, 2, "the same embed");
  assert.equal(await page.evaluate(() => window.app.startedCount()), 1, "one refresher again when the report is back");
  margins.push(...checkOneEmbed(await reportLog(page), seen.providerCalls.slice(callsAtPark), "back from KeepAlive", TIMING));

  // Parked again, and handed another report meanwhile (it reaches the component as it comes
  // back): the old refresher stays stopped, the new embed gets one.
  const callsAtSecondPark = seen.providerCalls.length;
  const eventsAtSecondPark = seen.events.length;
  assert.equal(await clickThenCount(page, "park"), 0, "paused again");
  assert.equal(await clickThenCount(page, "switch"), 0, "nothing starts while parked");
  await page.evaluate(() => document.getElementById("park").click());
  await waitRefreshed(page, "a refresh of the report handed over while parked", seen.events.filter((e) => e.type === "refreshed").length + 1);
  seen = await record(page);
  assert.equal(seen.embeds, 3, "a new embed");
  assert.equal(await page.evaluate(() => window.app.startedCount()), 1, "one refresher, for it");
  assert.deepEqual(seen.events.slice(eventsAtSecondPark).map((e) => e.type), ["refreshed"], "no error from the old embed");
  margins.push(...checkOneEmbed(await reportLog(page), seen.providerCalls.slice(callsAtSecondPark), "switched while parked", TIMING));

  // --- unmount: no call after, the refresher stopped ---------------------------------------------
  // Stopped as the scope ends, not found gone at the refresher's next check.
  assert.equal(await clickThenCount(page, "toggle"), 0, "the refresher stopped as the report unmounted");
  const callsAtUnmount = (await record(page)).providerCalls.length;
  const eventsAtUnmount = (await record(page)).events.length;
  await sleep(LIFETIME_MS);
  seen = await record(page);
  assert.equal(seen.unmounts, 1, "unmounted");
  assert.equal(seen.providerCalls.length, callsAtUnmount, "no provider call after unmount");
  assert.equal(seen.events.length, eventsAtUnmount, "no event after unmount");
  assert.equal(await page.evaluate(() => document.querySelectorAll(".report iframe").length), 0, "the report is gone");

  // --- remount: one refresher again, tokens flow to the new embed --------------------------------
  await page.evaluate(() => document.getElementById("toggle").click());
  await waitCalls(page, "two more provider calls", { count: callsAtUnmount + 2, timeout: 2 * LIFETIME_MS + WAIT_MS });
  await waitRefreshed(page, "two refreshes after remounting", seen.events.filter((e) => e.type === "refreshed").length + 2);
  seen = await record(page);
  assert.equal(await page.evaluate(() => window.app.startedCount()), 1, "exactly one refresher after remounting");
  margins.push(...checkOneEmbed(await reportLog(page), seen.providerCalls.slice(callsAtUnmount), "after remount", TIMING));
  assert.equal(await page.evaluate(() => window.app.maxStarted), 1, "never more than one refresher at a time");

  await noProblems(page);
  t.diagnostic(
    `${browser.name}: ${built}; ${seen.providerCalls.length} provider calls, ${seen.embeds} embeds; ` +
      `new token arrived ${Math.min(...margins)}–${Math.max(...margins)} ms before the old expired`,
  );
  await page.close();
});

test(`${ENGINE}: Vite dev server (the package pre-bundled away from its .wasm): the composable loads it and refreshes`, { skip: viteSkip, timeout: 90_000 }, async (t) => {
  const started = Date.now();
  const { createServer } = await import("vite");
  vite = await createServer({
    root: dir,
    configFile: join(dir, "vite.config.js"),
    logLevel: "warn",
    server: { host: "127.0.0.1", port: 0, hmr: false },
    optimizeDeps: { force: true },
    plugins: NEEDS_PROBLEM_COLLECTOR ? [withProblemCollector] : [],
  });
  await vite.listen();
  const page = await openApp(vite.resolvedUrls.local[0]);
  await waitRefreshed(page, "the first refresh", 1);
  const seen = await record(page);
  assert.equal(await page.evaluate(() => window.app.startedCount()), 1, "exactly one refresher runs");
  checkOneEmbed(await reportLog(page), seen.providerCalls, "dev server", TIMING);
  assert.match(
    await page.evaluate(() => window.app.tryBadOptions()),
    /^TypeError: getNewAccessToken must be a function/,
    "a mistake in the options reached the app's errorHandler",
  );
  assert.equal(await page.evaluate(() => window.app.startedCount()), 1, "and started nothing");
  const fetched = await page.fetched();
  assert.ok(fetched.some((p) => p.includes("/node_modules/.vite/deps/")), "the package was pre-bundled");
  assert.ok(fetched.includes(`/node_modules/powerbi-token-refresh/${WASM}`), `the .wasm came from the package: ${fetched.filter((p) => p.endsWith(".wasm"))}`);
  await noProblems(page);
  t.diagnostic(`${browser.name}: dev server to first refresh in ${Date.now() - started} ms`);
  await page.close();
});
