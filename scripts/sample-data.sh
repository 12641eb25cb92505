#!/usr/bin/env bash
# The demo's "sample sales file": 20,000 rows from the deterministic generator.
set -euo pipefail
cd "$(dirname "$0")/.."
out=www/public/samples/sales-sample.csv
if [ ! -f "$out" ] || [ bench/gen-sales.mjs -nt "$out" ]; then
  node bench/gen-sales.mjs --rows 20000 --out "$out"
fi
