// The demo that `npm start` serves: www/index.js bundled with the package built into pkg/,
// www/ served as static files, and the local token endpoint (www/token-endpoint.cjs) mounted
// under /api. Environment: PORT (default 8080), DEMO_TOKEN_LIFETIME_SECONDS (default 180); and for
// a real report instead of the simulated embed, all of PBI_TENANT_ID, PBI_CLIENT_ID,
// PBI_CLIENT_SECRET, PBI_WORKSPACE_ID, PBI_REPORT_ID (optional: PBI_AAD_BASE, PBI_API_BASE) —
// see www/powerbi-backend.cjs.

const path = require("node:path");
const { createTokenEndpoint, lifetimeFromEnv } = require("./www/token-endpoint.cjs");
const { powerBiFromEnv } = require("./www/powerbi-backend.cjs");

const www = path.resolve(__dirname, "www");

module.exports = {
  mode: process.env.NODE_ENV === "production" ? "production" : "development",
  devtool: "source-map",
  entry: path.join(www, "index.js"),
  output: {
    path: path.resolve(__dirname, "dist"),
    filename: "bundle.js",
    publicPath: "/",
    clean: true,
  },
  resolve: {
    // The package as wasm-pack builds it (`--target bundler`).
    alias: { "powerbi-token-refresh": path.resolve(__dirname, "pkg") },
  },
  experiments: { asyncWebAssembly: true },
  performance: { hints: false },
  devServer: {
    host: "localhost",
    port: Number(process.env.PORT) || 8080,
    static: { directory: www },
    hot: false,
    client: { logging: "warn", overlay: { warnings: false } },
    setupMiddlewares(middlewares) {
      const powerBi = powerBiFromEnv(); // null without PBI_* variables: the simulated embed
      const endpoint = createTokenEndpoint({ lifetimeSeconds: lifetimeFromEnv(), powerBi });
      middlewares.unshift({ name: "demo-token-endpoint", middleware: endpoint.middleware });
      console.log(
        powerBi
          ? `[token-endpoint] Power BI mode: GET /api/token calls GenerateToken for report ${powerBi.reportId}` +
              ` in workspace ${powerBi.workspaceId}`
          : `[token-endpoint] simulated mode: GET /api/token mints tokens that live ${endpoint.state.lifetimeSeconds} s` +
              " (DEMO_TOKEN_LIFETIME_SECONDS); set the PBI_* variables for a real report",
      );
      return middlewares;
    },
  },
};
