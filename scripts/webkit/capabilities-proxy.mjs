// A pass-through in front of a WebDriver server that adds capabilities to every new session.
// wasm-bindgen-test-runner's Safari path sends empty capabilities and ignores webdriver.json, so
// the stand-in's throwaway certificate would be refused; through this proxy (the runner's
// SAFARIDRIVER_REMOTE) each session asks for `acceptInsecureCerts: true`. Every other request
// and every answer passes unchanged.

import { createServer, request } from "node:http";

/** Merges `extra` into a W3C new-session body (and the legacy `desiredCapabilities`, if sent). */
export function withCapabilities(body, extra) {
  const out = body && typeof body === "object" ? { ...body } : {};
  const w3c = out.capabilities && typeof out.capabilities === "object" ? { ...out.capabilities } : {};
  w3c.alwaysMatch = { ...(w3c.alwaysMatch ?? {}), ...extra };
  out.capabilities = w3c;
  if (out.desiredCapabilities && typeof out.desiredCapabilities === "object") {
    out.desiredCapabilities = { ...out.desiredCapabilities, ...extra };
  }
  return out;
}

/**
 * Listens on a free 127.0.0.1 port and forwards to `driverUrl`: `{ url, sessions, close() }`.
 * `sessions` records the capabilities each new session was sent with (for the run's log).
 */
export function startCapabilitiesProxy(driverUrl, extra) {
  const target = new URL(driverUrl);
  const sessions = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      const path = req.url.replace(/\/+$/, "");
      if (req.method === "POST" && path.endsWith("/session")) {
        let parsed = {};
        try {
          parsed = body.length ? JSON.parse(body.toString("utf8")) : {};
        } catch {
          // not JSON: let the driver answer it
        }
        const changed = withCapabilities(parsed, extra);
        sessions.push(changed.capabilities.alwaysMatch);
        body = Buffer.from(JSON.stringify(changed));
      }
      const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", (e) => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ value: { error: "unknown error", message: `driver unreachable: ${e.message}` } }));
      });
      upstream.end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        sessions,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      }),
    );
  });
}
