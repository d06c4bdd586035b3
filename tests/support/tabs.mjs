// Several tabs of one browser, the same to a test in either engine it runs in:
//   - "chromium": Debian's Chromium through Playwright (playwright-core);
//   - "webkit": WebKitGTK's MiniBrowser through WebKitWebDriver and a plain W3C WebDriver client
//     (Playwright cannot drive this WebKit). Needs WEBKIT_WEBDRIVER_URL, which
//     scripts/webkit/with-driver.mjs sets.
// TEST_BROWSER picks the engine (default chromium). A tab is
//   { evaluate(fn, arg), waitFor(what, fn, timeoutMs, arg), navigate(url), back(), problems(),
//     console(), fetched(), outside(), lifecycle(state), close() }:
// problems() lists the page's uncaught errors and console errors and warnings ({ level, text },
// level "uncaught", "error" or "warning"), console() every console message's text, fetched() the
// paths of the resources it loaded, outside() what it asked of hosts beyond open()'s
// `allowHosts` (Chromium blocks those). WebDriver has no console or network events: in WebKit
// these come from the page itself, so problems() and console() need PROBLEM_COLLECTOR in the
// page's <head> (they return null without it) and fetched() reads Resource Timing.
// lifecycle("frozen" | "active") freezes the page as Chromium does a background tab (hidden, then
// `freeze` on document, its timers and tasks stopped) or brings it back as when the user returns
// to it (`resume`, visible again), through CDP's Page.setWebLifecycleState. Chromium only (check
// LIFECYCLE), and only in a browser started with launchTabs({ lifecycle: true }): Playwright's own
// launch turns on focus emulation in every page from its own CDP session, which keeps the page
// visible, and Chromium then ignores the freeze silently. With the option Chromium is started here
// and Playwright attaches over CDP with `noDefaults` (no focus emulation of its own); each tab
// gets focus emulation from a session of ours instead (every tab visible and focused, as with
// Playwright's launch), which lifecycle() turns off before freezing and on again after resuming.
// Tabs open in the browser's default context: one profile, as usual.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { CHROMIUM, CHROMIUM_ARGS } from "../../scripts/demo-server.mjs";
import { WebDriverSession } from "./webdriver.mjs";

const require = createRequire(import.meta.url);

export const ENGINE = process.env.TEST_BROWSER ?? "chromium";

/** Records what Playwright's pageerror and console events would see, for engines without them. */
export const PROBLEM_COLLECTOR = `<script>
window.__problems = [];
window.__console = [];
addEventListener("error", (e) => window.__problems.push({ level: "uncaught", text: String(e.message || e.error || e) }));
addEventListener("unhandledrejection", (e) =>
  window.__problems.push({ level: "uncaught", text: "unhandled rejection: " + String(e.reason) }));
for (const method of ["log", "info", "debug", "warn", "error"]) {
  const original = console[method];
  console[method] = function (...args) {
    const text = args.map(String).join(" ");
    window.__console.push(text);
    if (method === "error" || method === "warn") window.__problems.push({ level: method === "warn" ? "warning" : "error", text });
    return original.apply(this, args);
  };
}
</script>`;
/** Whether pages must carry PROBLEM_COLLECTOR for problems() to see anything. */
export const NEEDS_PROBLEM_COLLECTOR = ENGINE !== "chromium";
/** Whether tab.lifecycle() can freeze a page in this engine. */
export const LIFECYCLE = ENGINE === "chromium";

/** Adds waitFor() to a tab: polls `fn(arg)` in the page until it returns something truthy. */
function withWaitFor(tab) {
  tab.waitFor = async (what, fn, timeoutMs = 15_000, arg = undefined) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await tab.evaluate(fn, arg);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return tab;
}

/**
 * Chromium started here (headless, a fresh profile, DevTools on a free port) with Playwright
 * attached over CDP without its default overrides, so pages can be hidden and frozen. The flags
 * that matter to timing are Playwright's own: background pages' timers are not throttled.
 */
