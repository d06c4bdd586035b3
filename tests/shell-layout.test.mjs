// The shell's layout (issue 20): no module of src/ reaches itself through what it imports, and
// no file is long enough to hold more than one idea. Imports are read from the source: every
// `crate::name` path and every name in a `use crate::{…}` group that is a module of src/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";

const SRC = new URL("../src/", import.meta.url);
const MAX_LINES = 400;

const files = readdirSync(SRC).filter((f) => f.endsWith(".rs"));
const modules = new Set(files.map((f) => f.slice(0, -3)));
const source = Object.fromEntries(files.map((f) => [f.slice(0, -3), readFileSync(new URL(f, SRC), "utf8")]));

/** The modules of src/ that `name` refers to. */
function imports(name) {
  const text = source[name];
  const found = new Set([...text.matchAll(/crate::(\w+)/g)].map((m) => m[1]));
  for (const [, group] of text.matchAll(/use crate::\{([^}]*)\}/g)) {
    for (const item of group.split(",")) found.add(item.trim().split("::")[0]);
  }
  return [...found].filter((m) => modules.has(m) && m !== name);
}

test("no module of src/ imports one that imports it back, directly or through others", () => {
  const graph = Object.fromEntries([...modules].map((m) => [m, imports(m)]));
  const state = new Map(); // 1: on the current path, 2: done
  const cycles = [];
  const visit = (m, path) => {
    state.set(m, 1);
    for (const next of graph[m]) {
      if (state.get(next) === 1) cycles.push([...path.slice(path.indexOf(next)), next].join(" -> "));
      else if (!state.has(next)) visit(next, [...path, next]);
    }
    state.set(m, 2);
  };
  for (const m of modules) if (!state.has(m)) visit(m, [m]);
  assert.deepEqual(cycles, []);
  assert.ok(graph.driver.includes("running") && !graph.running.includes("driver"), "the check reads imports");
});

test(`no file of src/ is over ${MAX_LINES} lines`, () => {
  const long = files
    .map((f) => [f, source[f.slice(0, -3)].split("\n").length - 1])
    .filter(([, lines]) => lines > MAX_LINES);
  assert.deepEqual(long, []);
});
