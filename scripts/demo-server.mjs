// Helpers shared by the browser tests and scripts/screenshot.mjs: the headless Chromium to use,
// the demo's webpack dev server started as `npm start` does (minus the build), and a tiny static
// file server for built example apps.
import { spawn } from "node:child_process";
import { createReadStream, readFileSync, statSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { createRequire } from "node:module";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// As root Chromium needs --no-sandbox; the rest keeps it quiet offline (toolchain.md).
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A sleep that does not keep the process alive. */
const idle = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "localhost", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `webpack serve` (the demo) in its own process group, so stop() ends it and all it
 * started. `env` is added to this process's environment (PORT is set here).
 */
export async function startDemoServer(env = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, [require.resolve("webpack-cli/bin/cli.js"), "serve", "--config", "webpack.config.js"], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", ...env, PORT: String(port) },
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let running = true;
  exited.then(() => (running = false));
  // Last resort if the caller is torn down before stop() runs.
  const killOnExit = () => running && process.kill(-child.pid, "SIGKILL");
  process.once("exit", killOnExit);

  const server = {
    url: `http://localhost:${port}`,
    output: () => output,
    running: () => running,
    async stop() {
      process.off("exit", killOnExit);
      if (!running) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return; // already gone
      }
      const timedOut = await Promise.race([exited.then(() => false), idle(5_000).then(() => true)]);
      if (timedOut && running) {
        process.kill(-child.pid, "SIGKILL");
        await exited;
      }
    },
  };
  return server;
}

/** Resolves once the dev server has compiled the bundle (webpack-dev-middleware holds requests until then). */
export async function waitUntilServing(server, waitMs = 60_000) {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (!server.running()) throw new Error(`the dev server exited:\n${server.output()}`);
    try {
      const response = await fetch(`${server.url}/bundle.js`, { signal: AbortSignal.timeout(5_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`the dev server did not serve the bundle within ${waitMs} ms:\n${server.output()}`);
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  // instantiateStreaming needs this type; without it the glue falls back and warns.
  ".wasm": "application/wasm",
};

/**
 * Serves the files under `dir` on a free localhost port: `{ url, close() }`. `headHtml`, if
 * given, goes first in every HTML file's <head> (tests use it to watch pages in browsers that
 * have no console events over WebDriver).
 */
export function serveStatic(dir, { headHtml = "" } = {}) {
  const server = createHttpServer((req, res) => {
    const path = normalize(join(dir, decodeURIComponent(new URL(req.url, "http://x").pathname)));
    let file = path;
    try {
      if (!path.startsWith(dir + sep) && path !== dir) throw new Error("outside");
      if (statSync(file).isDirectory()) file = join(file, "index.html");
      statSync(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
    if (headHtml && extname(file) === ".html") {
      res.end(readFileSync(file, "utf8").replace(/<head(\s[^>]*)?>/i, (head) => head + headHtml));
      return;
    }
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((done) => server.close(done)),
      }),
    ),
  );
}
