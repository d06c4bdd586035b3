#!/usr/bin/env bash
# Every test: lint, the pure core on the host, the shipped size, the TypeScript types, the
# browser shell in headless Chrome and Firefox (against an in-page fake, then against the real
# powerbi-client and a local stand-in of the Power BI embed service), several tabs of real pages,
# the example apps, and the demo page (simulated and in Power BI mode); then what WebKit can run.
# Installs what it needs first.
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
ensure_build_tools
ensure_browsers
ensure_webkit # issue 13: WebKit (Safari's engine), see scripts/test-webkit.sh
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

# --- the tarball is what is tested (issue 14) --------------------------------------------------
# One `npm pack` of pkg/; the tests below that install the package (types, example apps, the
# React app) unpack this file, named in PBI_TARBALL.
say "npm pack"
PACK_DIR="$ROOT/target/pack"
rm -rf "$PACK_DIR" && mkdir -p "$PACK_DIR"
(cd pkg && npm pack --pack-destination "$PACK_DIR" --loglevel=error >/dev/null)
PBI_TARBALL="$(ls "$PACK_DIR"/*.tgz)"
export PBI_TARBALL
say "the tarball: files, package.json, what each entry imports, npm publish --dry-run"
node --test tests/package.test.mjs
# --- end of the tarball block --------------------------------------------------------------------

say "size budget"
node --test tests/size.test.mjs
say "the shell's layout: no import cycle in src/, no file over 400 lines"
node --test tests/shell-layout.test.mjs

# --- types (issue 14): strict, skipLibCheck false, lib dom+es2020 and dom+esnext, bundler and node16
say "TypeScript types (tsc --strict on the installed tarball: main, web, react)"
node --test tests/types.test.mjs
# --- end of the types block ----------------------------------------------------------------------

# --- server rendering (issue 19): every entry of the tarball imported in Node ---------------------
say "server rendering: every entry imports in Node with no browser global and no WebAssembly"
node --test tests/ssr.test.mjs
# --- end of the server rendering block -------------------------------------------------------------

# The test server's COOP/COEP headers would block the cross-origin frames some tests use.
export WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1
# The soak (tests/browser/soak.rs: thousands of refreshes, and hundreds that each wait out the
# tabs' lock) takes the browser suite past the runner's default limit of 20 s for a whole run.
export WASM_BINDGEN_TEST_TIMEOUT=240
say "browser tests: headless Chrome"
wasm-pack test --headless --chrome --mode no-install -- --test browser
say "browser tests: headless Firefox"
wasm-pack test --headless --firefox --mode no-install -- --test browser

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

# --- the React hook in a React 19 app (issue 14) -------------------------------------------------
# StrictMode, the real powerbi-client-react and powerbi-client; Vite's dev server on the web
# entry, a webpack 5 build on the main entry; against the stand-in on a free port of its own
# (not 8443, so it needs no lock with the wasm-pack suites).
say "React 19 app: useTokenRefresher with powerbi-client-react in StrictMode, Vite and webpack (headless Chromium)"
node --test tests/react-app.test.mjs
# --- end of the React block ----------------------------------------------------------------------
# --- Next.js 16 App Router (issue 19) -------------------------------------------------------------
# Built once per bundler (Turbopack, webpack) under target/next-app/, reused by the WebKit run;
# server rendering checked on `next start`, the stand-in's token kept fresh in the browser; then
# the same pages under `next dev` (Strict Mode), Chromium only.
say "Next.js 16 app: App Router, powerbi-client-react client-only, Turbopack and webpack, next start and next dev (headless Chromium)"
node --test tests/next-app.test.mjs
# --- end of the Next.js block --------------------------------------------------------------------
# --- the Angular adapter in an Angular 21 CLI app (issue 19) ------------------------------------
# `ng build` (application builder) from the tarball, cached under target/angular-app for the
# WebKit run; powerbi-client-angular, with and without zone.js, against the stand-in.
say "Angular app: injectTokenRefresher with powerbi-client-angular, with and without zone.js (headless Chromium)"
node --test tests/angular-app.test.mjs
# --- end of the Angular block --------------------------------------------------------------------
# --- the Vue composable in a Vue 3 + Vite app (issue 19) -----------------------------------------
# powerbi-client-vue-js, built once by `vite build` (cached under target/vue-app/ for the WebKit
# run) and served by Vite's dev server; against the stand-in on a free port of its own.
say "Vue 3 app: useTokenRefresher with powerbi-client-vue-js, vite build and dev server (headless Chromium)"
node --test tests/vue-app.test.mjs
# --- end of the Vue block ------------------------------------------------------------------------
say "demo in Power BI mode against local stand-ins of Azure AD, the REST API and the report iframe"
node --test tests/real-demo.test.mjs

# --- WebKit (Safari's engine): issue 13 ------------------------------------------------------
# The suites above that WebKit can run (the wasm browser suites, the real powerbi-client against
# the stand-in, crossTab across real pages, the example apps, the demo, the React app), in
# WebKitGTK's MiniBrowser on a private Xvfb.
bash scripts/test-webkit.sh
# --- end WebKit --------------------------------------------------------------------------------
