// Short names for what the .wasm imports from its JS glue. wasm-bindgen names each import after
// its Rust item plus a 16-hex-digit hash (`__wbg_setAccessToken_8d1b5e3bca93fa67`): about 75 of
// them, written twice (in the .wasm's import section and in the glue that defines them), and a
// hash is text gzip cannot shrink. Each becomes `__w` and a base-36 number, in both places.
// wasm-opt's --minify-imports only renames imports of the `env` module, hence this. The exports,
// which only the glue calls (`tokenrefresher_new`, a closure's entry named with a hash), become
// `__x0`, `__x1`, ... the same way, in the .wasm, the glue and the `.d.ts` that list them; all
// but `memory`, which the glue reads and an app may too.
// Used by scripts/package-json.mjs, and by the bench on its own builds.
import { readFileSync, writeFileSync } from "node:fs";
import { reader, sections } from "./wasm-binary.mjs";

/**
 * Renames the imports of `wasmPath` from the module `module`, and its exports, in the
 * .wasm and, word for word, in each of `textPaths` (wasm-bindgen's glue as generated, before
 * minifying, and its `.d.ts` files).
 */
export function shortenNames(wasmPath, module, textPaths) {
  const names = new Map();
  const short = (prefix) => {
    let count = 0;
    return (name) => {
      if (!names.has(name)) names.set(name, `${prefix}${(count++).toString(36)}`);
      return names.get(name);
    };
  };
  const [imported, exported] = [short("__w"), short("__x")];
  const original = readFileSync(wasmPath);
  const bytes = rewriteSection(original, IMPORTS, (r) => {
    const from = r.text();
    const field = r.text();
    const at = r.at;
    skipImportDescription(r);
    return [encodeText(from), encodeText(from === module ? imported(field) : field), original.subarray(at, r.at)];
  });
  const rewritten = rewriteSection(bytes, EXPORTS, (r) => {
    const name = r.text();
    const at = r.at;
    r.byte(); // kind
    r.leb(); // index
    return [encodeText(name === "memory" ? name : exported(name)), bytes.subarray(at, r.at)];
  });
  const word = /\b[A-Za-z_$][\w$]*\b/g;
  for (const path of textPaths) {
    const text = readFileSync(path, "utf8");
    if (/\b__[wx][0-9a-z]+\b/.test(text)) {
      throw new Error(`${path}: already uses a name like __w0 or __x0: pick another prefix`);
    }
    writeFileSync(path, text.replace(word, (name) => names.get(name) ?? name));
  }
  writeFileSync(wasmPath, rewritten);
  return names.size;
}

const IMPORTS = 2;
const EXPORTS = 7;

/**
 * `bytes` with each entry of section `id` (a count, then the entries) replaced by what
 * `entry(r)` gives: it reads one entry from the cursor `r` and returns its new bytes.
 */
function rewriteSection(bytes, id, entry) {
  const section = [...sections(bytes)].find((s) => s.id === id);
  if (!section) throw new Error(`short-names: the module has no section ${id}`);
  const r = reader(bytes, section.bodyStart);
  const count = r.leb();
  const parts = [encodeLeb(count)];
  for (let i = 0; i < count; i++) parts.push(...entry(r));
  if (r.at !== section.end) throw new Error(`short-names: section ${id} did not parse`);
  const body = Buffer.concat(parts);
  return Buffer.concat([
    bytes.subarray(0, section.start),
    Buffer.from([id]),
    encodeLeb(body.length),
    body,
    bytes.subarray(section.end),
  ]);
}

/** Moves `r` past what follows an import's names: its kind and type. */
function skipImportDescription(r) {
  const limits = () => {
    const flags = r.byte();
    r.leb();
    if (flags & 1) r.leb();
  };
  const kind = r.byte();
  if (kind === 0x00) r.leb(); // function: type index
  else if (kind === 0x01) (r.byte(), limits()); // table: reference type, limits
  else if (kind === 0x02) limits(); // memory
  else if (kind === 0x03) r.at += 2; // global: value type, mutability
  else if (kind === 0x04) (r.byte(), r.leb()); // tag: attribute, type index
  else throw new Error(`short-names: unknown import kind ${kind}`);
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
