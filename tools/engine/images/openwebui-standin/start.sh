#!/usr/bin/env bash
# Like the official image's backend/start.sh in the one way that matters here: it execs the server,
# so the server is PID 1 and receives the SIGTERM of `docker stop` and of the provider's delete.
cd "$(dirname "$0")" || exit 1
exec python3 -u /app/standin.py
