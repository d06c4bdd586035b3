// The example apps (examples/) against the package as npm would install it: the tarball `npm
// pack` made of pkg/ (tests/support/package.mjs; so `files` and `exports` are what is tested),
// unpacked into each example's node_modules in a temp dir, built with webpack 5 / Vite as a user would, served as static files
// and loaded in headless Chromium (or WebKit: TEST_BROWSER=webkit under
// scripts/webkit/with-driver.mjs, see tests/support/tabs.mjs), which must see a refresh: the
// page's `refreshed` event and the in-page stand-in embed holding the token the provider issued.
// Assumes pkg/ is built.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "../scripts/demo-server.mjs";
import { installTarball, tarball } from "./support/package.mjs";
import { ENGINE, NEEDS_PROBLEM_COLLECTOR, PROBLEM_COLLECTOR, launchTabs } from "./support/tabs.mjs";

const require = createRequire(import.meta.url);

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WASM = "powerbi_token_refresh_bg.wasm";
// Vite 7 runs on Node ^20.19 or >=22.12; the rest of the workspace on Node 18.12 too.
const [major, minor] = process.versions.node.split(".").map(Number);
const viteRuns = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22;
const viteSkip = viteRuns ? false : `Vite 7 needs Node ^20.19 or >=22.12 (this is ${process.versions.node})`;

let tmp;
let packed;
let browser;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "pbi-examples-"));
  packed = tarball();
  browser = await launchTabs();
});

after(async () => {
  await browser?.close().catch(() => {});
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Copies examples/<name> to the temp dir and installs the packed package into its node_modules. */
function app(name) {
  const dir = join(tmp, name);
  cpSync(join(ROOT, "examples", name), dir, { recursive: true });
  installTarball(packed, dir);
  return dir;
}

/** Serves `dir`, opens `path`, waits for the example's first refresh; returns what the page saw. */
async function loadAndSeeRefresh(t, dir, path) {
  const server = await serveStatic(dir, { headHtml: NEEDS_PROBLEM_COLLECTOR ? PROBLEM_COLLECTOR : "" });
  const page = await browser.open(`${server.url}${path}`);
  try {
    await page.waitFor("the first refresh", () => window.example?.refreshed.length >= 1, 15_000);
    const seen = await page.evaluate(() => ({
      refreshed: window.example.refreshed.map((e) => ({ reason: e.reason, expiration: e.expiration })),
      received: [...window.example.received],
      issued: window.example.issued(),
      status: document.getElementById("status").textContent,
    }));
    const wasmRequests = (await page.fetched()).filter((p) => p.endsWith(".wasm"));
    const errors = await page.problems();
    t.diagnostic(`${browser.name}: ${seen.status} · .wasm fetched: ${wasmRequests.join(", ")}`);
    assert.equal(seen.received.at(-1), `token-${seen.issued}`, "the embed holds the token the provider issued");
    assert.match(seen.status, /^refreshed/, "the page shows the refreshed event");
    assert.deepEqual(errors, [], "no errors or warnings on the page");
    return { ...seen, wasmRequests };
  } finally {
    await page.close();
    await server.close();
  }
}

test(`${ENGINE}: webpack 5 (asyncWebAssembly, production build): main entry`, async (t) => {
  const dir = app("webpack");
  const webpack = require("webpack");
  const config = require(join(dir, "webpack.config.js"));
  const stats = await new Promise((resolve, reject) =>
    webpack(config, (error, result) => (error ? reject(error) : resolve(result))),
  );
  assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
  const seen = await loadAndSeeRefresh(t, dir, "/index.html");
  assert.equal(seen.wasmRequests.length, 1, "one .wasm fetched");
});

test(`${ENGINE}: Vite 7 (vite build, no plugin): web entry with the .wasm's ?url`, { skip: viteSkip }, async (t) => {
  const dir = app("vite");
  const { build } = await import("vite");
  const outDir = join(tmp, "vite-dist");
  await build({ root: dir, configFile: false, logLevel: "warn", build: { outDir, emptyOutDir: true } });
  // The ?url import and init()'s default `new URL('../…wasm', import.meta.url)` name the same
  // file: the build must hold it once.
  const assets = readdirSync(join(outDir, "assets"));
  assert.equal(assets.filter((f) => f.endsWith(".wasm")).length, 1, `one .wasm in the build: ${assets}`);
  const seen = await loadAndSeeRefresh(t, outDir, "/index.html");
  assert.equal(seen.wasmRequests.length, 1, "one .wasm fetched");
});

test(`${ENGINE}: Vite 7 dev server (vite, no plugin): the same example`, { skip: viteSkip }, async (t) => {
  const dir = app("vite");
  const { createServer } = await import("vite");
  const server = await createServer({
    root: dir,
    configFile: false,
    logLevel: "warn",
    server: { host: "127.0.0.1", port: 0, hmr: false },
    optimizeDeps: { force: true }, // no cache from an earlier run in the same temp dir
  });
  await server.listen();
  try {
    const page = await browser.open(server.resolvedUrls.local[0]);
    try {
      await page.waitFor("the first refresh", () => window.example?.refreshed.length >= 1, 15_000);
      const { received, issued } = await page.evaluate(() => ({ received: [...window.example.received], issued: window.example.issued() }));
      assert.equal(received.at(-1), `token-${issued}`, "the embed holds the token the provider issued");
      t.diagnostic(`dev server: the embed holds ${received.at(-1)}`);
    } finally {
      await page.close();
    }
  } finally {
    await server.close();
  }
});

test(`${ENGINE}: no bundler: <script type=module> with an import map, web entry, await init()`, async (t) => {
  const dir = app("no-bundler");
  const seen = await loadAndSeeRefresh(t, dir, "/index.html");
  // The web glue fetches the package's one .wasm, at the package root.
  assert.deepEqual(seen.wasmRequests, [`/node_modules/powerbi-token-refresh/${WASM}`]);
});
