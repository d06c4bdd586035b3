// The shipped bytes: pkg's .wasm plus its JavaScript glue, gzip -9, against the budget.
// Bytes are exact, so this can be a test; speed is measured by the benchmark, not here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const pkg = new URL("../pkg/", import.meta.url);
// A ratchet: never raised, lowered to each new figure (README "Size"; the targets and the history
// live in bench/RESULTS.md and CHANGELOG.md). The same source has built a few bytes apart, so the
// budget sits 0.1 % above the last figure rather than on it.
const BUDGET = Number(process.env.SIZE_BUDGET_BYTES ?? 36_105);

test(`shipped .wasm + JS glue is at most ${BUDGET} bytes gzipped`, () => {
  const shipped = readdirSync(pkg).filter((f) => /\.(wasm|js)$/.test(f));
  assert.ok(shipped.some((f) => f.endsWith(".wasm")), "pkg/ holds no .wasm: build first");
  let raw = 0;
  let gzip = 0;
  for (const file of shipped) {
    const bytes = readFileSync(new URL(file, pkg));
    const packed = gzipSync(bytes, { level: 9 }).length;
    console.log(`  ${file}: ${bytes.length} bytes, ${packed} gzip`);
    raw += bytes.length;
    gzip += packed;
  }
  console.log(`  total: ${raw} bytes, ${gzip} gzip (budget ${BUDGET})`);
  assert.ok(gzip <= BUDGET, `${gzip} bytes gzip is over the budget of ${BUDGET}`);
});

// The React hook (pkg/react/, hand-written and shipped as is): what an app importing
// `powerbi-token-refresh/react` or `/web/react` adds to its page on top of the package, as its
// bundler ships it (esbuild, minified; React and the package left out) and gzip -9. The shipped
// files, comments and all, are printed too.
const HOOK_BUDGET = 600;

test(`the React hook adds at most ${HOOK_BUDGET} bytes gzipped to a bundled page`, async () => {
  const { build } = await import("esbuild");
  for (const entry of ["index.js", "web.js"]) {
    const shipped = Buffer.concat(["hook.js", entry].map((f) => readFileSync(new URL(`react/${f}`, pkg))));
    const result = await build({
      entryPoints: [fileURLToPath(new URL(`react/${entry}`, pkg))],
      bundle: true,
      minify: true,
      write: false,
      format: "esm",
      external: ["react", "../powerbi_token_refresh.js", "../web/powerbi_token_refresh.js"],
      logLevel: "silent",
    });
    const bundled = result.outputFiles[0].contents;
    const gzip = gzipSync(bundled, { level: 9 }).length;
    console.log(
      `  react/${entry} + hook.js: shipped ${shipped.length} bytes (${gzipSync(shipped, { level: 9 }).length} gzip); ` +
        `bundled ${bundled.length} bytes, ${gzip} gzip (budget ${HOOK_BUDGET})`,
    );
    assert.ok(gzip <= HOOK_BUDGET, `${gzip} bytes gzip is over the budget of ${HOOK_BUDGET}`);
  }
});

// The Angular adapter (pkg/angular/, hand-written and shipped as is): what an app importing
// `powerbi-token-refresh/angular` adds to its page, bundled and measured as the React hook is
// (Angular and the package left out).
const ANGULAR_BUDGET = 700;

test(`the Angular adapter adds at most ${ANGULAR_BUDGET} bytes gzipped to a bundled page`, async () => {
  const { build } = await import("esbuild");
  const shipped = Buffer.concat(["inject.js", "index.js"].map((f) => readFileSync(new URL(`angular/${f}`, pkg))));
  const result = await build({
    entryPoints: [fileURLToPath(new URL("angular/index.js", pkg))],
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    external: ["@angular/core", "../web/powerbi_token_refresh.js"],
    logLevel: "silent",
  });
  const bundled = result.outputFiles[0].contents;
  const gzip = gzipSync(bundled, { level: 9 }).length;
  console.log(
    `  angular/index.js + inject.js: shipped ${shipped.length} bytes (${gzipSync(shipped, { level: 9 }).length} gzip); ` +
      `bundled ${bundled.length} bytes, ${gzip} gzip (budget ${ANGULAR_BUDGET})`,
  );
  assert.ok(gzip <= ANGULAR_BUDGET, `${gzip} bytes gzip is over the budget of ${ANGULAR_BUDGET}`);
});

// The Vue composable (pkg/vue/, hand-written and shipped as is): what an app importing
// `powerbi-token-refresh/vue` adds to its page on top of the package, measured as for the hook.
const VUE_BUDGET = 900;

test(`the Vue composable adds at most ${VUE_BUDGET} bytes gzipped to a bundled page`, async () => {
  const { build } = await import("esbuild");
  const shipped = Buffer.concat(["composable.js", "index.js"].map((f) => readFileSync(new URL(`vue/${f}`, pkg))));
  const result = await build({
    entryPoints: [fileURLToPath(new URL("vue/index.js", pkg))],
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    external: ["vue", "../web/powerbi_token_refresh.js"],
    logLevel: "silent",
  });
  const bundled = result.outputFiles[0].contents;
  const gzip = gzipSync(bundled, { level: 9 }).length;
  console.log(
    `  vue/index.js + composable.js: shipped ${shipped.length} bytes (${gzipSync(shipped, { level: 9 }).length} gzip); ` +
      `bundled ${bundled.length} bytes, ${gzip} gzip (budget ${VUE_BUDGET})`,
  );
  assert.ok(gzip <= VUE_BUDGET, `${gzip} bytes gzip is over the budget of ${VUE_BUDGET}`);
});
