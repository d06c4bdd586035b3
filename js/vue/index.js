// `powerbi-token-refresh/vue`: useTokenRefresher on the `web` entry, the one a Vite app loads
// with no plugin and no config (webpack 5 builds it as is too). The .wasm is fetched
// on the first embed, by init(), which shares one load between its callers: an app's own
// `init({ module_or_path })`, when it ran first, is the one awaited.
import init, { TokenRefresher } from "../web/powerbi_token_refresh.js";
import { makeUseTokenRefresher } from "./composable.js";

// Vite's dev server pre-bundles the package into node_modules/.vite/deps/ (or another cache
// folder's deps/), away from its .wasm, and init()'s default URL then points at nothing (a known
// Vite limit: vitejs/vite#8427). From there the package is at node_modules/powerbi-token-refresh/.
// Anywhere else (a build, another bundler, no bundler; pnpm's node_modules/.pnpm/ too) init()'s
// own URL is right.
function wasmLocation() {
  const deps = /^(.*?\/node_modules\/)\.[^?#]*\/deps\/[^/]*$/.exec(import.meta.url);
  return deps ? { module_or_path: `${deps[1]}powerbi-token-refresh/powerbi_token_refresh_bg.wasm` } : undefined;
}

export const useTokenRefresher = makeUseTokenRefresher(TokenRefresher, () => init(wasmLocation()));
