// The Next.js config the README gives, plus what the test needs (tests/next-app.test.mjs): one
// build folder per bundler (NEXT_DIST_DIR) and, since the app's node_modules link to the
// workspace's, a root that holds both (PBI_WORKSPACE_ROOT).
const root = process.env.PBI_WORKSPACE_ROOT;

export default {
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  ...(root && { turbopack: { root }, outputFileTracingRoot: root }),
  // `next build --webpack` only (Turbopack needs nothing): the main entry imports its .wasm as an
  // ES module, which webpack 5 does with asyncWebAssembly; its loading code uses async functions,
  // which every browser with WebAssembly has (webpack warns otherwise). The web entry needs neither.
  webpack(config) {
    config.experiments = { ...config.experiments, asyncWebAssembly: true };
    config.output.environment = { ...config.output.environment, asyncFunction: true };
    return config;
  },
};
