// `powerbi-token-refresh/react`: useTokenRefresher on the main entry (bundlers that instantiate
// the .wasm as an ES module, e.g. webpack 5 with asyncWebAssembly): ready as soon as imported.
import { TokenRefresher } from "../powerbi_token_refresh.js";
import { makeUseTokenRefresher } from "./hook.js";

export const useTokenRefresher = makeUseTokenRefresher(TokenRefresher, () => true);
