// The app on the `web` entry, as a Vite app without plugins loads the package.
import init, { TokenRefresher } from "powerbi-token-refresh/web";
import { useTokenRefresher } from "powerbi-token-refresh/web/react";
import wasmUrl from "powerbi-token-refresh/powerbi_token_refresh_bg.wasm?url";
import { startApp } from "./app.jsx";

// Under Vite's dev server the package is pre-bundled away from its .wasm: hand init() its URL.
// The hook waits for this same load.
const ready = init({ module_or_path: wasmUrl });

startApp({ useTokenRefresher, TokenRefresher, ready, entry: "web" });
