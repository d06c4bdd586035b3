#!/usr/bin/env bash
# Builds the npm package into pkg/ (release, optimised by wasm-opt).
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
ensure_build_tools
cd "$ROOT"
say "wasm-pack build --release"
wasm-pack --quiet build --release --target bundler --mode no-install --out-dir pkg
