#!/usr/bin/env bash
# Starts Open WebUI the way the official image's backend/start.sh does where the component depends on
# it: a WEBUI_SECRET_KEY from the environment (else one generated once into the data directory),
# HOST/PORT/UVICORN_WORKERS from the environment, and `exec` so that uvicorn is PID 1 and receives the
# SIGTERM of `docker stop` and of the provider's delete.
set -euo pipefail
cd "$(dirname "$0")"

if [ -z "${WEBUI_SECRET_KEY:-}${WEBUI_JWT_SECRET_KEY:-}" ]; then
  key_file="${DATA_DIR:-/app/backend/data}/.webui_secret_key"
  if [ ! -s "$key_file" ]; then
    echo "start.sh: generating WEBUI_SECRET_KEY into $key_file"
    head -c 24 /dev/urandom | base64 >"$key_file"
  fi
  WEBUI_SECRET_KEY=$(cat "$key_file")
  export WEBUI_SECRET_KEY
fi

exec python3 -m uvicorn open_webui.main:app \
  --host "${HOST:-0.0.0.0}" --port "${PORT:-8080}" \
  --forwarded-allow-ips '*' --workers "${UVICORN_WORKERS:-1}" --ws auto
