// The two small proxies that let WebKit reach the stand-ins (scripts/webkit/), without a browser:
// the capabilities pass-through adds acceptInsecureCerts to new sessions and passes everything
// else through unchanged; the CONNECT tunnel sends any host to 127.0.0.1 on the port asked for.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { connect } from "node:net";
import { startCapabilitiesProxy, withCapabilities } from "../scripts/webkit/capabilities-proxy.mjs";
import { startTunnelProxy } from "../scripts/webkit/tunnel-proxy.mjs";

const EXTRA = { acceptInsecureCerts: true };

test("withCapabilities: into alwaysMatch, keeping what the client asked for, and into legacy desiredCapabilities", () => {
  // What wasm-bindgen-test-runner's Safari path sends.
  assert.deepEqual(withCapabilities({ desiredCapabilities: {}, capabilities: {} }, EXTRA), {
    desiredCapabilities: { acceptInsecureCerts: true },
    capabilities: { alwaysMatch: { acceptInsecureCerts: true } },
  });
  assert.deepEqual(
    withCapabilities({ capabilities: { alwaysMatch: { browserName: "x" }, firstMatch: [{}] } }, EXTRA),
    { capabilities: { alwaysMatch: { browserName: "x", acceptInsecureCerts: true }, firstMatch: [{}] } },
  );
  assert.deepEqual(withCapabilities(undefined, EXTRA), { capabilities: { alwaysMatch: { acceptInsecureCerts: true } } });
});

/** A stand-in WebDriver server that records what it is sent and echoes it back. */
async function echoDriver() {
  const seen = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, body });
      res.writeHead(200, { "content-type": "application/json", "x-driver": "echo" });
      res.end(JSON.stringify({ value: { method: req.method, url: req.url, body } }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close: () => new Promise((r) => server.close(r)) };
}

test("the capabilities pass-through: new sessions get the extra capabilities; other requests pass unchanged", async () => {
  const driver = await echoDriver();
  const proxy = await startCapabilitiesProxy(driver.url, EXTRA);
  try {
    const created = await fetch(`${proxy.url}/session`, {
      method: "POST",
      body: JSON.stringify({ capabilities: {} }),
    });
    assert.equal(created.headers.get("x-driver"), "echo", "the driver's answer comes back");
    assert.deepEqual(JSON.parse(driver.seen[0].body), { capabilities: { alwaysMatch: { acceptInsecureCerts: true } } });
    const script = JSON.stringify({ script: "return 1", args: [] });
    await fetch(`${proxy.url}/session/abc/execute/sync`, { method: "POST", body: script });
    assert.deepEqual(driver.seen[1], { method: "POST", url: "/session/abc/execute/sync", body: script });
    await fetch(`${proxy.url}/session/abc`, { method: "DELETE" });
    assert.deepEqual(driver.seen[2], { method: "DELETE", url: "/session/abc", body: "" });
    assert.deepEqual(proxy.sessions, [{ acceptInsecureCerts: true }]);
  } finally {
    await proxy.close();
    await driver.close();
  }
});

/** Sends CONNECT host:port through the proxy, then a plain HTTP request; resolves with all it read. */
function throughTunnel(proxyPort, target) {
  return new Promise((resolve, reject) => {
    const socket = connect(proxyPort, "127.0.0.1", () => {
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    });
    let text = "";
    let sent = false;
    socket.on("data", (chunk) => {
      text += chunk;
      if (!sent && text.includes("\r\n\r\n") && text.startsWith("HTTP/1.1 200")) {
        sent = true;
        socket.write(`GET /hello HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`);
      }
    });
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
  });
}

test("the tunnel: any host name reaches 127.0.0.1 on the port asked for; not CONNECT is refused", async () => {
  const local = createServer((req, res) => res.end(`local server saw ${req.headers.host}${req.url}`));
  await new Promise((resolve) => local.listen(0, "127.0.0.1", resolve));
  const port = local.address().port;
  const tunnel = await startTunnelProxy();
  try {
    const text = await throughTunnel(tunnel.port, `fake.powerbi.com:${port}`);
    assert.match(text, /^HTTP\/1\.1 200 Connection Established/);
    assert.match(text, new RegExp(`local server saw fake\\.powerbi\\.com:${port}/hello`));
    assert.deepEqual(tunnel.tunnels, [`fake.powerbi.com:${port}`]);
    const plain = await fetch(`http://127.0.0.1:${tunnel.port}/`);
    assert.equal(plain.status, 405);
  } finally {
    await tunnel.close();
    await new Promise((resolve) => local.close(resolve));
  }
});
