// The comments of wasm-bindgen's JS glue, taken out of the shipped .js files: the JSDoc it copies
// from the Rust doc comments (the .d.ts beside them carries the same text, and editors and tsc
// read that) and its notes to its own readers ("Cast intrinsic for `Closure(...)`"). 1.2 KB gzip
// of the main entry's 5.8 KB. Used by scripts/package-json.mjs, and by the bench on its own
// builds so that it weighs the same bytes.
import { readFileSync, writeFileSync } from "node:fs";

/** `source` without its comment lines: doc blocks (`/**` … `*\/`) and `//` lines. */
export function withoutComments(source) {
  const kept = [];
  let inDoc = false;
  for (const line of source.split("\n")) {
    const text = line.trim();
    // A template literal over several lines could hold a line that looks like a comment.
    if ((text.match(/`/g) ?? []).length % 2 && !text.startsWith("//")) {
      throw new Error(`glue-comments: a template literal spans lines: ${line}`);
    }
    if (!inDoc && text.startsWith("/**")) inDoc = true;
    if (inDoc) {
      if (!/^(\/\*\*|\*)/.test(text)) throw new Error(`glue-comments: not a doc comment line: ${line}`);
      if (text.endsWith("*/")) inDoc = false;
    } else if (!text.startsWith("//")) {
      kept.push(line);
    }
  }
  if (inDoc) throw new Error("glue-comments: a doc comment does not end");
  return kept.join("\n");
}

/** Rewrites each file in `paths` without its comment lines. */
export function stripComments(paths) {
  for (const path of paths) writeFileSync(path, withoutComments(readFileSync(path, "utf8")));
}
