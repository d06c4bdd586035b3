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
// lifecycle("frozen" | "active") freezes or resumes the page as Chromium does to background tabs
// (Page Lifecycle: `freeze` then `resume` on document), through CDP's Page.setWebLifecycleState;
// Chromium only (WebKit has no such API: it throws there; check LIFECYCLE first).

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

async function chromiumTabs(chromiumArgs) {
  const { chromium } = require("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...chromiumArgs] });
  const context = await browser.newContext();
  return {
    name: `Chromium ${browser.version()}`,
    async open(url, { allowHosts } = {}) {
      const page = await context.newPage();
      const problems = [];
      const fetched = [];
      const outside = [];
      const consoleText = [];
      let cdp = null;
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
          // One session per page, kept (the page's own; it goes with the page).
          cdp ??= await context.newCDPSession(page);
          await cdp.send("Page.setWebLifecycleState", { state });
        },
        close: () => page.close(),
      });
    },
    close: () => browser.close(),
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
 */
export function launchTabs({ engine = ENGINE, chromiumArgs = [] } = {}) {
  if (engine === "chromium") return chromiumTabs(chromiumArgs);
  if (engine === "webkit") return webkitTabs();
  throw new Error(`TEST_BROWSER=${engine}: expected chromium or webkit`);
}
