#!/usr/bin/env bash
# Every test: lint, the pure core on the host, the shipped size, the TypeScript types, the
# browser shell in headless Chrome and Firefox, and the demo page. Installs what it needs first.
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
ensure_build_tools
ensure_browsers
cd "$ROOT"

say "cargo fmt --check"
cargo fmt --check
say "cargo clippy (host and wasm32)"
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --all-targets --target wasm32-unknown-unknown -- -D warnings

say "core tests (cargo test)"
cargo test --quiet

bash scripts/build.sh

say "size budget"
node --test tests/size.test.mjs

say "TypeScript types (tsc --strict)"
tsc -p tests/types/tsconfig.json

# The test server's COOP/COEP headers would block the cross-origin frames some tests use.
export WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1
say "browser tests: headless Chrome"
wasm-pack test --headless --chrome --mode no-install -- --test browser
say "browser tests: headless Firefox"
wasm-pack test --headless --firefox --mode no-install -- --test browser

say "demo page (webpack dev server + headless Chromium)"
node --test tests/demo.test.mjs
