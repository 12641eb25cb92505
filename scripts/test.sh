#!/usr/bin/env bash
# `npm test`: installs what is missing, then runs every test:
#   1. native Rust tests (unit, integration, property, doc), and the
#      differential test of the query engine against DuckDB
#   2. browser tests of the wasm binding (wasm-bindgen-test, headless Chromium)
#   3. TypeScript type check of the demo app
#   4. the file store (server/): unit tests, then HTTP tests of the binary on loopback
#   5. end-to-end tests (playwright-core + Chromium) against the built app
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n\033[1;34m== %s\033[0m\n' "$1"; }

step "native tests (cargo test)"
cargo test --all-targets --quiet
cargo test --doc --quiet

step "differential test against DuckDB (400 randomized queries)"
cargo build --quiet --example query_runner
.venv/bin/python tests/differential/differential.py target/debug/examples/query_runner --queries 400

step "browser tests (wasm-pack test --headless --chrome)"
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver} wasm-pack test --headless --chrome --test web

step "build: wasm package, sample data, demo app"
bash scripts/build-wasm.sh
bash scripts/sample-data.sh
node_modules/.bin/tsc -p js/tsconfig.json
node_modules/.bin/tsc -p www/tsconfig.json
node_modules/.bin/vite build --config www/vite.config.mjs --logLevel warn
node_modules/.bin/webpack --config webpack.config.js --stats errors-warnings

step "file store: build, unit tests, HTTP tests on loopback"
cargo build --quiet --profile store -p quiver-store
cargo test --quiet --profile store -p quiver-store
node --test --test-concurrency=1 tests/store/

step "end-to-end tests (playwright-core, headless Chromium)"
node --test --test-concurrency=1 tests/e2e/
