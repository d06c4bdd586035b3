// WebKitGTK's WebDriver (Debian's webkit2gtk-driver) set up to reach the test stand-ins:
//   - a CONNECT proxy (tunnel-proxy.mjs) in the driver's `https_proxy`, which MiniBrowser
//     inherits, so https://fake.powerbi.com:8443 lands on 127.0.0.1:8443; `no_proxy` keeps the
//     driver's own connection to the browser (and plain 127.0.0.1 pages) direct;
//   - a pass-through (capabilities-proxy.mjs) that adds `acceptInsecureCerts: true` to every new
//     session, for the stand-in's throwaway certificate.
// MiniBrowser needs an X display: DISPLAY must name one (scripts/test-webkit.sh starts a private Xvfb).

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { startCapabilitiesProxy } from "./capabilities-proxy.mjs";
import { startTunnelProxy } from "./tunnel-proxy.mjs";
import { freePort, sleep } from "../demo-server.mjs";

/** A sleep that does not keep the process alive. */
const idle = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

export const WEBKIT_WEBDRIVER = process.env.WEBKIT_WEBDRIVER ?? "/usr/bin/WebKitWebDriver";
/** What every session asks for on top of what its client sends. */
export const EXTRA_CAPABILITIES = { acceptInsecureCerts: true };

/** Waits until the driver answers /status with ready: true. */
async function waitReady(url, driver, output, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited (code ${driver.exitCode}):\n${output()}`);
    try {
      const status = await (await fetch(`${url}/status`, { signal: AbortSignal.timeout(2_000) })).json();
      if (status.value?.ready) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`WebKitWebDriver did not get ready within ${timeoutMs} ms:\n${output()}`);
}

/**
 * Starts the tunnel, the driver (in its own process group, so stop() also ends any MiniBrowser
 * it left) and the capabilities pass-through. Returns `{ url, tunnels, sessions, stop() }`:
 * `url` is what a WebDriver client (or SAFARIDRIVER_REMOTE) should use.
 */
export async function startWebKitDriver() {
  if (!existsSync(WEBKIT_WEBDRIVER)) {
    throw new Error(`${WEBKIT_WEBDRIVER} is missing: apt-get install webkit2gtk-driver (or set WEBKIT_WEBDRIVER)`);
  }
  if (!process.env.DISPLAY) throw new Error("DISPLAY is not set: MiniBrowser needs an X display (e.g. a private Xvfb)");
  const tunnel = await startTunnelProxy();
  const port = await freePort();
  const proxy = `http://127.0.0.1:${tunnel.port}`;
  const driver = spawn(WEBKIT_WEBDRIVER, [`--port=${port}`, "--host=127.0.0.1"], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      https_proxy: proxy,
      HTTPS_PROXY: proxy,
      no_proxy: "127.0.0.1,localhost",
      NO_PROXY: "127.0.0.1,localhost",
      http_proxy: "",
      HTTP_PROXY: "",
    },
  });
  let output = "";
  driver.stdout.on("data", (chunk) => (output += chunk));
  driver.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => driver.once("exit", resolve));
  const killGroup = (signal) => {
    try {
      process.kill(-driver.pid, signal);
    } catch {
      // already gone
    }
  };
  // Last resort if the caller dies before stop() runs.
  const killOnExit = () => killGroup("SIGKILL");
  process.once("exit", killOnExit);

  let passThrough = null;
  const stop = async () => {
    process.off("exit", killOnExit);
    await passThrough?.close();
    killGroup("SIGTERM");
    const timedOut = await Promise.race([exited.then(() => false), idle(5_000).then(() => true)]);
    if (timedOut) killGroup("SIGKILL");
    killGroup("SIGKILL"); // anything the driver started and left behind
    await tunnel.close();
  };
  try {
    const driverUrl = `http://127.0.0.1:${port}`;
    await waitReady(driverUrl, driver, () => output);
    passThrough = await startCapabilitiesProxy(driverUrl, EXTRA_CAPABILITIES);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: passThrough.url, tunnels: tunnel.tunnels, sessions: passThrough.sessions, output: () => output, stop };
}
