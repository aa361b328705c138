#!/usr/bin/env bash
# Builds the Python environment of the real Open WebUI test image on the host, from PyPI, with
# Debian's python3.11 (the same interpreter, at the same path, as the image's Debian base), so the
# Dockerfile only copies it in: pip reaches PyPI from the host, where its configuration (index,
# certificates) lives, and never from inside a container.
#
#   build-venv.sh VENV_DIR
#
# What is installed: open-webui==$OPEN_WEBUI_VERSION without its dependency resolution, then every
# requirement it publishes, with its `postgres` extra (psycopg2-binary, pgvector: the driver and the
# vector store of the PostgreSQL stacks), except the two that pull torch (sentence-transformers,
# accelerate: on PyPI, x86_64 torch is the CUDA build, ~3 GB, and its import fails without the
# nvidia wheels). Without sentence-transformers, local embedding models are unavailable; the tests
# need none.
# The result is written atomically: VENV_DIR exists only when the install succeeded.
set -euo pipefail

VENV=${1:?usage: build-venv.sh VENV_DIR}
OPEN_WEBUI_VERSION=${OPEN_WEBUI_VERSION:-0.12.4}
PYTHON=/usr/bin/python3.11
# Requirements left out, and why (above).
EXCLUDED=${OPEN_WEBUI_EXCLUDED_REQUIREMENTS:-"sentence-transformers accelerate"}
EXTRAS=${OPEN_WEBUI_EXTRAS:-"postgres"}
# Bounds each pip step: a registry that stops answering ends the build with one line.
PIP_STEP_TIMEOUT=${PIP_STEP_TIMEOUT:-1200}

log() { echo "build-venv: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [ -d "$VENV" ]; then
  log "$VENV exists"
  exit 0
fi
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  [ "$(id -u)" = 0 ] || die "step 'python3.11-venv': Debian's python3.11 with venv is missing; install python3.11-venv as root"
  log "installing Debian's python3.11-venv"
  DEBIAN_FRONTEND=noninteractive apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3.11 python3.11-venv >&2 ||
    die "step 'python3.11-venv': apt-get could not install python3.11-venv"
fi

work="$VENV.partial"
rm -rf "$work"
trap 'rm -rf "$work"' EXIT
"$PYTHON" -m venv "$work"
pip=("$work/bin/python" -m pip --disable-pip-version-check --no-input --quiet)

log "open-webui==$OPEN_WEBUI_VERSION (no dependencies yet)"
timeout "$PIP_STEP_TIMEOUT" "${pip[@]}" install --no-deps "open-webui==$OPEN_WEBUI_VERSION" ||
  die "step 'pip install open-webui==$OPEN_WEBUI_VERSION' failed or took over ${PIP_STEP_TIMEOUT}s"

# Its published requirements: the unconditional ones and those of $EXTRAS, as its markers say.
requirements=$("$work/bin/python" - "$EXCLUDED" "$EXTRAS" <<'PY'
import sys
from importlib.metadata import requires
from pip._vendor.packaging.requirements import Requirement
excluded = {n.lower() for n in sys.argv[1].split()}
extras = [""] + sys.argv[2].split()
for line in requires("open-webui") or []:
    r = Requirement(line)
    if r.marker is not None and not any(r.marker.evaluate({"extra": e}) for e in extras):
        continue
    if r.name.lower() in excluded:
        continue
    # Without its marker: pip would evaluate `extra == ...` again, with no extra, and skip it.
    print(r.name + (f"[{','.join(sorted(r.extras))}]" if r.extras else "") + str(r.specifier))
PY
) || die "step 'read requirements': could not read open-webui's requirements"
printf '%s\n' "$requirements" >>"$work/requirements.txt"
log "installing $(wc -l <"$work/requirements.txt") requirements (extras: $EXTRAS; without: $EXCLUDED)"
timeout "$PIP_STEP_TIMEOUT" "${pip[@]}" install -r "$work/requirements.txt" ||
  die "step 'pip install requirements of open-webui==$OPEN_WEBUI_VERSION' failed or took over ${PIP_STEP_TIMEOUT}s"
# Byte-code is compiled at first start inside the image, not here: keep the copy small and clean.
find "$work" -name __pycache__ -type d -prune -exec rm -rf {} +
mv "$work" "$VENV"
trap - EXIT
log "$VENV: $(du -sh "$VENV" | cut -f1)"
