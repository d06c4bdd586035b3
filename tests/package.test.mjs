// The tarball a user would install, read as npm would: its file list and its package.json
// (exports, types, sideEffects, peer dependencies; nothing of the workspace shipped), what its
// entries import (only the React ones may import React, only the Vue one Vue), and
// `npm publish --dry-run` of that very tarball (a dry run: nothing is published; npm asks the
// registry, which must be reachable).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, tarball } from "./support/package.mjs";

const NAME = "powerbi_token_refresh";
const path = tarball();
const files = execFileSync("tar", ["-tzf", path], { encoding: "utf8" })
  .split("\n")
  .filter(Boolean)
  .map((f) => f.replace(/^package\//, ""))
  .sort();
const read = (file) => execFileSync("tar", ["-xzOf", path, `package/${file}`], { encoding: "utf8" });
const pkg = JSON.parse(read("package.json"));

test("the tarball holds the package's files and nothing else", () => {
  assert.deepEqual(files, [
    "CHANGELOG.md",
    "LICENSE",
    "README.md",
    "angular/index.d.ts",
    "angular/index.js",
    "angular/inject.d.ts",
    "angular/inject.js",
    "package.json",
    `${NAME}.d.ts`,
    `${NAME}.js`,
    `${NAME}_bg.js`,
    `${NAME}_bg.wasm`,
    "react/hook.d.ts",
    "react/hook.js",
    "react/index.d.ts",
    "react/index.js",
    "react/server.js",
    "react/web.d.ts",
    "server/index.js",
    "react/web.js",
    "vue/composable.d.ts",
    "vue/composable.js",
    "vue/index.d.ts",
    "vue/index.js",
    `web/${NAME}.d.ts`,
    `web/${NAME}.js`,
  ].sort());
  // Said differently, for when the list above is updated in a hurry: no sources, tests, builds.
  for (const f of files) {
    assert.doesNotMatch(f, /(^|\/)(src|tests?|target|node_modules|examples|bench|scripts)\/|\.(rs|toml|lock|mjs|map|tgz)$|^\./, f);
  }
});

test("package.json: name, version, exports with types first, main/module/types", () => {
  assert.equal(pkg.name, "powerbi-token-refresh");
  assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
  assert.equal(pkg.type, "module");
  assert.equal(pkg.license, "MIT");
  assert.deepEqual(Object.keys(pkg.exports), [".", "./web", "./react", "./web/react", "./angular", "./vue", `./${NAME}_bg.wasm`, "./package.json"]);
  for (const [key, target] of Object.entries(pkg.exports)) {
    const conditions = typeof target === "string" ? { default: target } : target;
    // TypeScript takes the first condition that matches: `types` must come before `default`.
    if (conditions.types) assert.equal(Object.keys(conditions)[0], "types", `${key}: types first`);
    for (const file of Object.values(conditions)) {
      assert.ok(files.includes(file.replace(/^\.\//, "")), `${key} -> ${file} is in the tarball`);
    }
  }
  assert.equal(pkg.exports["./react"].types, "./react/index.d.ts");
  assert.equal(pkg.exports["./web/react"].types, "./react/web.d.ts");
  // On a server (Node, Next.js server rendering, the edge runtime) `.` and `./react` are the
  // server build, which loads no .wasm (tests/ssr.test.mjs imports it); `default` comes last.
  for (const [key, server] of [[".", "./server/index.js"], ["./react", "./react/server.js"]]) {
    assert.equal(pkg.exports[key].node, server, `${key}: node`);
    assert.equal(pkg.exports[key]["edge-light"], server, `${key}: edge-light`);
    assert.equal(Object.keys(pkg.exports[key]).at(-1), "default", `${key}: default last`);
  }
  assert.equal(pkg.exports["./angular"].types, "./angular/index.d.ts");
  assert.equal(pkg.exports["./vue"].types, "./vue/index.d.ts");
  for (const field of ["main", "module", "types"]) assert.ok(files.includes(pkg[field]), `${field}: ${pkg[field]}`);
  assert.equal(pkg.types, `${NAME}.d.ts`);
});

test("package.json: react, @angular/core and vue are optional peer dependencies, nothing else is a dependency", () => {
  // @angular/core: the majors Angular still maintains (21 and up); vue: 3.3 (toValue).
  assert.deepEqual(pkg.peerDependencies, { react: ">=18", "@angular/core": ">=21", vue: ">=3.3" });
  assert.deepEqual(pkg.peerDependenciesMeta, {
    react: { optional: true },
    "@angular/core": { optional: true },
    vue: { optional: true },
  });
  assert.equal(pkg.dependencies, undefined);
  assert.equal(pkg.scripts, undefined, "no install or lifecycle scripts");
});

test("package.json: sideEffects names only the main entry's module (and no adapter or server file)", () => {
  assert.ok(Array.isArray(pkg.sideEffects));
  assert.ok(pkg.sideEffects.includes(`./${NAME}.js`));
  for (const pattern of pkg.sideEffects) assert.doesNotMatch(pattern, /react|angular|vue|web\/|server/, pattern);
});

/** The modules a file imports, by specifier (static `import … from` / `import "…"` and `export … from`). */
function imports(file) {
  const text = read(file);
  const sideEffectOnly = [...text.matchAll(/^\s*import\s*["']([^"']+)["']/gm)];
  const from = [...text.matchAll(/^\s*(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/gm)];
  return [...sideEffectOnly, ...from].map((m) => m[1]);
}

/** Every module reachable from `entry` inside the tarball, and the bare specifiers they import. */
function reach(entry) {
  const seen = new Set();
  const bare = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of imports(file)) {
      if (!spec.startsWith(".")) bare.add(spec);
      else if (spec.endsWith(".js")) walk(join(file, "..", spec));
    }
  };
  walk(entry);
  return { modules: [...seen], bare: [...bare] };
}

test("the main and web entries need no React or Vue; the React entries import react, the Vue entry vue, and each its own entry", () => {
  assert.deepEqual(reach(`${NAME}.js`).bare, [], "the main entry imports nothing outside the package");
  assert.deepEqual(reach(`web/${NAME}.js`).bare, [], "the web entry imports nothing outside the package");
  const react = reach("react/index.js");
  assert.deepEqual(react.bare, ["react"]);
  assert.ok(react.modules.includes(`${NAME}.js`) && !react.modules.includes(`web/${NAME}.js`), "./react uses the main entry");
  const web = reach("react/web.js");
  assert.deepEqual(web.bare, ["react"]);
  assert.ok(web.modules.includes(`web/${NAME}.js`) && !web.modules.includes(`${NAME}.js`), "./web/react uses the web entry");
  // The server build reaches no glue and no .wasm.
  assert.deepEqual(reach("server/index.js"), { modules: ["server/index.js"], bare: [] });
  const server = reach("react/server.js");
  assert.deepEqual(server.bare, ["react"]);
  assert.deepEqual(server.modules.sort(), ["react/hook.js", "react/server.js", "server/index.js"]);
});

test("the Angular and Vue entries import their framework and the web entry only", () => {
  const angular = reach("angular/index.js");
  assert.deepEqual(angular.bare, ["@angular/core"]);
  assert.ok(angular.modules.includes(`web/${NAME}.js`) && !angular.modules.includes(`${NAME}.js`), "./angular uses the web entry");
  const vue = reach("vue/index.js");
  assert.deepEqual(vue.bare, ["vue"]);
  assert.ok(vue.modules.includes(`web/${NAME}.js`) && !vue.modules.includes(`${NAME}.js`), "./vue uses the web entry");
});

test("CHANGELOG.md says what this version holds", () => {
  const changelog = read("CHANGELOG.md");
  assert.match(changelog, new RegExp(`^## ${pkg.version.replace(/\./g, "\\.")}$`, "m"));
  assert.equal(changelog, readFileSync(join(ROOT, "CHANGELOG.md"), "utf8"));
});

test("npm publish --dry-run of the tarball passes", { timeout: 180_000 }, (t) => {
  let output;
  try {
    // --dry-run: npm goes through every step but the upload.
    output = execFileSync("npm", ["publish", path, "--dry-run", "--json"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 150_000,
      env: { ...process.env, npm_config_dry_run: "true" },
    });
  } catch (e) {
    assert.fail(`npm publish --dry-run failed (is the npm registry reachable?):\n${e.stdout}${e.stderr}`);
  }
  const report = JSON.parse(output);
  const published = report[pkg.name] ?? report; // npm 11 keys the report by name; npm 10 does not
  assert.equal(published.id, `${pkg.name}@${pkg.version}`);
  assert.equal(published.entryCount, files.length);
  t.diagnostic(`${published.id}: ${published.entryCount} files, ${published.size} bytes packed, ${published.unpackedSize} unpacked`);
});
