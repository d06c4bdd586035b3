// Server rendering imports the package: every JavaScript entry in the tarball's `exports`
// (whatever entries it has: the list is read, not written here) imported in Node from an
// installed copy, each in a process of its own with tests/support/ssr-probe.mjs's traps: no
// error, the package reads no browser global and nothing compiles or instantiates WebAssembly.
// The React hook rendered by react-dom/server: idle, no refresher constructed.
// Two checks that the traps catch what they are for: the main entry's browser build (the one
// bundlers take, which instantiates its .wasm on import), loaded with Node's
// --experimental-wasm-modules, and a module that reads `window` on import. And edge runtimes,
// which resolve with `edge-light` but not `node`: esbuild resolving that way gets the server build.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, installTarball, linkWorkspaceModules, tarball } from "./support/package.mjs";

// The conditions Node resolves `exports` with, for an `import`.
const NODE_CONDITIONS = new Set(["node", "import", "default"]);

let dir;
let installed;
let pkg;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "pbi-ssr-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  installed = installTarball(tarball(), dir);
  pkg = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
  // The frameworks the adapters import, as an app that uses them has them.
  linkWorkspaceModules(dir, Object.keys(pkg.peerDependencies ?? {}));
  copyFileSync(join(ROOT, "tests", "support", "ssr-probe.mjs"), join(dir, "ssr-probe.mjs"));
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The file an `exports` target resolves to under Node's conditions (first match in key order). */
function nodeTarget(target) {
  if (typeof target === "string") return target;
  for (const [condition, value] of Object.entries(target)) {
    if (NODE_CONDITIONS.has(condition)) return nodeTarget(value);
  }
  return null;
}

/** Runs the probe on `specifier`, from the app's folder; `nodeArgs` go before the script. */
function probe(specifier, nodeArgs = []) {
  const out = execFileSync(process.execPath, [...nodeArgs, "ssr-probe.mjs", specifier, installed], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 30_000,
  });
  return JSON.parse(out.trim().split("\n").at(-1));
}

test("every JavaScript entry imports on the server: no error, no browser global, no WebAssembly", async (t) => {
  const entries = Object.entries(pkg.exports)
    .map(([key, target]) => ({ key, file: nodeTarget(target) }))
    .filter(({ file }) => file?.endsWith(".js"));
  // The entries this branch knows of; others (adapters) are covered as they are added.
  for (const key of [".", "./web", "./react", "./web/react"]) {
    assert.ok(entries.some((e) => e.key === key), `${key} is a JavaScript entry`);
  }
  for (const { key, file } of entries) {
    const specifier = key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`;
    await t.test(`${specifier} (${file})`, (t) => {
      const seen = probe(specifier);
      assert.ok(seen.ok, `${specifier} failed to import:\n${seen.error}`);
      assert.ok(seen.exports.length > 0, `${specifier} exports something`);
      assert.deepEqual(seen.globals, [], `${specifier} read browser globals on import`);
      assert.deepEqual(seen.wasm, [], `${specifier} compiled or instantiated WebAssembly on import`);
      const framework = seen.frameworkGlobals.length ? `; its framework checked ${seen.frameworkGlobals.join(", ")}` : "";
      t.diagnostic(`exports ${seen.exports.join(", ")}${framework}`);
    });
  }
});

test("the server build of the main entry exports what the browser build does; its TokenRefresher says it runs in the browser", async () => {
  const server = await import(join(installed, "server", "index.js"));
  // The browser build's names, read from its glue (Node 20 cannot import it: it imports a .wasm).
  const glue = readFileSync(join(installed, pkg.exports["."].default), "utf8");
  const names = [...glue.matchAll(/export\s*\{([^}]*)\}/g)].flatMap((m) => m[1].split(",").map((s) => s.trim().split(/\s+as\s+/).at(-1)));
  assert.deepEqual(Object.keys(server).sort(), [...new Set(names)].sort());
  assert.throws(() => new server.TokenRefresher({ embed: {} }), /runs in the browser only/);
  assert.equal(server.TokenRefresher.startedCount(), 0);
});

test("useTokenRefresher renders on the server (react-dom/server): idle, nothing constructed", async () => {
  linkWorkspaceModules(dir, ["react-dom"]);
  // A module of the app's, so the package resolves from its node_modules as Node resolves it.
  writeFileSync(
    join(dir, "render.mjs"),
    `import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { useTokenRefresher } from "powerbi-token-refresh/react";
import { TokenRefresher } from "powerbi-token-refresh";
function Status() {
  const { lastEvent, status, loadError, refreshNow } = useTokenRefresher({ fake: "embed" }, { getNewAccessToken: () => "never" });
  return createElement("p", null, JSON.stringify({ lastEvent, status, loadError, refreshNow: typeof refreshNow }));
}
export const html = renderToString(createElement(Status));
export const started = TokenRefresher.startedCount();
`,
  );
  const { html, started } = await import(pathToFileURL(join(dir, "render.mjs")).href);
  assert.equal(html, "<p>{&quot;lastEvent&quot;:null,&quot;status&quot;:null,&quot;loadError&quot;:null,&quot;refreshNow&quot;:&quot;function&quot;}</p>");
  assert.equal(started, 0);
});

test("the traps catch it: the browser build instantiating its .wasm on import", () => {
  // By file: the `exports` send Node to the server build.
  const seen = probe(join(installed, pkg.exports["."].default), ["--experimental-wasm-modules", "--no-warnings"]);
  assert.ok(seen.ok, seen.error);
  assert.ok(seen.wasm.length > 0, `no WebAssembly call recorded: ${JSON.stringify(seen)}`);
});

test("the traps catch it: a module of the package reading `window` and `document` on import", () => {
  const bad = join(installed, "ssr-violation.js");
  writeFileSync(bad, "export const here = typeof window === 'undefined' ? document : window;\n");
  try {
    const seen = probe(bad);
    assert.deepEqual(seen.globals.map((g) => g.name), ["window", "document"]);
    assert.match(seen.globals[0].at, /ssr-violation\.js/);
  } finally {
    rmSync(bad);
  }
});

test("edge runtimes (the `edge-light` condition, without `node`) get the server build of `.` and `./react` too", async () => {
  const { build } = await import("esbuild");
  /** `specifier` bundled as a bundler with only `conditions` would: the modules it pulls in. */
  const bundle = async (specifier, conditions) => {
    const result = await build({
      stdin: { contents: `export * from "${specifier}";`, resolveDir: dir, loader: "js" },
      bundle: true,
      write: false,
      metafile: true,
      format: "esm",
      platform: "neutral",
      conditions,
      external: ["react", "*.wasm"],
      logLevel: "silent",
    });
    return Object.keys(result.metafile.inputs).map((p) => p.replace(/^.*node_modules\/powerbi-token-refresh\//, ""));
  };
  assert.deepEqual(await bundle(pkg.name, ["edge-light"]), ["server/index.js", "<stdin>"]);
  assert.ok((await bundle(`${pkg.name}/react`, ["edge-light"])).includes("server/index.js"));
  // The same bundler in a browser gets the glue: the condition is what makes the difference.
  assert.ok((await bundle(pkg.name, ["browser"])).includes("powerbi_token_refresh_bg.js"));
});
