#!/usr/bin/env bash
# `npm run bench:ingest`: generates the sales files (10 MB, 100 MB; 1 GB with
# QUIVER_BENCH_1GB=1) and measures ingest natively and in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-wasm.sh
sizes=(10MB 100MB)
[ "${QUIVER_BENCH_1GB:-}" = "1" ] && sizes+=(1GB)
files=()
for size in "${sizes[@]}"; do
  f="bench-data/sales-$size.csv"
  [ -f "$f" ] || node bench/gen-sales.mjs --size "$size" --out "$f"
  files+=("$f")
done
echo "== native (cargo run --release --example ingest_bench)"
cargo run --quiet --release --example ingest_bench -- "${files[@]}" 2>/dev/null
echo "== headless Chromium, cold (first load after start-up)"
QUIVER_BENCH_COLD=1 node bench/ingest-browser.mjs "${files[@]}"
echo "== headless Chromium, after warmUp() at start-up"
node bench/ingest-browser.mjs "${files[@]}"
