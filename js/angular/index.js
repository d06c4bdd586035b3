// `powerbi-token-refresh/angular`: injectTokenRefresher on the `web` entry, the one that builds in
// every Angular CLI app. The main entry needs wasm ES module integration, whose top-level await
// the application builder refuses beside zone.js. It waits for init() before the first refresher:
// init() shares one load between all its callers, so the app's own `init({ module_or_path })`
// (the .wasm's URL, see the README) is the one awaited when it ran first.
import init, { TokenRefresher } from "../web/powerbi_token_refresh.js";
import { makeInjectTokenRefresher } from "./inject.js";

export const injectTokenRefresher = makeInjectTokenRefresher(TokenRefresher, () => init());
