// Runs a command while WebKit's WebDriver listens (driver.mjs), with SAFARIDRIVER_REMOTE and
// WEBKIT_WEBDRIVER_URL naming it:
//   node scripts/webkit/with-driver.mjs wasm-pack test --headless --safari -- --test powerbi_client
// wasm-bindgen-test-runner takes its Safari path from SAFARIDRIVER_REMOTE, which it prefers to
// the SAFARIDRIVER that `wasm-pack test --safari` sets; the page-level tests
// (tests/support/webdriver.mjs) read WEBKIT_WEBDRIVER_URL. Stops the driver, its browsers and the
// proxies when the command ends, and exits with the command's code. Needs DISPLAY.

import { spawn } from "node:child_process";
import { startWebKitDriver } from "./driver.mjs";

const command = process.argv.slice(2);
if (command.length === 0) {
  process.stderr.write("usage: node scripts/webkit/with-driver.mjs <command> [args...]\n");
  process.exit(2);
}

let driver;
try {
  driver = await startWebKitDriver();
} catch (e) {
  process.stderr.write(`[webkit] ${e.message}\n`);
  process.exit(1);
}

const env = { ...process.env, SAFARIDRIVER_REMOTE: driver.url, WEBKIT_WEBDRIVER_URL: driver.url };
const child = spawn(command[0], command.slice(1), { stdio: "inherit", env });
let finishing = false;
async function finish(code) {
  if (finishing) return;
  finishing = true;
  await driver.stop();
  const hosts = [...new Set(driver.tunnels)];
  if (hosts.length) process.stderr.write(`[webkit] tunnelled to 127.0.0.1: ${hosts.join(", ")}\n`);
  process.exit(code);
}
child.on("error", (e) => {
  process.stderr.write(`[webkit] cannot run ${command[0]}: ${e.message}\n`);
  finish(127);
});
child.on("exit", (code, signal) => finish(code ?? (signal ? 128 + ({ SIGINT: 2, SIGTERM: 15 }[signal] ?? 1) : 1)));
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
    else finish(130);
  });
}
