// Finishes the npm package that wasm-pack built into pkg/ (`--target bundler`):
//   1. adds the `web` entry (pkg/web/) from a second wasm-pack build (`--target web`) — only its
//      JS glue and types: when the two .wasm files are the same bytes (they are: the targets differ
//      in glue only) the web glue is pointed at the one .wasm at the package root;
//   2. makes the generated types compile without `esnext` in `lib` (see fixDispose);
//   3. adds the React hook (js/react/ -> pkg/react/), for `./react` and `./web/react`, and the Vue
//      composable (js/vue/ -> pkg/vue/), for `./vue`;
//   3b. adds the server build of the main entry (js/server/ -> pkg/server/), for server rendering;
//   3c. adds injectTokenRefresher (js/angular/ -> pkg/angular/), for `./angular`;
//   4. rewrites pkg/package.json, which wasm-pack generates from Cargo.toml with no `exports`;
//   5. minifies the JS glue (scripts/glue-minify.mjs says how).
// Usage: node scripts/package-json.mjs <pkg dir> <web build dir>
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { minifyGlue } from "./glue-minify.mjs";
import { shortenNames } from "./short-names.mjs";
import { sections } from "./wasm-binary.mjs";

const [pkgDir, webDir] = process.argv.slice(2);
if (!pkgDir || !webDir) throw new Error("usage: node scripts/package-json.mjs <pkg dir> <web build dir>");

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const NAME = "powerbi_token_refresh";
const WASM = `${NAME}_bg.wasm`;
const read = (path) => readFileSync(path, "utf8");

// --- the web entry ------------------------------------------------------------------------------

const outWeb = join(pkgDir, "web");
rmSync(outWeb, { recursive: true, force: true });
mkdirSync(outWeb);

const sameWasm = readFileSync(join(pkgDir, WASM)).equals(readFileSync(join(webDir, WASM)));
let glue = read(join(webDir, `${NAME}.js`));
if (sameWasm) {
  // init() with no argument fetches the .wasm next to the glue; point it one level up instead.
  // Bundlers (webpack 5, Vite, Rollup, esbuild) recognise this `new URL(…, import.meta.url)` form.
  const from = `new URL('${WASM}', import.meta.url)`;
  const count = glue.split(from).length - 1;
  if (count !== 1) throw new Error(`web glue: expected one \`${from}\`, found ${count}: wasm-bindgen changed`);
  glue = glue.replace(from, `new URL('../${WASM}', import.meta.url)`);
} else {
  // Not expected with one wasm-bindgen version; ship a second copy rather than a broken entry.
  console.warn(`warning: the web build's ${WASM} differs from the bundler build's: pkg/web/ gets its own copy`);
  copyFileSync(join(webDir, WASM), join(outWeb, WASM));
}
writeFileSync(join(outWeb, `${NAME}.js`), glue);

// The web types are the main types plus init()/initSync(): re-export the main ones, keep the rest.
const webTypes = read(join(webDir, `${NAME}.d.ts`));
const initStart = webTypes.indexOf("export type InitInput");
if (initStart < 0) throw new Error("web types: no `export type InitInput`: wasm-bindgen changed");
writeFileSync(
  join(outWeb, `${NAME}.d.ts`),
  `/* tslint:disable */\n/* eslint-disable */\n// The main entry's types, plus init() and initSync() to load the .wasm.\nexport * from "../${NAME}.js";\n\n${webTypes.slice(initStart)}`,
);

/** Whether a wasm binary has a start section (id 8), i.e. runs code as it is instantiated. */
function hasStartSection(bytes) {
  return [...sections(bytes)].some((section) => section.id === 8);
}

// --- types that compile without esnext ---------------------------------------------------------

