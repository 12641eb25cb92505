#!/usr/bin/env bash
# Builds the wasm package into pkg/ (wasm-pack, target web) and optimises it
# with wasm-opt. Skips the work when pkg/ is newer than every source file.
#   scripts/build-wasm.sh          release build (what the app and tests use)
#   scripts/build-wasm.sh --force  rebuild even if up to date
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

out=pkg/quiver_bg.wasm
if [ "${1:-}" != "--force" ] && [ -f "$out" ] && [ -z "$(find src Cargo.toml Cargo.lock .cargo -newer "$out" -print -quit)" ]; then
  exit 0
fi

echo "[build-wasm] wasm-pack build (release)"
# A failed build fails this script: an old pkg/ must never pass for a new one.
rm -f "$out"
wasm-pack build --target web --release --out-dir pkg --no-pack
test -f "$out"

# binaryen from npm: Debian's wasm-opt is too old for what rustc emits.
# -O3: the engine is speed-bound (the build prints the size: about 2.7 MB, 930 KB gzipped).
echo "[build-wasm] wasm-opt -O3"
node_modules/.bin/wasm-opt -O3 "$out" -o "$out.opt"
mv "$out.opt" "$out"
touch "$out"
printf '[build-wasm] %s: %s bytes, %s gzipped\n' "$out" "$(stat -c %s "$out")" "$(gzip -9 -c "$out" | wc -c)"
