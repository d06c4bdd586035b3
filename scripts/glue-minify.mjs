// wasm-bindgen's JS glue, minified by esbuild before it ships: comments (the JSDoc copied from the
// Rust doc comments, which the .d.ts beside it keeps for editors and tsc, and wasm-bindgen's notes
// to its own readers), whitespace, and the names of its local helpers. Exported names stay, so
// the .wasm's imports and the .d.ts still match. Used by scripts/package-json.mjs, and by the
// bench on its own builds so that it weighs the same bytes.
import { readFileSync, writeFileSync } from "node:fs";
import { transformSync } from "esbuild";

/** `source` minified; the exported class keeps its name for consoles and stack traces. */
export function minified(source) {
  const { code } = transformSync(source, { format: "esm", minify: true, target: "es2020" });
  // esbuild renames a top-level class and exports it under its name (`export{E as Foo}`); its
  // `name` is set back by a static field (ES2022, in every browser with Web Locks) rather than
  // esbuild's keepNames, which wraps every function of the glue.
  const classes = [...source.matchAll(/^export class (\w+)/gm)].map((m) => m[1]);
  let out = code;
  for (const name of classes) {
    const local = code.match(new RegExp(`\\b(\\w+) as ${name}\\b`))?.[1];
    const opening = `class ${local}{`;
    if (!local || code.split(opening).length !== 2) {
      throw new Error(`glue-minify: no one class ${local} exported as ${name} in the minified glue`);
    }
    if (local !== name) out = out.replace(opening, `${opening}static name="${name}";`);
  }
  return unaliased(out);
}

/** An identifier in `code`, not as a property (`o.x`): a pattern for it. */
const identifier = (name) => new RegExp(`(?<![\\w$.])${name.replace(/\$/g, "\\$")}(?![\\w$])`, "g");

/**
 * `code` with each exported function declared under its exported name, so `export{Zt as __w0}`
 * becomes `export{__w0}` (the glue exports about a hundred functions for the .wasm to import:
 * −0.15 KB gzip). Only where that is a plain rename: the local name occurs just in its
 * declaration and the export, and the exported one only in the export.
 */
function unaliased(code) {
  const clause = code.match(/export\{([^}]*)\}/);
  if (!clause) return code;
  let out = code;
  const entries = clause[1].split(",").map((entry) => {
    const [local, name] = entry.split(" as ");
    const declaration = `function ${local}(`;
    const plain =
      name &&
      /^[\w$]+$/.test(name) &&
      code.split(declaration).length === 2 &&
      code.match(identifier(local)).length === 2 &&
      code.match(identifier(name)).length === 1;
    if (!plain) return entry;
    out = out.replace(declaration, `function ${name}(`);
    return name;
  });
  return out.replace(clause[0], `export{${entries.join(",")}}`);
}

/** Rewrites each file in `paths` minified. */
export function minifyGlue(paths) {
  for (const path of paths) writeFileSync(path, minified(readFileSync(path, "utf8")));
}
