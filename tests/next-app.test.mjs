// The hook in a Next.js 16 App Router app (tests/next-app) as people build them: a 'use client'
// component with useTokenRefresher beside powerbi-client-react's PowerBIEmbed loaded client-only
// (next/dynamic, ssr: false), the package installed from its tarball. Built once per bundler,
// Turbopack (`next build`) and webpack (`next build --webpack`, with the README's config), both
// builds cached under target/next-app/ (keyed on the tarball, the app's sources and Next's
// version) so the WebKit run reuses Chromium's. Each build is served by `next start`; for each
// entry, `/` (main: `powerbi-token-refresh/react`) and `/web` (`powerbi-token-refresh/web/react`):
// the page is rendered on the server at the request (200, the hook's idle status in the HTML, the
// server build of the package in the server's output, nothing on the server's log), then in the
// browser the stand-in of the Power BI service (tests/standin) receives each new token before the
// old one expires, one provider call per token. Then `next dev` with each bundler (Chromium only):
// the same checks, but for React's Strict Mode mounting PowerBIEmbed twice. Chromium, or WebKit
// with TEST_BROWSER=webkit under scripts/webkit/with-driver.mjs (see tests/support/tabs.mjs).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { freePort, sleep } from "../scripts/demo-server.mjs";
import { buildKey, launchStandinTabs, record, standinLog, startStandin, stopStandin, tokenNumber } from "./support/apps.mjs";
import { ROOT, installTarball, linkWorkspaceModules, tarball } from "./support/package.mjs";
import { ENGINE, NEEDS_PROBLEM_COLLECTOR, PROBLEM_COLLECTOR } from "./support/tabs.mjs";

const LIFETIME_MS = 6000; // each token's life
const MARGIN_MS = 2000; // refresh this long before expiry: one provider call every 4 s
const CALLS = 3; // provider calls to watch on each page
const SOURCES = join(ROOT, "tests", "next-app");
const CACHE = join(ROOT, "target", "next-app");
const NEXT_BIN = join(ROOT, "node_modules", "next", "dist", "bin", "next");
const BUNDLERS = { turbopack: [], webpack: ["--webpack"] };
const PAGES = [
  { path: "/", entry: "main" },
  { path: "/web", entry: "web" },
];

// No telemetry, nothing from the internet; the app's node_modules link to the workspace's.
const ENV = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", PBI_WORKSPACE_ROOT: ROOT };
delete ENV.NODE_ENV; // `next build` and `next start` set it themselves

let dir;
let standin;
let browser;

/** The app's folder under target/next-app/<key>, copied and installed unless already there. */
function appDir(tarballPath) {
  const at = join(CACHE, buildKey({ tarball: tarballPath, app: SOURCES, ignore: /^(node_modules|\.next.*)$/, modules: ["next"] }));
  if (existsSync(join(at, ".installed"))) return at;
  rmSync(CACHE, { recursive: true, force: true }); // older keys: nothing will use them again
  mkdirSync(CACHE, { recursive: true });
  cpSync(SOURCES, at, { recursive: true, filter: (from) => !/[\\/](node_modules|\.next[^\\/]*)([\\/]|$)/.test(relative(SOURCES, from)) });
  installTarball(tarballPath, at);
  linkWorkspaceModules(at, ["next", "react", "react-dom", "powerbi-client", "powerbi-client-react"]);
  writeFileSync(join(at, ".installed"), "");
  return at;
}

/** Runs `node <next> ...args` in the app; resolves with its output, rejects on a failure. */
function next(args, env, timeoutMs = 240_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NEXT_BIN, ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`next ${args.join(" ")} failed (${signal ?? code}):\n${output}`));
    });
  });
}

/** The build of `bundler`, made once per cache key; says how long it took (or that it was cached). */
async function build(bundler) {
  const distDir = `.next-${bundler}`;
  if (existsSync(join(dir, distDir, "BUILD_ID"))) return { distDir, took: null };
  rmSync(join(dir, distDir), { recursive: true, force: true });
  const started = Date.now();
  const output = await next(["build", ...BUNDLERS[bundler]], { ...ENV, NEXT_DIST_DIR: distDir });
  const took = Date.now() - started;
  // The README's recipe builds clean: no warning (webpack's async/await one, a lockfile one, …).
  // Under CI (`CI` set) Next also notes a missing `.next/cache`: a fact about the machine, not the recipe.
  const recipe = output.replace(/^.*No build cache found.*$/m, "");
  assert.doesNotMatch(recipe, /⚠|warn/i, `next build (${bundler}) warned:\n${output}`);
  assert.match(output, /ƒ \/web\b/, "`/web` is rendered on demand");
  return { distDir, took };
}

