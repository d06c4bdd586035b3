// An HTTP CONNECT proxy that tunnels every host to 127.0.0.1 on the port asked for. WebKitGTK has
// no host-resolver switch, so this is how MiniBrowser reaches the stand-in's fake.powerbi.com
// without touching /etc/hosts: it inherits `https_proxy` pointing here from WebKitWebDriver
// (see driver.mjs). Only CONNECT is served; anything else gets 405.

import { createServer } from "node:http";
import { connect } from "node:net";

/** Listens on a free 127.0.0.1 port: `{ port, tunnels, close() }`; `tunnels` lists "host:port" asked for. */
export function startTunnelProxy() {
  const tunnels = [];
  const sockets = new Set();
  const server = createServer((req, res) => {
    res.writeHead(405, { "content-type": "text/plain" });
    res.end("only CONNECT is served here\n");
  });
  server.on("connect", (req, client, head) => {
    const [host, portText] = req.url.split(":");
    const port = Number(portText);
    tunnels.push(req.url);
    if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) {
      client.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    let established = false;
    const upstream = connect(port, "127.0.0.1", () => {
      established = true;
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(client).add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    upstream.on("error", () => {
      if (!established && !client.destroyed) client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      done();
    });
    client.on("error", done);
    upstream.on("close", done);
    client.on("close", done);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: server.address().port,
        tunnels,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}
