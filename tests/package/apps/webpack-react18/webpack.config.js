// A fresh webpack 5 app's configuration: an entry, an output, nothing for
// Quiver (webpack finds the package's worker and wasm through their
// `new URL(..., import.meta.url)`).
import { fileURLToPath } from "node:url";

export default {
  mode: "production",
  entry: "./src/main.js",
  output: { path: fileURLToPath(new URL("./dist", import.meta.url)), filename: "main.js", publicPath: "auto" },
  performance: { hints: false },
};
