// The Data Explorer's Vite 5 app. /api goes to Django (DJANGO_URL, default
// http://127.0.0.1:8000) through Vite's proxy, in `vite` and in `vite
// preview`: the page and the API share one origin, so the session cookie
// reaches Django from the page and from Quiver's worker alike. In
// production, serve dist/ and /api from one host the same way.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const api = { "/api": { target: process.env.DJANGO_URL ?? "http://127.0.0.1:8000", changeOrigin: false } };

export default defineConfig({
  plugins: [react()],
  // Quiver finds its worker and wasm next to its own modules; Vite's
  // dependency pre-bundling (dev server only) would move them.
  optimizeDeps: { exclude: ["@quiver/client"] },
  server: { host: "127.0.0.1", port: 5173, proxy: api },
  preview: { host: "127.0.0.1", port: Number(process.env.PORT ?? 4173), proxy: api },
  build: { chunkSizeWarningLimit: 6000 },
});
