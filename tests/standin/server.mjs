// A local stand-in of the Power BI embed service, for browser tests that use the real
// powerbi-client (tests/powerbi_client.rs). HTTPS on 127.0.0.1:8443 (STANDIN_PORT overrides)
// with a throwaway self-signed certificate for fake.powerbi.com: powerbi-client only embeds
// https URLs on *.powerbi.com, and the browsers map that name to 127.0.0.1 (webdriver.json).
//
//   GET /powerbi.js                  the real node_modules/powerbi-client/dist/powerbi.js
//   GET /reportEmbed, /dashboardEmbed, /embed, /tileEmbed, /qnaEmbed, /visualEmbed
//                                    embed.html: the stand-in iframe (protocol in embed.js)
//   GET /embed.js                    its script
//
// Usually run through with-standin.mjs. Alone: `node tests/standin/server.mjs` (Ctrl-C stops).
// It exits by itself when its parent dies: the IPC channel closes (fork) or process.ppid
// changes, so a killed test run leaves nothing listening.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const HOST = "127.0.0.1";
const NAME = "fake.powerbi.com";
const port = Number(process.env.STANDIN_PORT || 8443);

const EMBED_PATHS = new Set([
  "/reportEmbed", // report and visual (visual embeds use a report URL)
  "/dashboardEmbed",
  "/embed", // tiles: https://app.powerbi.com/embed?dashboardId=...&tileId=...
  "/tileEmbed", // powerbi-client's default tile endpoint
  "/qnaEmbed",
  "/visualEmbed",
]);

function say(message) {
  process.stderr.write(`[standin] ${message}\n`);
}

// --- the certificate ------------------------------------------------------------------------

const certDir = mkdtempSync(join(tmpdir(), "standin-cert-"));
let cleaned = false;
function cleanUp() {
  if (cleaned) return;
  cleaned = true;
  rmSync(certDir, { recursive: true, force: true });
}

function makeCertificate() {
  const key = join(certDir, "key.pem");
  const cert = join(certDir, "cert.pem");
  // P-256 rather than RSA: generated in milliseconds.
  execFileSync(
    "openssl",
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
      "-nodes", "-keyout", key, "-out", cert, "-days", "1",
      "-subj", `/CN=${NAME}`, "-addext", `subjectAltName=DNS:${NAME}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

// --- what it serves -------------------------------------------------------------------------

function file(path, type) {
  return { path, type };
}

const FILES = {
  "/powerbi.js": file(join(ROOT, "node_modules", "powerbi-client", "dist", "powerbi.js"), "text/javascript"),
  "/embed.js": file(join(HERE, "embed.js"), "text/javascript"),
};
const EMBED_HTML = file(join(HERE, "embed.html"), "text/html");

function headers(type) {
  return {
    "Content-Type": `${type}; charset=utf-8`,
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Allow-Headers": "*",
    // The test page may run cross-origin isolated (COEP require-corp): allow it to use us.
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Cache-Control": "no-store",
  };
}

function handle(req, res) {
  const url = new URL(req.url, `https://${NAME}`);
  if (req.method === "OPTIONS") {
    res.writeHead(204, headers("text/plain"));
    res.end();
    return;
  }
  const target = EMBED_PATHS.has(url.pathname) ? EMBED_HTML : FILES[url.pathname];
  if (req.method !== "GET" || !target) {
    res.writeHead(404, headers("text/plain"));
    res.end(`stand-in: nothing at ${req.method} ${url.pathname}\n`);
    return;
  }
  let body;
  try {
    body = readFileSync(target.path); // read each time: editing embed.js needs no restart
  } catch (e) {
    res.writeHead(500, headers("text/plain"));
    res.end(`stand-in: cannot read ${target.path}: ${e.message}\n`);
    return;
  }
  res.writeHead(200, headers(target.type));
  res.end(body);
}

// --- lifecycle ------------------------------------------------------------------------------

let server;

function shutdown(code) {
  cleanUp();
  if (server) server.close();
  process.exit(code);
}

function watchParent() {
  const parent = process.ppid;
  if (process.send) process.on("disconnect", () => shutdown(0));
  // Backstop for a parent that dies without closing the channel (or a plain spawn).
  setInterval(() => {
    if (process.ppid !== parent) shutdown(0);
  }, 500).unref();
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => shutdown(0));
process.on("exit", cleanUp);

function main() {
  if (!existsSync(FILES["/powerbi.js"].path)) {
    say("node_modules/powerbi-client is missing: run `npm install` (it is a devDependency)");
    shutdown(1);
  }
  let tls;
  try {
    tls = makeCertificate();
  } catch (e) {
    say(`openssl failed to make a certificate: ${e.stderr ? e.stderr.toString().trim() : e.message}`);
    shutdown(1);
  }
  server = createServer(tls, handle);
  server.on("error", (e) => {
    say(e.code === "EADDRINUSE" ? `port ${port} is in use (set STANDIN_PORT to use another)` : e.message);
    shutdown(1);
  });
  server.listen(port, HOST, () => {
    say(`listening on https://${NAME}:${port} (${HOST})`);
    if (process.send) process.send({ listening: port });
  });
  watchParent();
}

main();
