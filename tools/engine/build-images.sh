#!/usr/bin/env bash
# Build the local test images without any container registry:
#
#   openwebui-valkey-test/valkey:8.0.1               Valkey 8.0.1, official-image layout   (bookworm)
#   openwebui-valkey-test/open-webui:0.12.4          the real Open WebUI 0.12.4 from PyPI, laid out
#                                                    like the official image              (bookworm)
#   openwebui-valkey-test/postgres-pgvector:17       PostgreSQL 17 + pgvector 0.8, laid out like
#                                                    pgvector/pgvector:0.8.0-pg17        (trixie)
#
# No base image can be pulled, so Debian root filesystems are made with
# `debootstrap --variant=minbase` from the mirror apt uses on this host, kept
# as tarballs in $IMAGE_CACHE, imported with `docker import` as
# openwebui-valkey-test/debian-base:<suite>, and used as the FROM of the
# Dockerfiles under images/. Bookworm serves Valkey and Open WebUI; trixie
# serves PostgreSQL, because only trixie packages pgvector (0.8.0 for 17).
# Open WebUI's Python environment is built on the host from PyPI by
# images/open-webui/build-venv.sh (kept in $IMAGE_CACHE) and copied in.
#
# Environment:
#   IMAGE_CACHE     where the base tarballs are kept (default ~/.cache/openwebui-valkey-test)
#   DEBIAN_MIRROR   override the mirror read from /etc/apt/sources.list{,.d}
#   FORCE_REBUILD=1 rebuild the images even if the engine has them
#   OPEN_WEBUI_VERSION  the open-webui release from PyPI (default 0.12.4; the tests map the
#                   component's default image to this one)
#   ENGINE_DIR      if DOCKER_HOST is unset, $ENGINE_DIR/env (from docker-up.sh) is sourced
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ENGINE_DIR=${ENGINE_DIR:-/tmp/openwebui-valkey-engine}
IMAGE_CACHE=${IMAGE_CACHE:-$HOME/.cache/openwebui-valkey-test}
FORCE_REBUILD=${FORCE_REBUILD:-0}
# The host's own suite: its entry in the apt sources names the mirror, which
# serves every suite.
HOST_SUITE=bookworm
if [ -r /etc/os-release ]; then
  HOST_SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
fi

base_image() { echo "openwebui-valkey-test/debian-base:$1"; }
VALKEY_IMAGE=openwebui-valkey-test/valkey:8.0.1
OPEN_WEBUI_VERSION=${OPEN_WEBUI_VERSION:-0.12.4}
OPEN_WEBUI_IMAGE=openwebui-valkey-test/open-webui:$OPEN_WEBUI_VERSION
POSTGRES_IMAGE=openwebui-valkey-test/postgres-pgvector:17

log() { echo "build-images: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Timing of each step, printed as it ends and summed up at the end.
SUMMARY=()
now() { date +%s.%N; }
took() { # took LABEL START
  local secs
  secs=$(awk -v a="$2" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
  log "$1 took ${secs}s"
  SUMMARY+=("$(printf '%-58s %6ss' "$1" "$secs")")
}

# The engine: the caller's DOCKER_HOST, else what docker-up.sh wrote.
if [ -z "${DOCKER_HOST:-}" ] && [ -f "$ENGINE_DIR/env" ]; then
  # shellcheck disable=SC1091
  . "$ENGINE_DIR/env"
fi
timeout 20 docker info >/dev/null 2>&1 || die "no Docker engine reachable; run tools/engine/docker-up.sh first"

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# The first Debian mirror configured for $HOST_SUITE, from one-line .list files or
# deb822 .sources files (the Debian 12 default).
detect_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v suite="$HOST_SUITE" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }   # skip [options]
        if ($(i + 1) == suite) { print $i; exit }
      }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$HOST_SUITE" '
      function flush() {
        if (enabled && types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uris != "") {
          split(uris, u, " "); print u[1]; found = 1; exit
        }
        types = ""; uris = ""; suites = ""; enabled = 1
      }
      BEGIN { enabled = 1 }
      /^[[:space:]]*$/ { flush(); next }
      /^#/ { next }
      tolower($1) == "types:"   { $1 = ""; types = $0 }
      tolower($1) == "uris:"    { $1 = ""; uris = $0 }
      tolower($1) == "suites:"  { $1 = ""; suites = $0 }
      tolower($1) == "enabled:" { enabled = (tolower($2) != "no") }
      END { if (!found) flush() }' "$f"
  done
}

