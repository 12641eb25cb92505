import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
  resolve: {
    alias: {
      "@quiver/client/react": fileURLToPath(new URL("../js/react.ts", import.meta.url)),
      "@quiver/client": fileURLToPath(new URL("../js/index.ts", import.meta.url)),
    },
  },
  worker: { format: "es" },
  server: {
    host: "127.0.0.1",
    port: Number(process.env.PORT ?? 5173),
    // The wasm package lives in ../pkg.
    fs: { allow: [root] },
  },
  preview: { host: "127.0.0.1", port: Number(process.env.PORT ?? 4173) },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Graphic Walker (with Vega) is one 4 MB chunk, loaded by the explorer only.
    chunkSizeWarningLimit: 5000,
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL("index.html", import.meta.url)),
        explorer: fileURLToPath(new URL("explorer.html", import.meta.url)),
        check: fileURLToPath(new URL("walker-check.html", import.meta.url)),
      },
    },
  },
});
