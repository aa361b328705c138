#!/usr/bin/env bash
# Stop the dockerd that docker-up.sh started (and only that one, found by its
# pidfile), then remove everything it left: mounts under $ENGINE_DIR, the
# bridge docker-up created, and $ENGINE_DIR itself.
#
# Environment: ENGINE_DIR (default /tmp/openwebui-valkey-engine),
#              ENGINE_STOP_WAIT seconds before SIGKILL (default 30).
set -euo pipefail

ENGINE_DIR=${ENGINE_DIR:-/tmp/openwebui-valkey-engine}
ENGINE_STOP_WAIT=${ENGINE_STOP_WAIT:-30}
PIDFILE="$ENGINE_DIR/dockerd.pid"
MARKER="$ENGINE_DIR/.openwebui-valkey-engine"

log() { echo "docker-down: $*" >&2; }

if [ ! -d "$ENGINE_DIR" ]; then
  log "$ENGINE_DIR does not exist; nothing to do"
  exit 0
fi
# Never rm -rf a directory docker-up did not make (a mistyped ENGINE_DIR).
if [ ! -f "$MARKER" ]; then
  log "ERROR: $ENGINE_DIR was not created by docker-up.sh (no marker); refusing to touch it"
  exit 1
fi

# 0. Note the bridges of user-defined networks while the API still answers:
#    dockerd leaves their interfaces behind when it stops.
net_bridges=()
if [ -S "$ENGINE_DIR/docker.sock" ]; then
  mapfile -t net_bridges < <(
    DOCKER_HOST="unix://$ENGINE_DIR/docker.sock" timeout 20 docker network ls -q --filter driver=bridge 2>/dev/null |
      while read -r id; do
        DOCKER_HOST="unix://$ENGINE_DIR/docker.sock" timeout 10 docker network inspect \
          --format '{{.Id}} {{with index .Options "com.docker.network.bridge.name"}}{{.}}{{end}}' "$id" 2>/dev/null
      done | awk '{ print (NF > 1 ? $2 : "br-" substr($1, 1, 12)) }'
  ) || true
fi

# 1. Stop our daemon. The pid must still be a dockerd, so a recycled pid is
#    never signalled. SIGTERM lets dockerd stop its containers and its own
#    containerd cleanly.
if [ -f "$PIDFILE" ]; then
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  if [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = dockerd ]; then
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    waited=0
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$waited" -ge $((ENGINE_STOP_WAIT * 2)) ]; then
        log "dockerd still running after ${ENGINE_STOP_WAIT}s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
        break
      fi
      sleep 0.5
      waited=$((waited + 1))
    done
  else
    log "pidfile names no running dockerd; nothing to stop"
  fi
fi

# 2. The managed containerd and its shims are children of our daemon and
#    normally exit with it. Any that outlived it are found by their command
#    line, which contains $ENGINE_DIR (never by name alone).
for proc in /proc/[0-9]*; do
  p=${proc#/proc/}
  cmd=$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null || true)
  case "$cmd" in
    *containerd*"$ENGINE_DIR/"*)
      log "killing leftover $(cat "$proc/comm" 2>/dev/null) (pid $p)"
      kill -KILL "$p" 2>/dev/null || true ;;
  esac
done

# 2b. Container processes still alive (the daemon crashed or needed SIGKILL,
#     so nobody stopped them): end everything in our cgroup parent, then
#     remove the empty cgroup directories.
if [ -f "$ENGINE_DIR/cgroup-parent" ]; then
  cg=$(cat "$ENGINE_DIR/cgroup-parent")
  if [ -n "$cg" ]; then
    mapfile -t cgdirs < <(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "$cg" 2>/dev/null)
    if [ "${#cgdirs[@]}" -gt 0 ]; then
      for _ in 1 2 3; do
        pids=$(find "${cgdirs[@]}" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
        [ -z "$pids" ] && break
        log "ending leftover container processes: $(echo "$pids" | tr '\n' ' ')"
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
        sleep 1
      done
      find "${cgdirs[@]}" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    fi
  fi
fi

# 3. Unmount whatever is still mounted below $ENGINE_DIR (overlay layers,
#    network namespaces, shm), deepest first.
dir=$(readlink -f "$ENGINE_DIR")
mapfile -t mounts < <(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
for m in "${mounts[@]}"; do
  umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
done

# 4. The bridge docker-up created for the default network.
if [ -f "$ENGINE_DIR/bridge" ]; then
  br=$(cat "$ENGINE_DIR/bridge")
  if [ -n "$br" ] && ip link show "$br" >/dev/null 2>&1; then
    ip link delete "$br" type bridge || log "could not delete bridge $br"
  fi
fi

# 4b. Bridges of user-defined networks (br-<id>) that dockerd left behind.
for br in "${net_bridges[@]}"; do
  case "$br" in br-*) ip link delete "$br" type bridge 2>/dev/null && log "deleted bridge $br" ;; esac
done

# 5. The state directory. --one-file-system: should a mount have survived,
#    do not delete through it.
rm -rf --one-file-system "$ENGINE_DIR"
log "removed $ENGINE_DIR"
