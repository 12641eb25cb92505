#!/usr/bin/env bash
# `npm start`: installs what is missing, builds the wasm and the file store,
# writes the sample file, then runs the file store (server/, on
# http://127.0.0.1:8787, files in ./store-data; STORE_PORT to change) next to
# the demo app (http://127.0.0.1:5173, PORT to change; the Data Explorer is
# /explorer.html). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/build-wasm.sh
bash scripts/sample-data.sh
echo "[start] building the file store (first time: a few minutes)"
cargo build --quiet --profile store -p quiver-store
port=${PORT:-5173}
store_port=${STORE_PORT:-8787}
target/store/quiver-store --listen "127.0.0.1:$store_port" --store store-data \
  --cors-origin "http://127.0.0.1:$port" --cors-origin "http://localhost:$port" &
store_pid=$!
trap 'kill "$store_pid" 2>/dev/null || true' EXIT INT TERM
echo "[start] serving the demo on http://127.0.0.1:$port (Data Explorer: http://127.0.0.1:$port/explorer.html)"
VITE_STORE_URL="http://127.0.0.1:$store_port" node_modules/.bin/vite --config www/vite.config.mjs
