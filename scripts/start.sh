#!/usr/bin/env bash
# `npm start`: installs what is missing, builds the wasm, writes the sample
# file and serves the demo app on http://127.0.0.1:5173 (PORT to change).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-wasm.sh
bash scripts/sample-data.sh
echo "[start] serving the demo on http://127.0.0.1:${PORT:-5173}"
exec node_modules/.bin/vite --config www/vite.config.mjs
