#!/usr/bin/env bash
# Remove the swarm that swarm-up.sh built, and everything it left: every node leaves the swarm,
# each node's dockerd stops (SIGKILL after SWARM_STOP_WAIT), then whatever outlived it is ended
# (containerd and its shims, docker-proxy, container processes: found by network namespace,
# command line and cgroup parent, never by name alone), mounts under $SWARM_DIR are unmounted,
# the namespaces, veths, host bridge and firewall rule deleted, and $SWARM_DIR removed (only if
# it carries swarm-up's marker). Safe to run twice and after a half-failed swarm-up.
#
# Environment: the same SWARM_DIR, SWARM_BRIDGE, SWARM_NODE_NAMESPACES as swarm-up.sh (what
#              $SWARM_DIR/state records wins), SWARM_STOP_WAIT seconds before SIGKILL (default 20).
set -euo pipefail

SWARM_DIR=${SWARM_DIR:-/tmp/openwebui-valkey-swarm}
SWARM_BRIDGE=${SWARM_BRIDGE:-owvswarm0}
SWARM_NODE_NAMESPACES=${SWARM_NODE_NAMESPACES:-owv-swarm-1 owv-swarm-2 owv-swarm-3}
SWARM_STOP_WAIT=${SWARM_STOP_WAIT:-20}
MARKER="$SWARM_DIR/.openwebui-valkey-swarm"
LOCKFILE="${SWARM_DIR%/}.lock"

log() { echo "swarm-down: $*" >&2; }
now() { date +%s.%N; }
START=$(now)
LAP=$START
lap() { # how long the step that just ended took
  local t; t=$(now)
  log "$1: $(awk -v a="$LAP" -v b="$t" 'BEGIN { printf "%.1f", b - a }')s"
  LAP=$t
}

[ "$(id -u)" = 0 ] || { log "ERROR: needs root"; exit 1; }

# swarm-up.sh holds the lock when it calls us after a failure.
if [ "${SWARM_LOCK_HELD:-0}" != 1 ]; then
  exec 9>"$LOCKFILE"
  flock -w 600 9 || { log "ERROR: another swarm-up or swarm-down holds $LOCKFILE"; exit 1; }
fi

if [ -e "$SWARM_DIR" ] && [ ! -f "$MARKER" ]; then
  log "ERROR: $SWARM_DIR was not created by swarm-up.sh (no marker); refusing to touch it"
  exit 1
fi

# What swarm-up recorded (names it used), else the same defaults it uses.
BRIDGE=$SWARM_BRIDGE
NAMESPACES=$SWARM_NODE_NAMESPACES
VETHS="${SWARM_BRIDGE}n1 ${SWARM_BRIDGE}n2 ${SWARM_BRIDGE}n3"
cg_sum=$(printf '%s' "$SWARM_DIR" | cksum | cut -d' ' -f1)
CGROUPS="openwebui-valkey-swarm-n1-$cg_sum openwebui-valkey-swarm-n2-$cg_sum openwebui-valkey-swarm-n3-$cg_sum"
if [ -f "$SWARM_DIR/state" ]; then
  # shellcheck disable=SC1091
  . "$SWARM_DIR/state"
fi
read -r -a NSS <<<"$NAMESPACES"

ns_exists() { [ -e "/run/netns/$1" ]; }
sock() { echo "$SWARM_DIR/node$1/docker.sock"; }
dk() { local n=$1; shift; DOCKER_HOST="unix://$(sock "$n")" timeout 20 docker "$@"; }
answers() { [ -S "$(sock "$1")" ] && dk "$1" version >/dev/null 2>&1; }

# 1. Leave the swarm (workers first, the manager last) and stop the containers right away:
#    a dockerd that stops them itself waits their whole stop timeout.
for n in 3 2 1; do
  if answers "$n"; then
    dk "$n" swarm leave --force >/dev/null 2>&1 && log "node $n left the swarm" || true
    ids=$(dk "$n" ps -q 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -n "$ids" ] && dk "$n" kill $ids >/dev/null 2>&1 || true
  fi
done

lap "left the swarm, containers killed"