/**
 * `next start` on the build in `distDir` (or, with `["dev", ...flags]`, `next dev` building into
 * it) on 127.0.0.1 and a free port; its output kept in `log`.
 */
async function start(distDir, [command, ...flags] = ["start"]) {
  const port = await freePort();
  const env = { ...ENV, NEXT_DIST_DIR: distDir, ...(NEEDS_PROBLEM_COLLECTOR && { PBI_HEAD_HTML: PROBLEM_COLLECTOR }) };
  const child = spawn(process.execPath, [NEXT_BIN, command, ...flags, "-H", "127.0.0.1", "-p", String(port)], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const server = { child, url: `http://127.0.0.1:${port}`, log: "" };
  child.stdout.on("data", (d) => (server.log += d));
  child.stderr.on("data", (d) => (server.log += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next ${command} exited (${child.exitCode}):\n${server.log}`);
    if (/Ready in/.test(server.log)) return server;
    if (Date.now() > deadline) throw new Error(`next ${command} did not get ready:\n${server.log}`);
    await sleep(50);
  }
}

function stop(server) {
  if (server.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    server.child.once("exit", resolve);
    server.child.kill("SIGTERM");
  });
}

before(async () => {
  dir = appDir(tarball());
  standin = await startStandin();
  browser = await launchStandinTabs();
});

after(async () => {
  await browser?.close().catch(() => {});
  stopStandin(standin);
});

/**
 * One page: rendered on the server, then kept fresh in the browser. Returns the margins left.
 * `strict`: React's Strict Mode (next dev) mounts PowerBIEmbed twice, so the hook is handed a
 * second embed and must follow it.
 */
async function scenario(server, { path, entry }, { strict = false } = {}) {
  const query = `?standin=${encodeURIComponent(`https://fake.powerbi.com:${standin.port}`)}&lifetime=${LIFETIME_MS}&margin=${MARGIN_MS}`;
  const url = `${server.url}${path}${query}`;

  // --- the server render ------------------------------------------------------------------------
  const response = await fetch(url);
  const html = await response.text();
  assert.equal(response.status, 200, `${path}: server render status`);
  assert.ok(html.includes(`<h1>Next.js app (<!-- -->${entry}<!-- --> entry)</h1>`), `${path}: rendered on the server`);
  assert.ok(html.includes('<p id="status" role="status">refresher idle · '), `${path}: the hook rendered (idle) on the server`);
  assert.ok(!html.includes("<iframe"), `${path}: no report on the server (PowerBIEmbed is client-only)`);

  // --- in the browser ---------------------------------------------------------------------------
  const page = await browser.open(url, { allowHosts: ["127.0.0.1", "fake.powerbi.com"] });
  try {
    await page.waitFor("the app to hydrate", () => window.app?.record.hydrated, 30_000);
    assert.equal(await page.evaluate(() => window.app.entry), entry, "the page runs on the entry under test");
    await page.waitFor(`${CALLS} provider calls`, (n) => window.app.record.providerCalls.length >= n, CALLS * LIFETIME_MS + 20_000, CALLS);
    const seen = await record(page);
    assert.equal(await page.evaluate(() => window.app.startedCount()), 1, "exactly one refresher runs");
    assert.equal(seen.embeds, strict ? 2 : 1, "powerbi-client-react's embeds (twice under Strict Mode)");
    assert.match(await page.evaluate(() => document.getElementById("status").textContent), /^refresher running · refreshed: /);

    const log = await standinLog(page);
    const calls = seen.providerCalls;
    assert.equal(log.dead, false, "the stand-in embed died of an expired token");
    assert.deepEqual(log.expiries, [], "no token expired in the stand-in");
    assert.equal(log.loads.length, 1, "loaded once");
    const received = log.tokens.map((t) => ({ n: tokenNumber(t.token), at: t.at, exp: t.exp, outcome: t.outcome }));
    // Calls made after the log was read have not reached it yet.
    assert.deepEqual(received.map((t) => t.n), calls.slice(0, received.length).map((c) => c.n), "the stand-in received each provider token once, in order");
    assert.ok(received.length >= CALLS - 1, `the stand-in received ${received.length} tokens`);
    assert.ok(received.every((t) => t.outcome === "accept"), "every token accepted");
    let previous = { exp: log.loadRequests[0].exp, n: tokenNumber(log.loadRequests[0].token) };
    const margins = [];
    for (const t of received) {
      assert.ok(t.at < previous.exp, `token ${t.n} arrived ${t.at - previous.exp} ms after token ${previous.n} expired`);
      margins.push(previous.exp - t.at);
      previous = t;
    }
    for (let i = 1; i < calls.length; i++) {
      const gap = calls[i].at - calls[i - 1].at;
      assert.ok(gap > LIFETIME_MS - MARGIN_MS - 1000, `provider calls ${gap} ms apart: more than one per token`);
    }
    assert.deepEqual(seen.events.filter((e) => e.type !== "refreshed"), [], "only refreshed events");

    const errors = (await page.problems()).filter((p) => p.level !== "warning").map((p) => p.text);
    assert.deepEqual(errors, [], "no errors on the page (hydration included)");
    assert.deepEqual(await page.outside(), [], "nothing left 127.0.0.1 and the stand-in");
    return margins;
  } finally {
    await page.close();
  }
}

/** Whether any file of the server output holds `text`. */
function serverOutputHas(distDir, text) {
  const walk = (at) =>
    readdirSync(at, { withFileTypes: true }).some((d) =>
      d.isDirectory() ? walk(join(at, d.name)) : d.name.endsWith(".js") && readFileSync(join(at, d.name), "utf8").includes(text),
    );
  return walk(join(dir, distDir, "server"));
}

/**
 * Every page of PAGES on `server` (the scenario, with `options`), then the server stopped and its
 * log checked; says how long it took.
 */
async function checkPages(t, server, options) {
  const started = Date.now();
  try {
    for (const page of PAGES) {
      const margins = await scenario(server, page, options);
      t.diagnostic(`${browser.name}, ${page.path} (${page.entry} entry): new token arrived ${Math.min(...margins)}–${Math.max(...margins)} ms before the old expired`);
    }
  } finally {
    await stop(server);
  }
  // Next prints server errors (a failed render, an unhandled rejection) on its own output.
  assert.doesNotMatch(server.log, /⨯|error|unhandled|self is not defined|window is not defined/i, `the server logged:\n${server.log}`);
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

for (const bundler of Object.keys(BUNDLERS)) {
  test(`${ENGINE}: Next.js 16 App Router, ${bundler}: builds, renders on the server, keeps the stand-in's token fresh (main and web entries)`, { timeout: 300_000 }, async (t) => {
    const { distDir, took } = await build(bundler);
    t.diagnostic(took === null ? `${bundler}: build cached` : `${bundler}: next build took ${(took / 1000).toFixed(1)} s`);
    // Server rendering took the package's server build (the `node` export condition): its
    // TokenRefresher's message is in the server's output, so no .wasm was loaded there.
    assert.ok(serverOutputHas(distDir, "runs in the browser only"), "the server output holds the package's server build");

    const served = await checkPages(t, await start(distDir));
    t.diagnostic(`${bundler}: served and checked in ${served}`);
  });
}

// What people run first: `next dev`, with either bundler (Turbopack is Next 16's default), React's
// Strict Mode (its effects mount, clean up and mount again), the dev overlay and hot reloading in
// the page; pages compiled on their first request. Chromium only: WebKit meets the same bundlers'
// output in the builds above, and dev compiles would add minutes to its run.
for (const bundler of Object.keys(BUNDLERS)) {
  test(`${ENGINE}: Next.js 16 App Router, next dev, ${bundler}: renders on the server, keeps the stand-in's token fresh (main and web entries)`, { timeout: 300_000, skip: ENGINE !== "chromium" && "next dev is checked in Chromium" }, async (t) => {
    const distDir = `.next-dev-${bundler}`;
    rmSync(join(dir, distDir), { recursive: true, force: true });
    const served = await checkPages(t, await start(distDir, ["dev", ...BUNDLERS[bundler]]), { strict: true });
    t.diagnostic(`next dev (${bundler}): compiled, served and checked in ${served}`);
  });
}
