// Types that compile anywhere: tests/types/*.ts (the main entry, `web`, `react`, `angular` and `vue`, with misuse
// that must not compile) checked by `tsc --strict` with `skipLibCheck: false` against the package
// installed from its tarball, imported by name through `exports`, under each `lib` a project
// may have (no esnext: wasm-bindgen's [Symbol.dispose] needed a fix, see scripts/package-json.mjs)
// and both module resolutions that read `exports`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, installTarball, linkWorkspaceModules, tarball } from "./support/package.mjs";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const base = JSON.parse(readFileSync(join(ROOT, "tests", "types", "tsconfig.json"), "utf8"));

const dir = mkdtempSync(join(tmpdir(), "pbi-types-"));
cpSync(join(ROOT, "tests", "types"), dir, { recursive: true });
writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
installTarball(tarball(), dir);
// powerbi-client's `Embed` type (react.ts, angular.ts, vue.ts); Angular's own types (Signal) with
// what they import, and Vue's (angular.ts, vue.ts).
linkWorkspaceModules(dir, ["powerbi-client", "@angular/core", "rxjs", "vue"]);
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const LIBS = {
  "dom + es2020": ["DOM", "ES2020"],
  "dom + esnext": ["DOM", "ESNext"],
};
const RESOLUTIONS = {
  bundler: { module: "ESNext", moduleResolution: "bundler" },
  node16: { module: "Node16", moduleResolution: "node16" },
};

for (const [libName, lib] of Object.entries(LIBS)) {
  for (const [resolution, modules] of Object.entries(RESOLUTIONS)) {
    test(`tsc --strict, skipLibCheck false, lib ${libName}, moduleResolution ${resolution}: main, web, react, angular, vue`, () => {
      const config = `tsconfig.${libName.replace(/\W+/g, "-")}.${resolution}.json`;
      const compilerOptions = { ...base.compilerOptions, lib, ...modules };
      const files = lib.includes("ESNext") ? [...base.files, "disposable.ts"] : base.files;
      writeFileSync(join(dir, config), JSON.stringify({ compilerOptions, files }, null, 2));
      try {
        execFileSync(process.execPath, [TSC, "-p", config], { cwd: dir, encoding: "utf8", stdio: "pipe" });
      } catch (e) {
        assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
      }
    });
  }
}
