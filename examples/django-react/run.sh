#!/usr/bin/env bash
# Runs the example: the Data Explorer on Django + React with Quiver
# (`npm run start:django`). Django on http://127.0.0.1:8000 (runserver), the
# Vite 5 dev server on http://127.0.0.1:5173 (open this one; it proxies /api
# to Django). Log in as `analyst` / `analyst` (created on the first run).
# Data (SQLite, uploaded files) in examples/django-react/data/.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup.sh
node -e 'import("./tests/package/harness.mjs").then((m) => m.tarball())'
(cd examples/django-react/frontend && npm install --no-audit --no-fund --no-package-lock --loglevel=error)
cd examples/django-react/backend
../../../.venv/bin/python manage.py migrate --noinput -v 0
../../../.venv/bin/python manage.py shell -c 'from django.contrib.auth.models import User; User.objects.filter(username="analyst").exists() or User.objects.create_user("analyst", password="analyst")'
../../../.venv/bin/python manage.py runserver 127.0.0.1:8000 &
django=$!
trap 'kill "$django" 2>/dev/null || true' EXIT INT TERM
cd ../frontend
echo "[example] open http://127.0.0.1:5173 (user analyst, password analyst)"
node_modules/.bin/vite
