#!/usr/bin/env bash
# Every browser suite that can run in WebKit (Safari's engine), in WebKitGTK's MiniBrowser driven
# by WebKitWebDriver (Debian's webkit2gtk-driver), on a private Xvfb display started here and
# stopped on exit (never a display this script did not start). Called by scripts/test.sh after
# the Chrome and Firefox suites; assumes pkg/ is built. Alone: `bash scripts/test-webkit.sh`.
set -euo pipefail
source "$(dirname "$0")/ensure-tools.sh"
ensure_webkit
cd "$ROOT"
started=$SECONDS

say "WebKit plumbing: the capabilities pass-through and the CONNECT tunnel (no browser)"
node --test tests/webkit-plumbing.test.mjs

# --- a private X display ---------------------------------------------------------------------
# -displayfd: Xvfb picks a free display number itself (no race with another Xvfb) and writes it
# to fd 3 once it accepts clients.
xvfb_out="$(mktemp)"
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$xvfb_out" 2>/dev/null &
XVFB_PID=$!
stop_xvfb() {
  kill "$XVFB_PID" 2>/dev/null || true
  wait "$XVFB_PID" 2>/dev/null || true
  rm -f "$xvfb_out"
}
trap stop_xvfb EXIT
for _ in $(seq 100); do
  [ -s "$xvfb_out" ] && break
  kill -0 "$XVFB_PID" 2>/dev/null || die "Xvfb exited before it started"
  sleep 0.1
done
[ -s "$xvfb_out" ] || die "Xvfb did not start within 10 s"
export DISPLAY=":$(head -n1 "$xvfb_out")"
# Only this display: not a Wayland session the caller may have open.
unset WAYLAND_DISPLAY
export GDK_BACKEND=x11
say "WebKit: webkit2gtk-driver $(dpkg-query -W -f '${Version}' webkit2gtk-driver 2>/dev/null || echo '(version unknown)') on a private Xvfb ($DISPLAY)"

# The test server's COOP/COEP headers would block the cross-origin frames some tests use.
export WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION=1

# wasm-pack finds `safaridriver` (a link to WebKitWebDriver, see ensure_webkit) on PATH.
# The soak takes the browser suite past the runner's default limit of 20 s (see scripts/test.sh).
say "browser tests: WebKit"
WASM_BINDGEN_TEST_TIMEOUT=240 wasm-pack test --headless --safari --mode no-install -- --test browser

# The runner's Safari path sends no capabilities and reads no webdriver.json: with-driver.mjs
# puts a pass-through in front of the driver that adds acceptInsecureCerts (the stand-in's
# certificate) and a CONNECT proxy in the browser's https_proxy that sends fake.powerbi.com to
# 127.0.0.1. The stand-in binds the fixed port 8443: flock serialises it with other runs.
say "real powerbi-client against the stand-in: WebKit"
WASM_BINDGEN_TEST_TIMEOUT=120 flock /tmp/standin.lock node tests/standin/with-standin.mjs \
  node scripts/webkit/with-driver.mjs \
  wasm-pack test --headless --safari --mode no-install -- --test powerbi_client

say "crossTab across real pages: WebKit (W3C WebDriver)"
TEST_BROWSER=webkit node scripts/webkit/with-driver.mjs node --test tests/cross-tab.test.mjs

say "example apps (webpack 5, Vite 7, no bundler): WebKit (W3C WebDriver)"
TEST_BROWSER=webkit node scripts/webkit/with-driver.mjs node --test tests/examples.test.mjs

say "demo page (webpack dev server, simulated mode): WebKit (W3C WebDriver)"
TEST_BROWSER=webkit node scripts/webkit/with-driver.mjs node --test tests/demo.test.mjs

say "React 19 app (powerbi-client-react, StrictMode; Vite and webpack): WebKit (W3C WebDriver)"
TEST_BROWSER=webkit node scripts/webkit/with-driver.mjs node --test tests/react-app.test.mjs

say "Next.js 16 app (App Router; Turbopack and webpack builds from the Chromium run): WebKit (W3C WebDriver)"
TEST_BROWSER=webkit node scripts/webkit/with-driver.mjs node --test tests/next-app.test.mjs
say "Angular app (powerbi-client-angular, with and without zone.js; the Chromium run's build): WebKit (W3C WebDriver)"
TEST_BROWSER=webkit node scripts/webkit/with-driver.mjs node --test tests/angular-app.test.mjs
say "Vue 3 app (powerbi-client-vue-js; vite build, reused from the Chromium run, and dev server): WebKit (W3C WebDriver)"
TEST_BROWSER=webkit node scripts/webkit/with-driver.mjs node --test tests/vue-app.test.mjs

say "WebKit suites took $((SECONDS - started)) s"
