// Short names for what the .wasm imports from its JS glue. wasm-bindgen names each import after
// its Rust item plus a 16-hex-digit hash (`__wbg_setAccessToken_8d1b5e3bca93fa67`): about 75 of
// them, written twice (in the .wasm's import section and in the glue that defines them), and a
// hash is text gzip cannot shrink. Each becomes `__w` and a base-36 number, in both places.
// wasm-opt's --minify-imports only renames imports of the `env` module, hence this.
// Used by scripts/package-json.mjs, and by the bench on its own builds.
import { readFileSync, writeFileSync } from "node:fs";
import { reader, sections } from "./wasm-binary.mjs";

/**
 * Renames the imports of `wasmPath` from the module `module` in the .wasm and, word for word, in
 * each of `gluePaths` (which must be wasm-bindgen's glue as generated: before minifying).
 */
export function shortenImports(wasmPath, module, gluePaths) {
  const bytes = readFileSync(wasmPath);
  const names = new Map();
  const rewritten = rewriteImports(bytes, (from, field) => {
    if (from !== module) return field;
    if (!names.has(field)) names.set(field, `__w${names.size.toString(36)}`);
    return names.get(field);
  });
  for (const path of gluePaths) {
    const glue = readFileSync(path, "utf8");
    const out = glue.replace(/\b__w(?:bg|bindgen)_\w+\b/g, (word) => names.get(word) ?? word);
    if (/\b__w[0-9a-z]+\b/.test(glue.replace(/\b__w(?:bg|bindgen)_\w+\b/g, ""))) {
      throw new Error(`${path}: already uses a name like __w0: pick another prefix`);
    }
    writeFileSync(path, out);
  }
  writeFileSync(wasmPath, rewritten);
  return names.size;
}

/** The module `bytes` with each import's field name replaced by `rename(module, field)`. */
function rewriteImports(bytes, rename) {
  const section = [...sections(bytes)].find((s) => s.id === 2);
  if (!section) throw new Error("short-imports: the module has no import section");
  const r = reader(bytes, section.bodyStart);
  const limits = () => {
    const flags = r.byte();
    r.leb();
    if (flags & 1) r.leb();
  };
  const count = r.leb();
  const parts = [encodeLeb(count)];
  for (let i = 0; i < count; i++) {
    const module = r.text();
    const field = r.text();
    const descStart = r.at;
    const kind = r.byte();
    if (kind === 0x00) r.leb(); // function: type index
    else if (kind === 0x01) (r.byte(), limits()); // table: reference type, limits
    else if (kind === 0x02) limits(); // memory
    else if (kind === 0x03) r.at += 2; // global: value type, mutability
    else if (kind === 0x04) (r.byte(), r.leb()); // tag: attribute, type index
    else throw new Error(`short-imports: unknown import kind ${kind}`);
    parts.push(encodeText(module), encodeText(rename(module, field)), bytes.subarray(descStart, r.at));
  }
  if (r.at !== section.end) throw new Error("short-imports: the import section did not parse");
  const body = Buffer.concat(parts);
  return Buffer.concat([
    bytes.subarray(0, section.start),
    Buffer.from([2]),
    encodeLeb(body.length),
    body,
    bytes.subarray(section.end),
  ]);
}

function encodeLeb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return Buffer.from(out);
}

function encodeText(value) {
  const bytes = Buffer.from(value, "utf8");
  return Buffer.concat([encodeLeb(bytes.length), bytes]);
}
