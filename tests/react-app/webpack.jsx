// The app on the main entry, as webpack 5 with asyncWebAssembly loads the package: the .wasm is
// instantiated before this module runs.
import { TokenRefresher } from "powerbi-token-refresh";
import { useTokenRefresher } from "powerbi-token-refresh/react";
import { startApp } from "./app.jsx";

startApp({ useTokenRefresher, TokenRefresher, ready: Promise.resolve(), entry: "main" });
