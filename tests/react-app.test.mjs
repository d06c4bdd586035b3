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
import { fork } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, serveStatic, sleep } from "../scripts/demo-server.mjs";
import { ROOT, installTarball, linkWorkspaceModules, tarball } from "./support/package.mjs";
import { ENGINE, NEEDS_PROBLEM_COLLECTOR, PROBLEM_COLLECTOR, launchTabs } from "./support/tabs.mjs";

const require = createRequire(import.meta.url);

const LIFETIME_MS = 6000; // each token's life
const MARGIN_MS = 2000; // refresh this long before expiry: one provider call every 4 s
const WAIT_MS = 20_000;
const [major, minor] = process.versions.node.split(".").map(Number);
const viteRuns = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22;

let tmp;
let dir;
let standin;
let vite;
let browser;

/** Starts tests/standin/server.mjs on `port`; resolves once it listens. */
function startStandin(port) {
  const child = fork(join(ROOT, "tests", "standin", "server.mjs"), [], {
    env: { ...process.env, STANDIN_PORT: String(port) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the stand-in exited (code ${code}) before listening`)));
    child.on("message", (m) => m?.listening && resolve(child));
  });
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "pbi-react-"));
  dir = join(tmp, "app");
  // Not what a run by hand may have left there (its node_modules point at pkg/, not the tarball).
  const leftovers = /[\\/](node_modules|dist)([\\/]|$)/;
  cpSync(join(ROOT, "tests", "react-app"), dir, { recursive: true, filter: (from) => !leftovers.test(from.slice(ROOT.length)) });
  installTarball(tarball(), dir);
  linkWorkspaceModules(dir, ["react", "react-dom", "powerbi-client", "powerbi-client-react", "esbuild"]);

  // A port of our own rather than 8443: nothing to share with the wasm-pack suites.
  const port = await freePort();
  standin = await startStandin(port);
  standin.port = port;

  // In WebKit the driver does the same: acceptInsecureCerts, and a tunnel from any host to 127.0.0.1.
  browser = await launchTabs({
    chromiumArgs: [
      "--ignore-certificate-errors", // the stand-in's throwaway certificate
      "--host-resolver-rules=MAP fake.powerbi.com 127.0.0.1",
      // Timers in a headless page must run on time for token lifetimes of seconds.
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows",
    ],
  });
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
  if (standin && standin.exitCode === null) {
    standin.disconnect();
    standin.kill("SIGTERM");
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Puts PROBLEM_COLLECTOR first in the page's <head>, for engines without console events. */
const withProblemCollector = {
  name: "problem-collector",
  transformIndexHtml: (html) => html.replace(/<head(\s[^>]*)?>/i, (head) => head + PROBLEM_COLLECTOR),
};

/** The number a token minted by the app carries in its payload (tokens are never printed). */
function tokenNumber(token) {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).n;
}

/** The stand-in iframe's log (tests/standin/embed.js `log`), asked through the page. */
function standinLog(page) {
  return page.evaluate(() => {
    const frame = document.querySelector(".report iframe");
    if (!frame) throw new Error("no report iframe");
    const id = `log-${Math.random()}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the stand-in did not answer")), 5000);
      addEventListener("message", function onReply(event) {
        if (event.data?.standin !== "log" || !event.data.reply || event.data.id !== id) return;
        removeEventListener("message", onReply);
        clearTimeout(timer);
        resolve(event.data);
      });
      frame.contentWindow.postMessage({ standin: "log", id }, "*");
    });
  });
}

const record = (page) => page.evaluate(() => structuredClone(window.app.record));

/**
 * Checks one embed's life in the stand-in against the app's provider calls made for it: the
 * tokens it received after its load are exactly those calls' tokens, in order (one call per
 * token, none spare), each received before the token it replaced expired; it never died.
 */
function checkOneEmbed(log, calls, label) {
  assert.equal(log.dead, false, `${label}: the stand-in embed died of an expired token`);
  assert.deepEqual(log.expiries, [], `${label}: no token expired in the stand-in`);
  assert.equal(log.loads.length, 1, `${label}: loaded once (no reload)`);
  const received = log.tokens.map((t) => ({ n: tokenNumber(t.token), at: t.at, exp: t.exp, outcome: t.outcome }));
  assert.deepEqual(received.map((t) => t.n), calls.map((c) => c.n), `${label}: the stand-in received each provider token once, in order`);
  assert.ok(received.every((t) => t.outcome === "accept"), `${label}: every token accepted`);
  assert.ok(log.loadRequests.length === 1 && log.loadRequests[0].exp !== null, `${label}: loaded with a JWT-shaped token`);
  let previous = { exp: log.loadRequests[0].exp, n: tokenNumber(log.loadRequests[0].token) };
  const marginsLeft = [];
  for (const t of received) {
    assert.ok(t.at < previous.exp, `${label}: token ${t.n} arrived ${t.at - previous.exp} ms after token ${previous.n} expired`);
    marginsLeft.push(previous.exp - t.at);
    previous = t;
  }
  // Once per lifetime: consecutive calls are a lifetime less the margin apart, give or take the
  // check interval and timers; two calls for one token would be far closer.
  for (let i = 1; i < calls.length; i++) {
    const gap = calls[i].at - calls[i - 1].at;
    assert.ok(gap > LIFETIME_MS - MARGIN_MS - 1000, `${label}: provider calls ${gap} ms apart`);
  }
  return marginsLeft;
}

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
  const margins = checkOneEmbed(first, firstCalls, "first mount");
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
  margins.push(...checkOneEmbed(second, secondCalls, "after remount"));
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

const skip = !viteRuns && `Vite 7 needs Node ^20.19 or >=22.12 (this is ${process.versions.node})`;
const TITLE = "StrictMode, powerbi-client-react: one refresher, one provider call per token, stops on unmount";

test(`${ENGINE}: Vite 7 dev server, web entry (powerbi-token-refresh/web/react): ${TITLE}`, { skip, timeout: 120_000 }, async (t) => {
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
