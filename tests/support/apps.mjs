// What the framework app tests (tests/{react,angular,next,vue}-app.test.mjs) share: the stand-in
// of the Power BI service (tests/standin) in a child process, a browser that reaches it as
// https://fake.powerbi.com, reading what the stand-in's embed received and checking it against
// the app's provider calls, and the cache key of an app's build under target/.
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { freePort } from "../../scripts/demo-server.mjs";
import { ROOT } from "./package.mjs";
import { PROBLEM_COLLECTOR, launchTabs } from "./tabs.mjs";

const [major, minor] = process.versions.node.split(".").map(Number);
/** Whether Vite 7 runs on this Node (^20.19 or >=22.12). */
export const viteRuns = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22;
/** node:test's `skip` for tests that need Vite 7: false, or why they cannot run here. */
export const viteSkip = !viteRuns && `Vite 7 needs Node ^20.19 or >=22.12 (this is ${process.versions.node})`;

/** A Vite plugin that puts PROBLEM_COLLECTOR first in the page's <head>, for engines without console events. */
export const withProblemCollector = {
  name: "problem-collector",
  transformIndexHtml: (html) => html.replace(/<head(\s[^>]*)?>/i, (head) => head + PROBLEM_COLLECTOR),
};

/**
 * Starts tests/standin/server.mjs on a free port of its own (not 8443: nothing to share with the
 * wasm-pack suites); resolves with the child, its `port` set, once it listens.
 */
export async function startStandin() {
  const port = await freePort();
  const child = fork(join(ROOT, "tests", "standin", "server.mjs"), [], {
    env: { ...process.env, STANDIN_PORT: String(port) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the stand-in exited (code ${code}) before listening`)));
    child.on("message", (m) => m?.listening && resolve(Object.assign(child, { port })));
  });
}

/** Stops a stand-in from startStandin() (for after(): `standin` may be unset or gone already). */
export function stopStandin(standin) {
  if (standin && standin.exitCode === null) {
    standin.disconnect();
    standin.kill("SIGTERM");
  }
}

/**
 * launchTabs() with what the stand-in needs of Chromium; in WebKit the driver does the same
 * (acceptInsecureCerts, and a tunnel from any host to 127.0.0.1).
 */
export function launchStandinTabs() {
  return launchTabs({
    chromiumArgs: [
      "--ignore-certificate-errors", // the stand-in's throwaway certificate
      "--host-resolver-rules=MAP fake.powerbi.com 127.0.0.1",
      // Timers in a headless page must run on time for token lifetimes of seconds.
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows",
    ],
  });
}

/** The number a token minted by the app carries in its payload (tokens are never printed). */
export function tokenNumber(token) {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).n;
}

/**
 * The stand-in iframe's log (tests/standin/embed.js `log`), asked through the page: of the first
 * `.report iframe`, or with `single`, of the only one (more than one is an error).
 */
export function standinLog(page, { single = false } = {}) {
  return page.evaluate((only) => {
    const frames = document.querySelectorAll(".report iframe");
    if (only && frames.length !== 1) throw new Error(`${frames.length} report iframes`);
    const frame = frames[0];
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
  }, single);
}

/** The app's record of what it saw (`window.app.record`), copied out of the page. */
export const record = (page) => page.evaluate(() => structuredClone(window.app.record));

/**
 * Checks one embed's life in the stand-in against the app's provider calls made for it: the
 * tokens it received after its load are exactly those calls' tokens, in order (one call per
 * token, none spare), each received before the token it replaced expired; it never died.
 * `lifetimeMs` and `marginMs` are the app's token lifetime and refresh margin. Returns how long
 * before the old token's expiry each new one arrived.
 */
export function checkOneEmbed(log, calls, label, { lifetimeMs, marginMs }) {
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
    assert.ok(gap > lifetimeMs - marginMs - 1000, `${label}: provider calls ${gap} ms apart`);
  }
  return marginsLeft;
}

/** The files below `dir` whose path has no part matching `ignore` (a file or folder name), sorted. */
function appFiles(dir, ignore) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !ignore.test(e.name))
    .flatMap((e) => (e.isDirectory() ? appFiles(join(dir, e.name), ignore) : [join(dir, e.name)]))
    .sort();
}

/**
 * The key of an app's build, so that a run in another engine reuses it and any change makes a
 * new one: 16 hex digits of a hash of the tarball, each of the app's files under `app` (its path
 * there and its content; names matching `ignore`, such as node_modules and build output, left
 * out) and the package.json of each of the workspace's `modules` the build uses.
 */
export function buildKey({ tarball, app, ignore, modules }) {
  const hash = createHash("sha256").update(readFileSync(tarball));
  for (const file of appFiles(app, ignore)) hash.update(`${relative(app, file)}\0`).update(readFileSync(file));
  for (const name of modules) hash.update(readFileSync(join(ROOT, "node_modules", name, "package.json")));
  return hash.digest("hex").slice(0, 16);
}
