#!/usr/bin/env bash
# `npm run bench`: installs what the build needs (as `npm run build` does), makes sure Chromium is
# there, then runs bench/run.mjs with the arguments given (`npm run bench -- --quick`).
set -euo pipefail
source "$(dirname "$0")/../scripts/ensure-tools.sh"
ensure_build_tools
if [ -z "${CHROMIUM_PATH:-}" ] && ! have chromium; then
  apt_install chromium
fi
# twiggy weighs the .wasm for "Where the bytes go".
if ! have twiggy; then
  say "cargo install twiggy"
  cargo install --locked --quiet twiggy || die "cargo install twiggy failed"
fi
cd "$ROOT"
exec node bench/run.mjs "$@"
