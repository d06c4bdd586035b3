#!/usr/bin/env bash
# `npm start`: build the package into pkg/, then serve the demo (www/) on http://localhost:8080
# with webpack-dev-server. PORT changes the port; DEMO_TOKEN_LIFETIME_SECONDS the lifetime of
# the tokens the local endpoint mints (default 180). Extra arguments go to `webpack serve`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The npm `binaryen` wasm-opt must come first on PATH (Debian's is too old); npm run does this
# already, this covers running the script directly.
export PATH="$PWD/node_modules/.bin:$PATH"

if [[ -f scripts/ensure-tools.sh ]]; then
  # shellcheck source=/dev/null
  source scripts/ensure-tools.sh
  if declare -F ensure_build_tools >/dev/null; then
    ensure_build_tools
  fi
fi

if [[ -f scripts/build.sh ]]; then
  bash scripts/build.sh
else
  wasm-pack build --release --target bundler --mode no-install
fi

exec npx webpack serve --config webpack.config.js "$@"
