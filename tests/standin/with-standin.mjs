// Runs a command while the stand-in server (server.mjs) listens:
//   node tests/standin/with-standin.mjs wasm-pack test --headless --chrome ... -- --test powerbi_client
// Starts the server, waits until it listens, runs the command with this process's stdio, stops
// the server and exits with the command's code. The server also exits by itself if this
// process dies (see server.mjs), so an interrupted run leaves nothing listening.

import { fork, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const command = process.argv.slice(2);
if (command.length === 0) {
  process.stderr.write("usage: node tests/standin/with-standin.mjs <command> [args...]\n");
  process.exit(2);
}

const server = fork(join(HERE, "server.mjs"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
let child = null;
let serverExited = false;

function stopServer() {
  if (!serverExited && server.connected) server.disconnect(); // the server exits on disconnect
  if (!serverExited) server.kill("SIGTERM");
}

server.on("exit", (code) => {
  serverExited = true;
  if (!child) {
    process.stderr.write(`[standin] the server exited (code ${code}) before listening\n`);
    process.exit(code || 1);
  }
});

const startTimer = setTimeout(() => {
  process.stderr.write("[standin] the server did not start listening within 15 s\n");
  stopServer();
  process.exit(1);
}, 15_000);

server.on("message", (message) => {
  if (!message || !message.listening || child) return;
  clearTimeout(startTimer);
  child = spawn(command[0], command.slice(1), { stdio: "inherit" });
  child.on("error", (e) => {
    process.stderr.write(`[standin] cannot run ${command[0]}: ${e.message}\n`);
    finish(127);
  });
  child.on("exit", (code, signal) => finish(code ?? (signal ? 128 + signalNumber(signal) : 1)));
});

function finish(code) {
  stopServer();
  process.exit(code);
}

function signalNumber(signal) {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal] ?? 1;
}

// Ctrl-C reaches the whole process group; on a plain kill, pass it on to the command.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (child && child.exitCode === null) child.kill(signal);
    else finish(128 + signalNumber(signal));
  });
}
