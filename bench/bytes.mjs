// Where the shipped .wasm's bytes go, so the next cut is visible: the release build run through
// wasm-bindgen and wasm-opt as the package's is (same flags, from Cargo.toml), but keeping the
// function names (`wasm-opt -g`), then weighed by twiggy (installed by bench/bench.sh). The names
// section itself is left out: it is not shipped. Raw bytes, before gzip.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Who a twiggy item belongs to, by its name. */
function owner(name) {
  if (name.startsWith("data segment")) return "data (strings, tables)";
  if (/shim$|^tokenrefresher_/.test(name)) return "export shims (wasm-bindgen)";
  const path = name.replace(/^</, "");
  const crate = path.match(/^([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::/)?.[1];
  if (crate === "powerbi_token_refresh_core") return "core/ (the machine)";
  if (crate === "powerbi_token_refresh") return "src/ (the shell)";
  if (crate === "core" || crate === "alloc" || crate === "std") return "Rust std (core, alloc, std)";
  if (crate) return crate;
  return "other (wasm-bindgen's intrinsics, tables, types)";
}

/** `[name, bytes]` of every item of `wasm`, the names section left out. */
function items(wasm) {
  const csv = execFileSync("twiggy", ["top", "-n", "1000000", "--format", "csv", wasm], { encoding: "utf8", maxBuffer: 64 << 20 });
  const rows = [];
  for (const line of csv.trim().split("\n").slice(1)) {
    // Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent; the name may be quoted.
    const m = line.match(/^("(?:[^"]|"")*"|[^,]*),(\d+),/);
    if (!m) continue;
    const name = m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1];
    if (/subsection$|^Σ|^\.\.\. and/.test(name)) continue;
    rows.push([name.replace(/::h[0-9a-f]{16}$/, ""), Number(m[2])]);
  }
  return rows;
}

/** The named build of `releaseWasm` (cargo's output for wasm32), weighed; markdown. */
export function whereTheBytesGo(releaseWasm, cargoToml, top = 15) {
  const dir = mkdtempSync(join(tmpdir(), "pbi-bytes-"));
  try {
    execFileSync("wasm-bindgen", ["--target", "bundler", "--out-dir", dir, releaseWasm]);
    const flags = JSON.parse(readFileSync(cargoToml, "utf8").match(/^wasm-opt = (\[[^\]]*\])/m)[1].replace(/,\s*\]/, "]"));
    const named = join(dir, "named.wasm");
    const bindgen = join(dir, releaseWasm.split("/").pop().replace(/\.wasm$/, "_bg.wasm"));
    execFileSync("wasm-opt", [bindgen, "-g", ...flags, "-o", named]);
    const rows = items(named);
    const total = rows.reduce((sum, [, bytes]) => sum + bytes, 0);
    const byOwner = new Map();
    for (const [name, bytes] of rows) byOwner.set(owner(name), (byOwner.get(owner(name)) ?? 0) + bytes);
    const pct = (bytes) => `${((100 * bytes) / total).toFixed(1)} %`;
    const owners = [...byOwner].sort((a, b) => b[1] - a[1]);
    const largest = [...rows].sort((a, b) => b[1] - a[1]).slice(0, top);
    const esc = (s) => s.replace(/\|/g, "\\|");
    return [
      `${total.toLocaleString("en-US")} bytes (raw): the .wasm as wasm-opt leaves it, before scripts/short-names.mjs shortens its import and export names.`,
      "",
      "| Crate or part | Bytes | Share |",
      "|---|---:|---:|",
      ...owners.map(([o, bytes]) => `| ${o} | ${bytes.toLocaleString("en-US")} | ${pct(bytes)} |`),
      "",
      `The ${top} largest items:`,
      "",
      "| Item | Bytes | Share |",
      "|---|---:|---:|",
      ...largest.map(([name, bytes]) => `| \`${esc(name)}\` | ${bytes.toLocaleString("en-US")} | ${pct(bytes)} |`),
    ].join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
