// The same app for Vite's dev server: its dependency optimizer bundles
// packages into node_modules/.vite/deps/, where the package's
// `new URL("./worker.js", import.meta.url)` would point at nothing, so the
// package is left out of it (the one line the README asks Vite users to add;
// `vite build` needs nothing).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({ plugins: [react()], optimizeDeps: { exclude: ["@quiver/client"] } });
