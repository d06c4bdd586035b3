// The one setting the package needs from webpack 5: asyncWebAssembly.
const path = require("node:path");

module.exports = {
  mode: "production",
  entry: path.resolve(__dirname, "main.js"),
  output: { path: path.resolve(__dirname, "dist"), filename: "main.js", clean: true },
  experiments: { asyncWebAssembly: true },
};
