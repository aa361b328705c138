#!/usr/bin/env bash
# Build the two local test images without any container registry:
#
#   openwebui-valkey-test/valkey:8.0.1               Valkey 8.0.1, official-image layout
#   openwebui-valkey-test/open-webui-standin:2       Open WebUI stand-in (python3 + redis-py)
#
# No base image can be pulled, so a Debian bookworm root filesystem is made
# with `debootstrap --variant=minbase` from the mirror apt uses on this host,
# kept as a tarball in $IMAGE_CACHE, imported with `docker import`, and used
# as the FROM of both Dockerfiles (under images/).
#
# Environment:
#   IMAGE_CACHE     where the base tarball is kept (default ~/.cache/openwebui-valkey-test)
#   DEBIAN_MIRROR   override the mirror read from /etc/apt/sources.list{,.d}
#   FORCE_REBUILD=1 rebuild the two images even if the engine has them
#   ENGINE_DIR      if DOCKER_HOST is unset, $ENGINE_DIR/env (from docker-up.sh) is sourced
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ENGINE_DIR=${ENGINE_DIR:-/tmp/openwebui-valkey-engine}
IMAGE_CACHE=${IMAGE_CACHE:-$HOME/.cache/openwebui-valkey-test}
FORCE_REBUILD=${FORCE_REBUILD:-0}
SUITE=bookworm

BASE_IMAGE=openwebui-valkey-test/debian-base:$SUITE
VALKEY_IMAGE=openwebui-valkey-test/valkey:8.0.1
STANDIN_IMAGE=openwebui-valkey-test/open-webui-standin:2

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

# The first Debian mirror configured for $SUITE, from one-line .list files or
# deb822 .sources files (the Debian 12 default).
detect_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v suite="$SUITE" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }   # skip [options]
        if ($(i + 1) == suite) { print $i; exit }
      }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$SUITE" '
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
BASE_TAR="$IMAGE_CACHE/debian-$SUITE-minbase-$ARCH.tar"
log "mirror $MIRROR, arch $ARCH, cache $IMAGE_CACHE"

total_start=$(now)

# 1. The shared base root filesystem, cached as a tarball.
if [ -f "$BASE_TAR" ]; then
  log "base tarball cached: $BASE_TAR"
else
  [ "$(id -u)" = 0 ] || die "debootstrap needs root"
  if ! command -v debootstrap >/dev/null; then
    t=$(now)
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >&2
    took "apt-get install debootstrap" "$t"
  fi
  mkdir -p "$IMAGE_CACHE"
  work=$(mktemp -d "${TMPDIR:-/tmp}/openwebui-valkey-rootfs.XXXXXX")
  trap 'rm -rf --one-file-system "$work"' EXIT
  rootfs="$work/rootfs"

  include=()
  # apt inside the image needs the CA bundle to use an https mirror.
  case "$MIRROR" in https://*) include=(--include=ca-certificates) ;; esac

  t=$(now)
  log "debootstrap --variant=minbase $SUITE (log: $work/debootstrap.log)"
  if ! debootstrap --variant=minbase "${include[@]}" "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    die "debootstrap failed"
  fi
  took "debootstrap minbase $SUITE" "$t"

  t=$(now)
  # Trim it the way Debian's slim container images are trimmed, and keep
  # later package installs from adding docs, man pages and translations.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-container-minimal" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/lintian/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  # Package installs in a build must not try to start services.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    >"$rootfs/etc/apt/apt.conf.d/90-no-recommends"
  echo "deb $MIRROR $SUITE main" >"$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/log/apt/* "$rootfs"/var/log/dpkg.log "$rootfs"/var/log/bootstrap.log
  # Docker supplies these per container; the build host's values must not leak in.
  : >"$rootfs/etc/resolv.conf"
  : >"$rootfs/etc/hostname"
  tar -C "$rootfs" --numeric-owner -cf "$BASE_TAR.tmp" .
  mv "$BASE_TAR.tmp" "$BASE_TAR"
  rm -rf --one-file-system "$work"
  trap - EXIT
  took "trim + tar base" "$t"
  log "base tarball: $BASE_TAR ($(du -h "$BASE_TAR" | cut -f1))"
fi

# 2. The base image.
if image_exists "$BASE_IMAGE"; then
  log "$BASE_IMAGE exists"
else
  t=$(now)
  docker import --change 'CMD ["/bin/bash"]' --message "debootstrap --variant=minbase $SUITE" \
    - "$BASE_IMAGE" <"$BASE_TAR" >/dev/null
  took "docker import base" "$t"
fi

# 3. The two images. The legacy builder: the client has no buildx plugin
#    here, and BuildKit would try to resolve the FROM remotely. Host network
#    for RUN steps, because the engine from docker-up.sh gives containers no
#    route off the host.
build() { # build IMAGE DIR
  if image_exists "$1" && [ "$FORCE_REBUILD" != 1 ]; then
    log "$1 exists; skipped (FORCE_REBUILD=1 rebuilds it)"
    return
  fi
  local t
  t=$(now)
  log "building $1 from $2"
  DOCKER_BUILDKIT=0 docker build --network host \
    --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "DEBIAN_MIRROR=$MIRROR" \
    --label org.opencontainers.image.title="$1" --label openwebui-valkey-test=1 \
    -t "$1" "$2" >&2
  took "docker build $1" "$t"
}
build "$VALKEY_IMAGE" "$HERE/images/valkey"
build "$STANDIN_IMAGE" "$HERE/images/openwebui-standin"

took "total" "$total_start"
log "timings:"
for line in "${SUMMARY[@]}"; do log "  $line"; done
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^openwebui-valkey-test/' >&2 || true
