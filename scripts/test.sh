#!/usr/bin/env bash
# `npm test`: installs what is missing, then runs every test:
#   1. native Rust tests (unit, integration, property, doc), the
#      differential test of the query engine against DuckDB, and fuzzing
#   2. browser tests of the wasm binding (wasm-bindgen-test, headless Chromium)
#   3. TypeScript type check of the demo app
#   4. the file store (server/): unit tests, then HTTP tests of the binary on loopback
#   5. end-to-end tests (playwright-core + Chromium) against the built app
#   6. the npm package, the Django app and the Django + React example (issue 15)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n\033[1;34m== %s\033[0m\n' "$1"; }

step "native tests (cargo test)"
cargo test --all-targets --quiet
cargo test --doc --quiet

step "differential test against DuckDB (2 × 1,100 randomized queries: a fixed seed and a fresh one)"
cargo build --quiet --example query_runner
.venv/bin/python tests/differential/differential.py target/debug/examples/query_runner --queries 1100

step "fuzzing: every kept regression input, then 25 s per target from the committed corpora (scripts/fuzz.sh)"
bash scripts/fuzz.sh

step "browser tests (wasm-pack test --headless --chrome)"
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver} wasm-pack test --headless --chrome --test web

step "build: wasm package, sample data, demo app"
bash scripts/build-wasm.sh
bash scripts/sample-data.sh
node_modules/.bin/tsc -p js/tsconfig.json
node_modules/.bin/tsc -p www/tsconfig.json
node_modules/.bin/vite build --config www/vite.config.mjs --logLevel warn
node_modules/.bin/webpack --config webpack.config.js --stats errors-warnings
node scripts/size-budget.mjs

step "file store: build, unit tests, HTTP tests on loopback"
cargo build --quiet --profile store -p quiver-store
cargo test --quiet --profile store -p quiver-store
node --test --test-concurrency=1 tests/store/

step "end-to-end tests (playwright-core, headless Chromium); unit tests of the client's JS and the benchmark's answer comparison"
node --test bench/compare/answers.test.mjs tests/js/
node --test --test-concurrency=1 tests/e2e/

# ---- issue 15: the npm package, the Django file store app, the Django + React example ----
step "npm package (fresh Vite 5, latest Vite, webpack 5 and Django-template apps), the Django app, the Django + React example"
.venv/bin/python -m unittest discover -s python/django-quiver-files/tests -t python/django-quiver-files
node --test --test-concurrency=1 tests/package/ tests/django/