async function chromiumAttached(chromium, chromiumArgs) {
  const profile = mkdtempSync(join(tmpdir(), "tabs-chromium-"));
  const args = [
    ...CHROMIUM_ARGS,
    ...chromiumArgs,
    "--headless",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--no-default-browser-check",
    "--remote-debugging-port=0",
    `--user-data-dir=${profile}`,
    "about:blank",
  ];
  // Its own process group: whatever of it outlives the main process (renderers, the zygote) is
  // ended with it, by the group's id, and no stray child holds the profile or the stderr pipe.
  const proc = spawn(CHROMIUM, args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  const killGroup = (signal) => {
    try {
      process.kill(-proc.pid, signal);
    } catch {} // already gone
  };
  let browser = null;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      // Chromium closing itself ends its children and flushes the profile; a kill if it does not.
      const closing = browser
        ? browser.newBrowserCDPSession().then((cdp) => cdp.send("Browser.close")).catch(() => {})
        : Promise.resolve();
      await closing;
      const timer = setTimeout(() => killGroup("SIGKILL"), 5_000);
      if (!browser) killGroup("SIGTERM");
      await exited;
      clearTimeout(timer);
    }
    killGroup("SIGKILL");
    await browser?.close().catch(() => {}); // Playwright's side of the connection
    proc.stderr.destroy();
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  try {
    const endpoint = await new Promise((resolve, reject) => {
      let said = "";
      const timer = setTimeout(() => reject(new Error(`Chromium did not open DevTools in 30 s: ${said}`)), 30_000);
      proc.stderr.on("data", (chunk) => {
        said += chunk;
        const found = said.match(/DevTools listening on (ws:\/\/\S+)/);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      });
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`Chromium exited (${code}) before it opened DevTools: ${said}`));
      });
    });
    proc.stderr.removeAllListeners("data");
    proc.stderr.resume(); // keep draining what it logs
    browser = await chromium.connectOverCDP(endpoint, { noDefaults: true });
    return { browser, context: browser.contexts()[0], stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function chromiumTabs(chromiumArgs, lifecycle) {
  const { chromium } = require("playwright-core");
  let browser, context, stop;
  if (lifecycle) {
    ({ browser, context, stop } = await chromiumAttached(chromium, chromiumArgs));
  } else {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...chromiumArgs] });
    context = await browser.newContext();
    stop = () => browser.close();
  }
  return {
    name: `Chromium ${browser.version()}`,
    async open(url, { allowHosts } = {}) {
      const page = await context.newPage();
      const problems = [];
      const fetched = [];
      const outside = [];
      const consoleText = [];
      // Ours, kept with the page: focus emulation lives as long as the session that asked for it.
      const cdp = lifecycle ? await context.newCDPSession(page) : null;
      if (cdp) await cdp.send("Emulation.setFocusEmulationEnabled", { enabled: true });
      page.on("pageerror", (error) => problems.push({ level: "uncaught", text: String(error) }));
      page.on("console", (m) => {
        consoleText.push(m.text());
        if (m.type() === "error" || m.type() === "warning") problems.push({ level: m.type(), text: m.text() });
      });
      page.on("request", (r) => fetched.push(new URL(r.url()).pathname));
      if (allowHosts) {
        await page.route(
          (u) => !allowHosts.includes(u.hostname),
          (route) => (outside.push(route.request().url()), route.abort()),
        );
      }
      await page.goto(url);
      return withWaitFor({
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        navigate: async (to) => void (await page.goto(to)),
        back: async () => void (await page.goBack()),
        problems: async () => problems.slice(),
        fetched: async () => fetched.slice(),
        outside: async () => outside.slice(),
        console: async () => consoleText.slice(),
        lifecycle: async (state) => {
          if (!cdp) throw new Error("lifecycle(): launch with launchTabs({ lifecycle: true }) (see above)");
          if (state === "frozen") await cdp.send("Emulation.setFocusEmulationEnabled", { enabled: false });
          await cdp.send("Page.setWebLifecycleState", { state });
          if (state === "active") await cdp.send("Emulation.setFocusEmulationEnabled", { enabled: true });
        },
        close: () => page.close(),
      });
    },
    close: stop,
  };
}

async function webkitTabs() {
  const driverUrl = process.env.WEBKIT_WEBDRIVER_URL;
  if (!driverUrl) throw new Error("WEBKIT_WEBDRIVER_URL is not set: run under `node scripts/webkit/with-driver.mjs`");
  const session = await WebDriverSession.start(driverUrl);
  // WebDriver talks to one window at a time: every command switches to its tab first, one
  // command at a time.
  let queue = Promise.resolve();
  const exclusive = (work) => {
    const run = queue.then(work);
    queue = run.catch(() => {});
    return run;
  };
  let current = await session.windowHandle();
  let unused = current; // the session's first window becomes the first tab
  const use = async (handle) => {
    if (current !== handle) await session.switchTo(handle);
    current = handle;
  };
  const caps = session.capabilities ?? {};
  return {
    name: `WebKit ${caps.browserVersion ?? "?"} (${caps.browserName ?? "?"})`,
    open: (url, { allowHosts } = {}) =>
      exclusive(async () => {
        const handle = unused ?? (await session.newWindow());
        unused = null;
        await use(handle);
        await session.navigate(url);
        const evaluate = (fn, arg) =>
          exclusive(async () => {
            await use(handle);
            return session.execute(fn, arg);
          });
        const inTab = (work) =>
          exclusive(async () => {
            await use(handle);
            return work();
          });
        return withWaitFor({
          evaluate,
          navigate: (to) => inTab(() => session.navigate(to)),
          back: () => inTab(() => session.back()),
          problems: () => evaluate(() => (window.__problems ? window.__problems.slice() : null)),
          console: () => evaluate(() => (window.__console ? window.__console.slice() : null)),
          fetched: () =>
            evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname)),
          // Nothing to block with: the page's own resources (Resource Timing) beyond allowHosts.
          // (The driver's https_proxy tunnels every https host to 127.0.0.1 anyway.)
          outside: async () =>
            (await evaluate(() => performance.getEntriesByType("resource").map((e) => e.name))).filter(
              (u) => allowHosts && !allowHosts.includes(new URL(u).hostname),
            ),
          lifecycle: async () => {
            throw new Error("lifecycle(): WebKit has no Page Lifecycle API (see LIFECYCLE)");
          },
          close: () =>
            exclusive(async () => {
              await use(handle);
              if ((await session.windowHandles()).length > 1) {
                await session.closeWindow();
                current = null;
              } else {
                // Closing the last window would end the session: blank it for the next open().
                await session.navigate("about:blank");
                unused = handle;
              }
            }),
        });
      }),
    close: () => exclusive(() => session.end()),
  };
}

/**
 * Starts a browser of ENGINE: `{ name, open(url) -> tab, close() }`. `chromiumArgs` are added to
 * Chromium's command line; WebKit gets the same effects from scripts/webkit/driver.mjs.
 * `lifecycle`: Chromium started so that tab.lifecycle() can freeze pages (see above).
 */
export function launchTabs({ engine = ENGINE, chromiumArgs = [], lifecycle = false } = {}) {
  if (engine === "chromium") return chromiumTabs(chromiumArgs, lifecycle);
  if (engine === "webkit") return webkitTabs();
  throw new Error(`TEST_BROWSER=${engine}: expected chromium or webkit`);
}
