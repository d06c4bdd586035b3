# shellcheck shell=bash
# Installs what `npm start` and `npm test` need, skipping whatever is already there at the right
# version, or stops with a message naming what is missing and how to get it. Sourced by
# scripts/start.sh and scripts/test.sh; works offline except for the package registries
# (crates.io, npm, Debian), which is all these machines reach (see shared/docs/toolchain.md).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools/bin"
mkdir -p "$TOOLS"
# node_modules/.bin first: its binaryen wasm-opt is new enough for rustc's output; Debian's is not.
export PATH="$ROOT/node_modules/.bin:$TOOLS:$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

is_root_debian() { [ "$(id -u)" = 0 ] && have apt-get; }

apt_install() {
  is_root_debian || die "missing $*: install the Debian packages '$*' (apt-get install $*), or the equivalent for your system"
  say "apt-get install $*"
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

ensure_rust() {
  have cargo || die "Rust is missing: install it with rustup (https://rustup.rs), then run this again"
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    have rustup || die "the wasm32-unknown-unknown target is missing and rustup is not there to add it"
    say "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown >/dev/null
  fi
}

ensure_wasm_pack() {
  # The npm package `wasm-pack` downloads a binary from GitHub; cargo install works everywhere.
  if ! have wasm-pack; then
    say "cargo install wasm-pack (a few minutes, once)"
    cargo install wasm-pack --locked --quiet || die "cargo install wasm-pack failed"
  fi
}

wasm_bindgen_version() {
  # The version Cargo.toml pins with `=`; Cargo.lock holds the same once resolved.
  sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' "$ROOT/Cargo.toml"
}

ensure_wasm_bindgen() {
  local want
  want="$(wasm_bindgen_version)"
  [ -n "$want" ] || die "Cargo.toml does not pin wasm-bindgen with '='"
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ]; then
    # Without --locked: one locked dependency of the CLI is missing from the registry here.
    say "cargo install wasm-bindgen-cli $want (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$want" --force --quiet || die "cargo install wasm-bindgen-cli $want failed"
  fi
}

ensure_node_modules() {
  have node || die "Node.js is missing: install Node.js 18.12 or newer (https://nodejs.org or your package manager)"
  have npm || die "npm is missing: it ships with Node.js"
  local stamp="$ROOT/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ] || [ "$ROOT/package.json" -nt "$stamp" ]; then
    say "npm ci"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  fi
}

ensure_build_tools() {
  ensure_rust
  ensure_wasm_pack
  ensure_wasm_bindgen
  ensure_node_modules
}

ensure_browsers() {
  local missing=()
  have chromium || missing+=(chromium)
  have chromedriver || missing+=(chromium-driver)
  have firefox-esr || have firefox || missing+=(firefox-esr)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  if ! have geckodriver; then
    say "cargo install geckodriver (a few minutes, once)"
    cargo install geckodriver --quiet || die "cargo install geckodriver failed"
  fi
  # geckodriver looks for a binary named `firefox`.
  if ! have firefox; then
    ln -sf "$(command -v firefox-esr)" "$TOOLS/firefox"
  fi
}

# --- WebKit (Safari's engine): issue 13 ------------------------------------------------------
# Debian's webkit2gtk-driver (WebKitWebDriver + MiniBrowser) and xvfb: MiniBrowser has no
# headless mode and needs an X display, which scripts/test-webkit.sh starts privately.
# `wasm-pack test --safari` looks for a binary named `safaridriver` on PATH.
WEBKIT_WEBDRIVER="${WEBKIT_WEBDRIVER:-/usr/bin/WebKitWebDriver}"
ensure_webkit() {
  local missing=()
  [ -x "$WEBKIT_WEBDRIVER" ] || missing+=(webkit2gtk-driver)
  have Xvfb || missing+=(xvfb)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  [ -x "$WEBKIT_WEBDRIVER" ] || die "$WEBKIT_WEBDRIVER is missing after installing webkit2gtk-driver"
  if [ "$(readlink "$TOOLS/safaridriver" 2>/dev/null)" != "$WEBKIT_WEBDRIVER" ]; then
    ln -sf "$WEBKIT_WEBDRIVER" "$TOOLS/safaridriver"
  fi
}
# --- end WebKit --------------------------------------------------------------------------------
