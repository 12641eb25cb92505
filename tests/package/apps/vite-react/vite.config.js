// A fresh Vite app's configuration, as `npm create vite` writes it: nothing
// for Quiver (the package's worker and wasm must be found without help).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({ plugins: [react()] });
