// `powerbi-token-refresh/web/react`: useTokenRefresher on the `web` entry (Vite without plugins,
// plain module scripts). It waits for init() before the first refresher: init() shares one load
// between all its callers, so an app's own `init({ module_or_path })` is the one awaited when it
// ran first; otherwise this bare init() fetches the .wasm next to the package.
import init, { TokenRefresher } from "../web/powerbi_token_refresh.js";
import { makeUseTokenRefresher } from "./hook.js";

export const useTokenRefresher = makeUseTokenRefresher(TokenRefresher, () => init());