// wasm-bindgen declares `[Symbol.dispose](): void;` on every exported class (for `using`). Under
// a `lib` without esnext (say ["dom", "es2020"]) `Symbol.dispose` does not exist, and a project
// with `skipLibCheck: false` gets an error from our types. Declaring the member on the global
// SymbolConstructor, as lib.esnext.disposable.d.ts does, makes it exist everywhere; where esnext
// declares it too the two declarations merge (tests/types compiles both ways).
const DISPOSE_MEMBER = "[Symbol.dispose](): void;";
const DISPOSE_FALLBACK = `
// Added by scripts/package-json.mjs: the classes above declare [Symbol.dispose] (wasm-bindgen's
// \`using\` support), which needs Symbol.dispose from lib esnext; this declares it for projects
// whose \`lib\` stops earlier (e.g. ["dom", "es2020"]). Identical to esnext's own declaration.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}
`;

function fixDispose(path) {
  const types = read(path);
  if (!types.includes(DISPOSE_MEMBER)) return; // a wasm-bindgen without it: nothing to do
  if (types.includes("interface SymbolConstructor")) throw new Error(`${path}: fixed twice?`);
  if (!/^export /m.test(types)) throw new Error(`${path}: not a module: \`declare global\` needs one`);
  writeFileSync(path, `${types.trimEnd()}\n${DISPOSE_FALLBACK}`);
}
// The web types re-export these, so they need no fix of their own.
fixDispose(join(pkgDir, `${NAME}.d.ts`));
if (read(join(outWeb, `${NAME}.d.ts`)).includes(DISPOSE_MEMBER)) throw new Error("web types: unexpected [Symbol.dispose]");

// --- the hand-written entries: the React hook ------------------------------------------------------

/**
 * Copies the hand-written files of js/<name>/ (`.js`, and `.d.ts` unless `types` is false) to
 * pkg/<name>/, shipped as they are (no build step: the file the tests load is the file that
 * ships), after checking that each of `required` is there. The names copied, sorted.
 */
function copyHandWritten(name, required, types = true) {
  const from = join(REPO, "js", name);
  const to = join(pkgDir, name);
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to);
  const files = readdirSync(from).filter((f) => f.endsWith(".js") || (types && f.endsWith(".d.ts"))).sort();
  for (const f of required) if (!files.includes(f)) throw new Error(`js/${name}/${f} is missing`);
  for (const f of files) copyFileSync(join(from, f), join(to, f));
  return files;
}

// No JSX, no build step (js/react/hook.js says why).
const reactFiles = copyHandWritten("react", ["index.js", "index.d.ts", "web.js", "web.d.ts", "hook.js", "hook.d.ts", "server.js"]);

// --- the server build -----------------------------------------------------------------------------

// What `.` and `./react` resolve to on a server (the SERVER conditions below): the same names,
// nothing instantiated on import (js/server/index.js says why).
const SERVER = ["node", "edge-light"];
const serverFiles = copyHandWritten("server", ["index.js"], false);
/** `file` under each server condition: listed before `default`, which a server never reaches. */
const onServer = (file) => Object.fromEntries(SERVER.map((condition) => [condition, file]));

// --- the Angular adapter and the Vue composable, both on the web entry -------------------------------

// js/angular/inject.js and js/vue/composable.js say why that entry.
const angularFiles = copyHandWritten("angular", ["index.js", "index.d.ts", "inject.js", "inject.d.ts"]);
const vueFiles = copyHandWritten("vue", ["index.js", "index.d.ts", "composable.js", "composable.d.ts"]);

// --- the changelog ------------------------------------------------------------------------------

// npm ships README and LICENSE whatever `files` says, but not a changelog.
copyFileSync(join(REPO, "CHANGELOG.md"), join(pkgDir, "CHANGELOG.md"));

// --- short import and export names, then the glue minified ---------------------------------------

// Both glues define the imports of the one .wasm and call its exports; the .d.ts files list
// the exports (scripts/short-names.mjs says why).
if (sameWasm) {
  const texts = [`${NAME}.js`, `${NAME}_bg.js`, `web/${NAME}.js`, `${WASM}.d.ts`, `web/${NAME}.d.ts`].map((f) => join(pkgDir, f));
  shortenNames(join(pkgDir, WASM), `./${NAME}_bg.js`, texts);
}


