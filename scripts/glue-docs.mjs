// The JSDoc blocks wasm-bindgen copies from the Rust doc comments into the JS glue, taken out of
// the shipped .js files: the .d.ts beside them carries the same text, and editors and tsc read
// that. 0.9 KB gzip of the main entry's 5.8 KB. Used by scripts/package-json.mjs, and by the
// bench on its own builds so that it weighs the same bytes.
import { readFileSync, writeFileSync } from "node:fs";

/** `source` without the doc blocks that stand on lines of their own (`/**` … `*\/`). */
export function withoutDocComments(source) {
  const kept = [];
  let inDoc = false;
  for (const line of source.split("\n")) {
    const text = line.trim();
    if (!inDoc && text.startsWith("/**")) inDoc = true;
    if (!inDoc) kept.push(line);
    else if (!/^(\/\*\*|\*)/.test(text)) throw new Error(`glue-docs: not a doc comment line: ${line}`);
    if (inDoc && text.endsWith("*/")) inDoc = false;
  }
  if (inDoc) throw new Error("glue-docs: a doc comment does not end");
  return kept.join("\n");
}

/** Rewrites each file in `paths` without its doc blocks. */
export function stripDocComments(paths) {
  for (const path of paths) writeFileSync(path, withoutDocComments(readFileSync(path, "utf8")));
}