# 2. Stop every node's dockerd (all at once), only a pid that is still a dockerd.
pids=()
for n in 1 2 3; do
  pf="$SWARM_DIR/node$n/dockerd.pid"
  [ -f "$pf" ] || continue
  pid=$(cat "$pf" 2>/dev/null || true)
  if [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = dockerd ]; then
    log "stopping node $n's dockerd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
  fi
done
waited=0
for pid in "${pids[@]}"; do
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge $((SWARM_STOP_WAIT * 4)) ]; then
      log "dockerd $pid still running after ${SWARM_STOP_WAIT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.25
    waited=$((waited + 1))
  done
done

lap "dockerds stopped"

# 3. Whatever outlived its dockerd (a daemon that crashed, was killed, or a half-failed start):
#    a. every process in a node's network namespace (dockerd, containerd, docker-proxy, shims);
#    b. containerd processes whose command line names $SWARM_DIR;
#    c. every process in a node's cgroup parent (the containers themselves).
kill_list() { # kill_list WHAT PID...
  local what=$1; shift
  [ "$#" -gt 0 ] || return 0
  log "ending $what: $*"
  kill -KILL "$@" 2>/dev/null || true
}
for _ in 1 2 3; do
  left=()
  for ns in "${NSS[@]}"; do
    ns_exists "$ns" || continue
    mapfile -t p < <(ip netns pids "$ns" 2>/dev/null || true)
    left+=("${p[@]}")
  done
  for proc in /proc/[0-9]*; do
    cmd=$( { tr '\0' ' ' <"$proc/cmdline"; } 2>/dev/null || true)
    case "$cmd" in *containerd*"$SWARM_DIR/"*) left+=("${proc#/proc/}") ;; esac
  done
  for cg in $CGROUPS; do
    mapfile -t dirs < <(find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "$cg" 2>/dev/null)
    [ "${#dirs[@]}" -gt 0 ] || continue
    mapfile -t p < <(find "${dirs[@]}" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
    left+=("${p[@]}")
  done
  [ "${#left[@]}" -gt 0 ] || break
  kill_list "leftover processes" $(printf '%s\n' "${left[@]}" | sort -un)
  sleep 0.5
done
for cg in $CGROUPS; do
  find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "$cg" 2>/dev/null |
    while read -r d; do find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true; done
done

# 4. Unmount whatever is still mounted below $SWARM_DIR (overlay layers, container and overlay
#    network namespaces, shm, secrets), deepest first.
if [ -d "$SWARM_DIR" ]; then
  dir=$(readlink -f "$SWARM_DIR")
  mapfile -t mounts < <(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  for m in "${mounts[@]}"; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done
fi

lap "leftovers ended, mounts gone"

# 5. Namespaces (their ends of the veths go with them), veths, the bridge, the firewall rule.
for ns in "${NSS[@]}" "${NSS[0]}-probe"; do
  ns_exists "$ns" && { ip netns delete "$ns" && log "deleted namespace $ns" || log "could not delete namespace $ns"; }
done
for v in $VETHS; do
  ip link show "$v" >/dev/null 2>&1 && { ip link delete "$v" 2>/dev/null || log "could not delete $v"; }
done
if ip link show "$BRIDGE" >/dev/null 2>&1; then
  ip link delete "$BRIDGE" type bridge && log "deleted bridge $BRIDGE" || log "could not delete bridge $BRIDGE"
fi
rule=(FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "openwebui-valkey-swarm $BRIDGE" -j ACCEPT)
while iptables -C "${rule[@]}" 2>/dev/null; do
  iptables -D "${rule[@]}" && log "deleted the FORWARD rule for $BRIDGE"
done

lap "namespaces, bridge, firewall rule deleted"

# 6. The state directory. --one-file-system: should a mount have survived, do not delete through it.
if [ -d "$SWARM_DIR" ]; then
  rm -rf --one-file-system "$SWARM_DIR"
  lap "removed $SWARM_DIR"
fi
[ "${SWARM_LOCK_HELD:-0}" = 1 ] || rm -f "$LOCKFILE"
log "done in $(awk -v a="$START" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')s"