MIRROR=${DEBIAN_MIRROR:-$(detect_mirror | head -n 1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
MIRROR=${MIRROR%/}
ARCH=$(dpkg --print-architecture)
log "mirror $MIRROR, arch $ARCH, cache $IMAGE_CACHE"

# 1. A base root filesystem per suite, cached as a tarball.
make_base_tar() { # make_base_tar SUITE TARBALL
  local suite=$1 tarball=$2 work rootfs t
  if [ -f "$tarball" ]; then
    log "base tarball cached: $tarball"
    return
  fi
  [ "$(id -u)" = 0 ] || die "debootstrap needs root"
  if ! command -v debootstrap >/dev/null; then
    t=$(now)
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >&2
    took "apt-get install debootstrap" "$t"
  fi
  # debootstrap knows a suite by its script; one older than the suite falls
  # back to sid's script, which fetches whatever suite it is given.
  local script=()
  if [ ! -e "/usr/share/debootstrap/scripts/$suite" ]; then
    [ -e /usr/share/debootstrap/scripts/sid ] || die "debootstrap has no script for $suite or sid"
    log "debootstrap has no script for $suite; using sid's"
    script=(/usr/share/debootstrap/scripts/sid)
  fi
  mkdir -p "$IMAGE_CACHE"
  work=$(mktemp -d "${TMPDIR:-/tmp}/openwebui-valkey-rootfs.XXXXXX")
  rootfs="$work/rootfs"
  # Every path below is inside $rootfs: refuse to go on if it is not a
  # directory of its own under the new temporary one.
  case "$rootfs" in /?*/rootfs) ;; *) die "unexpected rootfs path '$rootfs'" ;; esac
  # shellcheck disable=SC2064 # expand $work now: it is local to this function
  trap "rm -rf --one-file-system '$work'" EXIT

  local include=()
  # apt inside the image needs the CA bundle to use an https mirror.
  case "$MIRROR" in https://*) include=(--include=ca-certificates) ;; esac

  t=$(now)
  log "debootstrap --variant=minbase $suite (log: $work/debootstrap.log)"
  if ! debootstrap --variant=minbase "${include[@]}" "$suite" "$rootfs" "$MIRROR" "${script[@]}" \
    >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    die "debootstrap $suite failed"
  fi
  took "debootstrap minbase $suite" "$t"
  [ -x "$rootfs/usr/bin/apt-get" ] || die "debootstrap left no usable root filesystem in $rootfs"

  t=$(now)
  # Trim it the way Debian's slim container images are trimmed, and keep
  # later package installs from adding docs, man pages and translations.
  printf '%s\n' \
    'path-exclude /usr/share/doc/*' \
    'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' \
    'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/locale/*' \
    'path-include /usr/share/locale/locale.alias' \
    'path-exclude /usr/share/lintian/*' \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/01-container-minimal"
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/lintian/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  # Package installs in a build must not try to start services.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    >"$rootfs/etc/apt/apt.conf.d/90-no-recommends"
  if [ "$suite" = bookworm ]; then
    echo "deb $MIRROR $suite main" >"$rootfs/etc/apt/sources.list"
  else
    # From trixie on, deb822 is apt's own format; a sources.list draws a notice.
    rm -f "$rootfs/etc/apt/sources.list"
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$MIRROR" "$suite" >"$rootfs/etc/apt/sources.list.d/debian.sources"
  fi
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/log/apt/* "$rootfs"/var/log/dpkg.log "$rootfs"/var/log/bootstrap.log
  # Docker supplies these per container; the build host's values must not leak in.
  : >"$rootfs/etc/resolv.conf"
  : >"$rootfs/etc/hostname"
  tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf --one-file-system "$work"
  trap - EXIT
  took "trim + tar base $suite" "$t"
  log "base tarball: $tarball ($(du -h "$tarball" | cut -f1))"
}

# 2. The base image of a suite, imported from its tarball.
base() { # base SUITE
  local suite=$1 image tarball t
  image=$(base_image "$suite")
  tarball="$IMAGE_CACHE/debian-$suite-minbase-$ARCH.tar"
  make_base_tar "$suite" "$tarball"
  if image_exists "$image"; then
    log "$image exists"
    return
  fi
  t=$(now)
  docker import --change 'CMD ["/bin/bash"]' --message "debootstrap --variant=minbase $suite" \
    - "$image" <"$tarball" >/dev/null
  took "docker import base $suite" "$t"
}

# 3. The images. The legacy builder: the client has no buildx plugin here,
#    and BuildKit would try to resolve the FROM remotely. Host network for RUN
#    steps, because the engine from docker-up.sh gives containers no route off
#    the host.
build() { # build IMAGE DIR SUITE
  if image_exists "$1" && [ "$FORCE_REBUILD" != 1 ]; then
    log "$1 exists; skipped (FORCE_REBUILD=1 rebuilds it)"
    return
  fi
  local t
  t=$(now)
  log "building $1 from $2"
  DOCKER_BUILDKIT=0 docker build --network host \
    --build-arg "BASE_IMAGE=$(base_image "$3")" --build-arg "DEBIAN_MIRROR=$MIRROR" \
    --label org.opencontainers.image.title="$1" --label openwebui-valkey-test=1 \
    -t "$1" "$2" >&2
  took "docker build $1" "$t"
}

# 4. The real Open WebUI: its virtual environment from PyPI, built on the host and cached, then a
#    build context of hard links (no copy of 1.6 GB) next to it.
build_open_webui() {
  if image_exists "$OPEN_WEBUI_IMAGE" && [ "$FORCE_REBUILD" != 1 ]; then
    log "$OPEN_WEBUI_IMAGE exists; skipped (FORCE_REBUILD=1 rebuilds it)"
    return
  fi
  # The name changes with build-venv.sh, so an edited recipe never reuses an older environment.
  local venv context t
  venv="$IMAGE_CACHE/open-webui-$OPEN_WEBUI_VERSION-venv-$(cksum <"$HERE/images/open-webui/build-venv.sh" | cut -d' ' -f1)"
  if [ ! -d "$venv" ]; then
    # environments of older recipes or releases: 1.6 GB each
    find "$IMAGE_CACHE" -maxdepth 1 -name 'open-webui-*-venv-*' -not -name "$(basename "$venv")" -exec rm -rf {} +
    t=$(now)
    OPEN_WEBUI_VERSION=$OPEN_WEBUI_VERSION bash "$HERE/images/open-webui/build-venv.sh" "$venv" ||
      die "step 'open-webui $OPEN_WEBUI_VERSION from PyPI' failed (see above)"
    took "pip install open-webui $OPEN_WEBUI_VERSION (host venv)" "$t"
  fi
  context="$IMAGE_CACHE/open-webui-$OPEN_WEBUI_VERSION-context"
  rm -rf "$context"
  mkdir -p "$context"
  cp "$HERE/images/open-webui/Dockerfile" "$HERE/images/open-webui/start.sh" "$context/"
  cp -al "$venv" "$context/venv"
  t=$(now)
  log "building $OPEN_WEBUI_IMAGE"
  if ! DOCKER_BUILDKIT=0 docker build --network host \
    --build-arg "BASE_IMAGE=$(base_image bookworm)" \
    --label org.opencontainers.image.title="$OPEN_WEBUI_IMAGE" --label openwebui-valkey-test=1 \
    --label org.opencontainers.image.version="$OPEN_WEBUI_VERSION" \
    -t "$OPEN_WEBUI_IMAGE" "$context" >&2; then
    rm -rf "$context"
    die "step 'docker build $OPEN_WEBUI_IMAGE' failed (see above)"
  fi
  rm -rf "$context"
  took "docker build $OPEN_WEBUI_IMAGE" "$t"
}

total_start=$(now)
base bookworm
build "$VALKEY_IMAGE" "$HERE/images/valkey" bookworm
build_open_webui
base trixie
build "$POSTGRES_IMAGE" "$HERE/images/postgres" trixie

took "total" "$total_start"
log "timings:"
for line in "${SUMMARY[@]}"; do log "  $line"; done
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^openwebui-valkey-test/' >&2 || true
