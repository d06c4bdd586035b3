// A reverse proxy in front of a local dev server, for page tests in browsers that a test cannot
// watch from outside (WebKit over WebDriver has no network events): it keeps the bodies of the
// responses a test asks for, and can put `headHtml` first in every HTML page's <head> (e.g.
// tabs.mjs' PROBLEM_COLLECTOR). WebSocket upgrades (the dev server's live reload) pass through.

import { createServer, request } from "node:http";
import { connect } from "node:net";

/**
 * Listens on a free 127.0.0.1 port and forwards to `target` (an http://host:port URL):
 * `{ url, responses, close() }`. `keep(path)` says which responses' bodies go in `responses`
 * (as `{ path, status, body }`).
 */
export function startRecordingProxy(target, { headHtml = "", keep = () => false } = {}) {
  const upstream = new URL(target);
  const responses = [];
  const sockets = new Set();
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const headers = { ...req.headers, host: upstream.host, "accept-encoding": "identity" };
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (answer) => {
        const html = headHtml && String(answer.headers["content-type"] ?? "").startsWith("text/html");
        if (!html && !keep(path)) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks = [];
        answer.on("data", (chunk) => chunks.push(chunk));
        answer.on("end", () => {
          let body = Buffer.concat(chunks);
          if (keep(path)) responses.push({ path, status: answer.statusCode, body: body.toString("utf8") });
          if (html) body = Buffer.from(body.toString("utf8").replace(/<head(\s[^>]*)?>/i, (head) => head + headHtml));
          const out = { ...answer.headers, "content-length": String(body.length) };
          delete out["transfer-encoding"];
          res.writeHead(answer.statusCode ?? 502, out);
          res.end(body);
        });
      },
    );
    forward.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  server.on("upgrade", (req, client, head) => {
    const raw = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i];
      raw.push(`${name}: ${name.toLowerCase() === "host" ? upstream.host : req.rawHeaders[i + 1]}`);
    }
    const socket = connect(Number(upstream.port), upstream.hostname, () => {
      socket.write(`${raw.join("\r\n")}\r\n\r\n`);
      if (head.length) socket.write(head);
      socket.pipe(client);
      client.pipe(socket);
    });
    sockets.add(client).add(socket);
    const done = () => {
      client.destroy();
      socket.destroy();
    };
    socket.on("error", done);
    client.on("error", done);
    socket.on("close", done);
    client.on("close", done);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        responses,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
            server.closeAllConnections();
          }),
      }),
    );
  });
}
