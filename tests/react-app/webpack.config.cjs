// webpack 5 for the same app on the package's main entry: asyncWebAssembly, as the package
// needs, and JSX compiled by esbuild (jsx-loader.cjs) rather than Babel. Development mode, so
// React is its development build and StrictMode mounts effects twice.
const path = require("node:path");

module.exports = {
  mode: "development",
  devtool: false,
  entry: path.resolve(__dirname, "webpack.jsx"),
  output: { path: path.resolve(__dirname, "dist"), filename: "main.js", clean: true },
  experiments: { asyncWebAssembly: true },
  module: { rules: [{ test: /\.jsx$/, loader: path.resolve(__dirname, "jsx-loader.cjs") }] },
  resolve: { extensions: [".js", ".jsx"] },
};