// The .d.ts files keep the doc comments; the React and Vue files are hand-written and stay as they are.
minifyGlue([join(pkgDir, `${NAME}.js`), join(pkgDir, `${NAME}_bg.js`), join(outWeb, `${NAME}.js`)]);

// --- package.json -------------------------------------------------------------------------------

const generated = JSON.parse(read(join(pkgDir, "package.json")));
const hasSnippets = existsSync(join(pkgDir, "snippets")); // inline JS from #[wasm_bindgen(module)]
const wasmStarts = hasStartSection(readFileSync(join(pkgDir, WASM))); // runs code when instantiated
const webFiles = [`web/${NAME}.js`, `web/${NAME}.d.ts`, ...(sameWasm ? [] : [`web/${WASM}`])];

const pkg = {
  name: generated.name,
  version: generated.version,
  description: generated.description,
  license: generated.license,
  repository: generated.repository,
  keywords: generated.keywords,
  type: "module",
  // `main` for tools that predate `exports`; `module` for bundlers that look for it.
  main: `${NAME}.js`,
  module: `${NAME}.js`,
  types: `${NAME}.d.ts`,
  exports: {
    // Bundlers with wasm ESM integration (webpack 5 `asyncWebAssembly`, vite-plugin-wasm).
    // On a server (Node, Next.js server rendering, Vite SSR): the server build, which loads no .wasm.
    ".": { types: `./${NAME}.d.ts`, ...onServer("./server/index.js"), default: `./${NAME}.js` },
    // Everything else (plain <script type="module">, Vite without plugins): `await init()` first.
    "./web": { types: `./web/${NAME}.d.ts`, default: `./web/${NAME}.js` },
    // useTokenRefresher for React apps, on the main entry and on the web entry.
    "./react": { types: "./react/index.d.ts", ...onServer("./react/server.js"), default: "./react/index.js" },
    "./web/react": { types: "./react/web.d.ts", default: "./react/web.js" },
    // injectTokenRefresher for Angular apps, on the web entry (js/angular/index.js says why).
    "./angular": { types: "./angular/index.d.ts", default: "./angular/index.js" },
    // useTokenRefresher for Vue apps, on the web entry (what Vite loads with no config).
    "./vue": { types: "./vue/index.d.ts", default: "./vue/index.js" },
    // So an app can hand the .wasm's URL to init(), e.g. Vite's `…/${WASM}?url`.
    [`./${WASM}`]: `./${WASM}`,
    "./package.json": "./package.json",
  },
  files: [
    WASM,
    `${NAME}.js`,
    `${NAME}_bg.js`,
    `${NAME}.d.ts`,
    ...webFiles,
    ...reactFiles.map((f) => `react/${f}`),
    ...serverFiles.map((f) => `server/${f}`),
    ...angularFiles.map((f) => `angular/${f}`),
    ...vueFiles.map((f) => `vue/${f}`),
    "CHANGELOG.md",
    ...(hasSnippets ? ["snippets/"] : []),
  ],
  // Only the React entries need React, only `./angular` Angular (its maintained majors), only
  // `./vue` Vue (3.3: toValue); only apps that import them have it.
  peerDependencies: { react: ">=18", "@angular/core": ">=21", vue: ">=3.3" },
  peerDependenciesMeta: { react: { optional: true }, "@angular/core": { optional: true }, vue: { optional: true } },
  // Only the bundler entry does something on import: it instantiates the .wasm and calls its
  // `__wbindgen_start`. The glue it imports, the .wasm itself (when it has no start section) and
  // the web entry (nothing until init()) only define things, so a bundler may drop them unused.
  sideEffects: [
    `./${NAME}.js`,
    ...(wasmStarts ? [`./${WASM}`] : []),
    ...(hasSnippets ? ["./snippets/*"] : []),
  ],
};
writeFileSync(join(pkgDir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
console.log(
  `pkg/package.json written; web entry ${sameWasm ? `shares ../${WASM}` : `has its own ${WASM}`}`,
);
