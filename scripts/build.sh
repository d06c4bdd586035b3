#!/usr/bin/env bash
# Builds the npm package into pkg/ (release, optimised by wasm-opt): the bundler entry
# (`--target bundler`), the `web` entry (`--target web`, glue and types only, into pkg/web/), and a
# package.json with `exports` (scripts/package-json.mjs).
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
ensure_build_tools
cd "$ROOT"
# A panic location names its source file, a dependency's by its absolute path in cargo's registry
# (~/.cargo/registry/src/index.crates.io-<hash>/js-sys-0.3.107/src/...): trimmed to the crate's
# own path, which says as much (-72 B gzip). Of two matching prefixes rustc takes the last: the
# crates.io directory (its name is fixed since cargo 1.85), else any registry's.
# LLVM's inlining held to a threshold of 12, far below opt-level 3's 250 (Cargo.toml's profile):
# the smallest output measured (5 to 15 are within 0.1 KB, 20 and up bigger; with opt-level "z",
# whose threshold is 5, 12 also beat 5 by 0.4 KB). No loop unrolling either (-31 B gzip).
# bench/run.mjs builds with the same flags.
REGISTRY="${CARGO_HOME:-$HOME/.cargo}/registry/src"
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }--remap-path-prefix=$REGISTRY/= --remap-path-prefix=$REGISTRY/index.crates.io-1949cf8c6b5b557f/= -C llvm-args=--inline-threshold=12 -C llvm-args=--unroll-threshold=0"
say "wasm-pack build --release"
wasm-pack --quiet build --release --target bundler --mode no-install --out-dir pkg

# Same crate, same .wasm (the targets differ in JS glue only); cargo's build is reused, so this
# costs one more wasm-bindgen + wasm-opt run. The package keeps one .wasm: see package-json.mjs.
say "wasm-pack build --release --target web (the ./web entry)"
WEB_BUILD="$(mktemp -d)"
trap 'rm -rf "$WEB_BUILD"' EXIT
wasm-pack --quiet build --release --target web --mode no-install --out-dir "$WEB_BUILD"
node scripts/package-json.mjs pkg "$WEB_BUILD"
