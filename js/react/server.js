// `powerbi-token-refresh/react` on the server (the `node` and `edge-light` export conditions):
// the same hook on the server build's TokenRefresher, so server rendering imports no .wasm. On
// the server React runs no effect, so the hook renders its idle state and constructs nothing.
import { TokenRefresher } from "../server/index.js";
import { makeUseTokenRefresher } from "./hook.js";

export const useTokenRefresher = makeUseTokenRefresher(TokenRefresher, () => true);
