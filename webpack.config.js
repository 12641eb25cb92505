// Builds the client library as one browser bundle for pages without a build
// step of their own (a Django template, say):
//
//   <script type="module">
//     import { Quiver } from "/static/quiver/quiver.js";
//     const ds = new Quiver().open(file);
//   </script>
//
// Output in dist/: quiver.js (ES module), the dataset worker, the wasm.
// `npx webpack` (run by `npm test` and `npm run build:bundle`).
import { fileURLToPath } from "node:url";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export default {
  mode: "production",
  // The library type is set on this entry only: the worker chunk webpack
  // makes for `new Worker(new URL("./worker.ts", import.meta.url))` is a
  // plain module, not a library.
  entry: { quiver: { import: here("./js/index.ts"), library: { type: "module" } } },
  experiments: { outputModule: true },
  output: {
    path: here("./dist"),
    filename: "[name].js",
    chunkFilename: "[name]-[contenthash:8].js",
    assetModuleFilename: "[name]-[contenthash:8][ext]",
    module: true,
    chunkFormat: "module",
    workerChunkLoading: "import",
    clean: true,
  },
  module: {
    rules: [
      {
        test: /\.ts$/,
        loader: "ts-loader",
        options: { transpileOnly: true, configFile: here("./js/tsconfig.json"), compilerOptions: { noEmit: false } },
      },
      { test: /\.wasm$/, type: "asset/resource" },
    ],
  },
  resolve: { extensions: [".ts", ".js"] },
  performance: { hints: false },
  devtool: false,
};
