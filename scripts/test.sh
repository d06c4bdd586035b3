#!/usr/bin/env bash
# Every test: lint, the pure core on the host, the shipped size, the TypeScript types, the
# browser shell in headless Chrome and Firefox (against an in-page fake, then against the real
# powerbi-client and a local stand-in of the Power BI embed service), several tabs of real pages,
# the example apps, and the demo page (simulated and in Power BI mode).
# Installs what it needs first.
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
ensure_build_tools
ensure_browsers
cd "$ROOT"

say "cargo fmt --check"
cargo fmt --all --check
say "cargo clippy (host and wasm32)"
cargo clippy --quiet --workspace --all-targets -- -D warnings
cargo clippy --quiet --workspace --all-targets --target wasm32-unknown-unknown -- -D warnings

# The machine (core/): every decision, its properties and the simulation, on the host.
say "core tests (cargo test: the machine, its properties, the simulation)"
cargo test --quiet --workspace

bash scripts/build.sh

say "size budget"
node --test tests/size.test.mjs

say "TypeScript types (tsc --strict)"
tsc -p tests/types/tsconfig.json

# The test server's COOP/COEP headers would block the cross-origin frames some tests use.
export WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1
say "browser tests: headless Chrome"
wasm-pack test --headless --chrome --mode no-install -- --test browser --test embeds --test cross_tab
say "browser tests: headless Firefox"
wasm-pack test --headless --firefox --mode no-install -- --test browser --test embeds --test cross_tab

# The stand-in serves https://fake.powerbi.com:8443 (webdriver.json maps the name to 127.0.0.1
# and accepts its throwaway certificate); with-standin.mjs stops it when the tests end. These
# tests wait for real token lifetimes (~20 s in all): above the test runner's default limit of
# 20 s for a whole run, hence WASM_BINDGEN_TEST_TIMEOUT.
say "real powerbi-client against the stand-in: headless Chrome"
WASM_BINDGEN_TEST_TIMEOUT=120 node tests/standin/with-standin.mjs \
  wasm-pack test --headless --chrome --mode no-install -- --test powerbi_client
say "real powerbi-client against the stand-in: headless Firefox"
WASM_BINDGEN_TEST_TIMEOUT=120 node tests/standin/with-standin.mjs \
  wasm-pack test --headless --firefox --mode no-install -- --test powerbi_client

say "crossTab across real pages (headless Chromium, the package's web entry)"
node --test tests/cross-tab.test.mjs

say "demo page (webpack dev server + headless Chromium)"
node --test tests/demo.test.mjs
say "example apps: webpack 5, Vite 7 (build and dev server), no bundler — headless Chromium"
node --test tests/examples.test.mjs
say "demo in Power BI mode against local stand-ins of Azure AD, the REST API and the report iframe"
node --test tests/real-demo.test.mjs
