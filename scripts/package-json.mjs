// Finishes the npm package that wasm-pack built into pkg/ (`--target bundler`):
//   1. adds the `web` entry (pkg/web/) from a second wasm-pack build (`--target web`) — only its
//      JS glue and types: when the two .wasm files are the same bytes (they are: the targets differ
//      in glue only) the web glue is pointed at the one .wasm at the package root;
//   2. rewrites pkg/package.json, which wasm-pack generates from Cargo.toml with no `exports`.
// Usage: node scripts/package-json.mjs <pkg dir> <web build dir>
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [pkgDir, webDir] = process.argv.slice(2);
if (!pkgDir || !webDir) throw new Error("usage: node scripts/package-json.mjs <pkg dir> <web build dir>");

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
  let at = 8; // magic + version
  const leb = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    if (id === 8) return true;
    at += size;
  }
  return false;
}

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
    ".": { types: `./${NAME}.d.ts`, default: `./${NAME}.js` },
    // Everything else (plain <script type="module">, Vite without plugins): `await init()` first.
    "./web": { types: `./web/${NAME}.d.ts`, default: `./web/${NAME}.js` },
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
    ...(hasSnippets ? ["snippets/"] : []),
  ],
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
