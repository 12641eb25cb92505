import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { cpSync, mkdirSync } from "node:fs";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Graphic Walker 0.5 links two files from CDNs: Leaflet's stylesheet (for
 * map charts) and the Kanaries logo. The explorer must work offline, so the
 * stylesheet is served from the app (the same Leaflet 1.9.4 file, which its
 * integrity hash checks) and the logo falls back to the one bundled.
 */
function offlineGraphicWalker() {
  const leaflet = fileURLToPath(new URL("../node_modules/leaflet/dist/", import.meta.url));
  const vendor = fileURLToPath(new URL("public/vendor/leaflet/", import.meta.url));
  return {
    name: "offline-graphic-walker",
    buildStart() {
      mkdirSync(vendor, { recursive: true });
      cpSync(`${leaflet}leaflet.css`, `${vendor}leaflet.css`);
      cpSync(`${leaflet}images`, `${vendor}images`, { recursive: true });
    },
    transform: localLinks,
  };
}

/** Graphic Walker's CDN links → the app's own files (see `offlineGraphicWalker`). */
function localLinks(code, id) {
  if (!id.includes("@kanaries/graphic-walker")) return null;
  return code
    .replaceAll("https://unpkg.com/leaflet@1.9.4/dist/leaflet.css", "/vendor/leaflet/leaflet.css")
    .replace(/https:\/\/imagedelivery\.net\/[^"'`]+/g, "data:,");
}

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react(), offlineGraphicWalker()],
  resolve: {
    alias: {
      "@quiver/client/react": fileURLToPath(new URL("../js/react.ts", import.meta.url)),
      "@quiver/client": fileURLToPath(new URL("../js/index.ts", import.meta.url)),
    },
  },
  worker: { format: "es" },
  // The dev server pre-bundles dependencies without the app's plugins: the
  // same rewrite there, so `npm start` is offline too.
  optimizeDeps: { rolldownOptions: { plugins: [{ name: "offline-graphic-walker-deps", transform: localLinks }] } },
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
