#!/usr/bin/env bash
# Installs everything Quiver's build and tests need, on a fresh Debian machine
# that has only rustup/cargo, node/npm and apt. Idempotent: every step checks
# first, so a second run takes a second or two.
#
#   scripts/setup.sh            toolchain + npm packages + browser
#   QUIVER_SETUP_QUICK=1 ...    skip the checks (used by scripts that already ran it)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${QUIVER_SETUP_DONE:-}" = "1" ]; then exit 0; fi

# Must match the `wasm-bindgen = "=X"` pin in Cargo.toml: the CLI and the crate
# have to agree exactly.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml | head -n1)
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# --- Rust target -----------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# --- wasm-bindgen CLI (exact version) and wasm-pack ------------------------
if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  # No --locked: the registry mirror lags some of the CLI's lock file entries.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if ! command -v wasm-pack >/dev/null; then
  say "installing wasm-pack (a few minutes, once)"
  cargo install wasm-pack
fi

# --- Fuzzing: the nightly toolchain and cargo-fuzz (scripts/fuzz.sh) -------
if ! cargo +nightly --version >/dev/null 2>&1; then
  say "installing the nightly Rust toolchain (for cargo fuzz)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz (a few minutes, once)"
  cargo install cargo-fuzz --locked
fi

# --- System packages: Chromium for browser tests, binaryen for wasm-opt ----
need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
command -v wasm-opt >/dev/null || need_apt+=(binaryen)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing ${need_apt[*]} with apt"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# --- Python + DuckDB for the differential test ------------------------------
DUCKDB_VERSION=2.0.1
if ! .venv/bin/python -c "import duckdb, sys; sys.exit(duckdb.__version__ != '$DUCKDB_VERSION')" 2>/dev/null; then
  say "creating .venv with duckdb $DUCKDB_VERSION (the reference engine of the differential test)"
  python3 -m venv .venv
  .venv/bin/pip install --quiet "duckdb==$DUCKDB_VERSION"
fi

# moto: an S3-compatible server, so the file store's S3 path is tested offline.
MOTO_VERSION=5.2.5
if ! .venv/bin/python -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  say "installing moto $MOTO_VERSION (an S3-compatible server for the file store's tests)"
  .venv/bin/pip install --quiet "moto[server]==$MOTO_VERSION"
fi

# Django: the file store as a Django app (python/django-quiver-files, installed
# editable) and the Django + React example (examples/django-react), pinned.
DJANGO_PINS="django==5.2.19 djangorestframework==3.18.3 django-cors-headers==4.9.0 django-storages==1.14.6 boto3==1.44.8 gunicorn==27.0.1 pandas==3.1.1"
if ! .venv/bin/python - "$PWD" $DJANGO_PINS <<'PY' 2>/dev/null
import importlib.metadata as m, os, sys
import quiver_files
root, pins = sys.argv[1], sys.argv[2:]
ok = all(m.version(p.split("==")[0]) == p.split("==")[1] for p in pins)
sys.exit(0 if ok and os.path.realpath(quiver_files.__file__).startswith(os.path.realpath(root) + "/") else 1)
PY
then
  say "installing Django, DRF, django-cors-headers, django-storages, gunicorn, pandas and the quiver_files app into .venv"
  .venv/bin/pip install --quiet $DJANGO_PINS
  .venv/bin/pip install --quiet --no-deps -e python/django-quiver-files
fi

# --- npm packages ------------------------------------------------------------
# Re-install only when package-lock.json changed since the last install.
stamp=node_modules/.quiver-setup-stamp
lock_sum=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  say "installing npm packages"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
  lock_sum=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)
  echo "$lock_sum" > "$stamp"
fi
