// Several tabs of one browser, the same to a test in either engine it runs in:
//   - "chromium": Debian's Chromium through Playwright (playwright-core);
//   - "webkit": WebKitGTK's MiniBrowser through WebKitWebDriver and a plain W3C WebDriver client
//     (Playwright cannot drive this WebKit). Needs WEBKIT_WEBDRIVER_URL, which
//     scripts/webkit/with-driver.mjs sets.
// TEST_BROWSER picks the engine (default chromium). A tab is `{ evaluate(fn, arg), close() }`.

import { createRequire } from "node:module";
import { CHROMIUM, CHROMIUM_ARGS } from "../../scripts/demo-server.mjs";
import { WebDriverSession } from "./webdriver.mjs";

const require = createRequire(import.meta.url);

export const ENGINE = process.env.TEST_BROWSER ?? "chromium";

async function chromiumTabs() {
  const { chromium } = require("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext();
  return {
    name: `Chromium ${browser.version()}`,
    async open(url) {
      const page = await context.newPage();
      await page.goto(url);
      return { evaluate: (fn, arg) => page.evaluate(fn, arg), close: () => page.close() };
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
    open: (url) =>
      exclusive(async () => {
        const handle = unused ?? (await session.newWindow());
        unused = null;
        await use(handle);
        await session.navigate(url);
        return {
          evaluate: (fn, arg) =>
            exclusive(async () => {
              await use(handle);
              return session.execute(fn, arg);
            }),
          close: () =>
            exclusive(async () => {
              await use(handle);
              await session.closeWindow();
              current = null;
            }),
        };
      }),
    close: () => exclusive(() => session.end()),
  };
}

/** Starts a browser of ENGINE: `{ name, open(url) -> tab, close() }`. */
export function launchTabs(engine = ENGINE) {
  if (engine === "chromium") return chromiumTabs();
  if (engine === "webkit") return webkitTabs();
  throw new Error(`TEST_BROWSER=${engine}: expected chromium or webkit`);
}
