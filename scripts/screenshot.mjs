// Takes docs/demo.png: the demo (simulated mode) in headless Chromium after a couple of
// refreshes, a failure of the token endpoint and the retry that recovers. Starts its own dev server
// with 16-second tokens and time compressed through the URL, as tests/demo.test.mjs does; about
// 45 s. Needs pkg/ built (`npm run build`). Usage: node scripts/screenshot.mjs [out.png]
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { CHROMIUM, CHROMIUM_ARGS, ROOT, sleep, startDemoServer, waitUntilServing } from "./demo-server.mjs";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const out = resolve(process.argv[2] ?? join(ROOT, "docs", "demo.png"));
const WAIT = { timeout: 90_000 };

if (!existsSync(join(ROOT, "pkg", "powerbi_token_refresh.js"))) {
  console.error("pkg/ is not built: run `npm run build` first");
  process.exit(1);
}

const server = await startDemoServer({ DEMO_TOKEN_LIFETIME_SECONDS: "16" });
let browser;
try {
  await waitUntilServing(server);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`${server.url}/?margin=0.1&interval=1000&retry=2000`);

  const refreshes = (n) =>
    page.waitForFunction((n) => document.querySelectorAll("#log li.refreshed").length >= n, n, WAIT);
  await refreshes(2);
  console.log("two refreshes; making the token endpoint fail");
  await page.click("button[data-mode=fail]");
  await page.locator("#log li.error").first().waitFor(WAIT);
  console.log("a failure; back to normal before the retry");
  await page.click("button[data-mode=normal]");
  await refreshes(3);
  await sleep(2_500); // past the refresh's flash, the recovery a little way from "now"

  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser?.close().catch(() => {});
  await server.stop();
}
