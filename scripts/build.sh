#!/usr/bin/env bash
# Builds the npm package into pkg/ (release, optimised by wasm-opt): the bundler entry
# (`--target bundler`), the `web` entry (`--target web`, glue and types only, into pkg/web/), and a
# package.json with `exports` (scripts/package-json.mjs).
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
ensure_build_tools
cd "$ROOT"
# The release compiler flags (trimmed panic locations, LLVM's inlining and unrolling held down):
# scripts/rustflags.sh says which and why; bench/run.mjs builds with the same.
RUSTFLAGS="$(bash scripts/rustflags.sh)"
export RUSTFLAGS
say "wasm-pack build --release"
wasm-pack --quiet build --release --target bundler --mode no-install --out-dir pkg

# Same crate, same .wasm (the targets differ in JS glue only); cargo's build is reused, so this
# costs one more wasm-bindgen + wasm-opt run. The package keeps one .wasm: see package-json.mjs.
say "wasm-pack build --release --target web (the ./web entry)"
WEB_BUILD="$(mktemp -d)"
trap 'rm -rf "$WEB_BUILD"' EXIT
wasm-pack --quiet build --release --target web --mode no-install --out-dir "$WEB_BUILD"
node scripts/package-json.mjs pkg "$WEB_BUILD"
