// A webpack loader that compiles JSX with esbuild (React's automatic runtime), as Vite does.
const { transformSync } = require("esbuild");

module.exports = function jsxLoader(source) {
  return transformSync(source, { loader: "jsx", jsx: "automatic", sourcefile: this.resourcePath }).code;
};
