#!/usr/bin/env bash
# Make sure a Docker engine is reachable for the integration tests.
#
# If `docker info` already works (a developer's own engine, or one this
# script started earlier) nothing is changed. Otherwise Debian's docker.io is
# installed if needed and a private dockerd is started whose every file lives
# under $ENGINE_DIR, listening on $ENGINE_DIR/docker.sock, so that the default
# /var/run/docker.sock and any engine behind it are never touched.
#
# Output: the line `export DOCKER_HOST=...` on stdout (so `eval "$(...)"`
# works) and the same line in $ENGINE_DIR/env for callers to source.
# Progress goes to stderr. Stop the engine with docker-down.sh.
#
# Environment:
#   ENGINE_DIR            state, socket, pidfile and log (default /tmp/openwebui-valkey-engine)
#   ENGINE_BRIDGE         bridge for the default network (default owvtest0)
#   ENGINE_BRIDGE_CIDR    its address (default 10.213.0.1/24)
#   ENGINE_ADDRESS_POOL   where user-defined networks get their subnets (default 10.213.0.0/16)
#   ENGINE_WAIT           seconds to wait for the daemon to answer (default 60)
#   ENGINE_STORAGE_DRIVER force a storage driver (e.g. vfs when $ENGINE_DIR is on overlayfs)
#   ENGINE_CGROUP_PARENT  cgroup parent of the containers (default openwebui-valkey-test-<cksum of ENGINE_DIR>)
set -euo pipefail

ENGINE_DIR=${ENGINE_DIR:-/tmp/openwebui-valkey-engine}
ENGINE_BRIDGE=${ENGINE_BRIDGE:-owvtest0}
ENGINE_BRIDGE_CIDR=${ENGINE_BRIDGE_CIDR:-10.213.0.1/24}
ENGINE_ADDRESS_POOL=${ENGINE_ADDRESS_POOL:-10.213.0.0/16}
ENGINE_WAIT=${ENGINE_WAIT:-60}
ENGINE_STORAGE_DRIVER=${ENGINE_STORAGE_DRIVER:-}
# One cgroup parent per engine directory, so two engines never share one.
ENGINE_CGROUP_PARENT=${ENGINE_CGROUP_PARENT:-openwebui-valkey-test-$(printf '%s' "$ENGINE_DIR" | cksum | cut -d' ' -f1)}

SOCK="$ENGINE_DIR/docker.sock"
PIDFILE="$ENGINE_DIR/dockerd.pid"
LOG="$ENGINE_DIR/dockerd.log"
ENVFILE="$ENGINE_DIR/env"
# docker-down.sh only deletes a directory that carries this marker.
MARKER="$ENGINE_DIR/.openwebui-valkey-engine"

log() { echo "docker-up: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
die() { log "ERROR: $*"; exit 1; }

# Print the engine's identity and the negotiated API version. The client may
# be much newer than the daemon (Docker 28 client, API 1.50, against Debian's
# 20.10 daemon, API 1.41): the client negotiates down on its own, and this
# line shows that it did.
describe() {
  local v
  v=$(docker version --format 'server {{.Server.Version}} (API {{.Server.APIVersion}}, min {{.Server.MinAPIVersion}}), client {{.Client.Version}} using API {{.Client.APIVersion}}' 2>/dev/null) \
    || v="(docker version failed)"
  log "engine at ${DOCKER_HOST:-default context}: $v"
}

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

# Take ENGINE_DIR only if it is new, empty or already ours: docker-down.sh
# deletes what carries the marker, so a mistyped path must never get it.
claim_dir() {
  if [ -d "$ENGINE_DIR" ] && [ ! -f "$MARKER" ] && [ -n "$(ls -A "$ENGINE_DIR")" ]; then
    die "$ENGINE_DIR exists, is not empty and was not made by docker-up.sh"
  fi
  mkdir -p "$ENGINE_DIR"
  touch "$MARKER"
}

write_env() {
  claim_dir
  echo "export DOCKER_HOST=$1" >"$ENVFILE"
  echo "export DOCKER_HOST=$1"
}

# Our own pid, if the pidfile names a live dockerd (not a recycled pid).
our_dockerd_pid() {
  local pid
  [ -f "$PIDFILE" ] || return 1
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
  [ "$(cat "/proc/$pid/comm")" = dockerd ] || return 1
  echo "$pid"
}

command -v docker >/dev/null || die "no docker client on PATH"

# 1. Our own engine from an earlier run: reuse it.
if [ -S "$SOCK" ] && DOCKER_HOST="unix://$SOCK" engine_answers; then
  export DOCKER_HOST="unix://$SOCK"
  describe
  write_env "$DOCKER_HOST"
  exit 0
fi

# 2. Whatever engine the caller's environment already reaches.
if engine_answers; then
  log "an engine is already reachable; starting nothing"
  describe
  if [ -n "${DOCKER_HOST:-}" ]; then
    write_env "$DOCKER_HOST"
  else
    # No DOCKER_HOST: the client's default (context or /var/run/docker.sock) works.
    claim_dir
    echo "# the client's default engine is used; nothing to set" >"$ENVFILE"
  fi
  exit 0
fi

[ "$(id -u)" = 0 ] || die "no engine is reachable and starting dockerd needs root"

# 3. Install the daemon from Debian if it is missing. iptables is a hard
#    dependency of the package even though we run with --iptables=false;
#    iproute2 gives us `ip` for the bridge.
if ! command -v dockerd >/dev/null; then
  log "dockerd not found: installing Debian's docker.io"
  t=$(now)
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y --no-install-recommends docker.io iptables iproute2 >&2
  log "installed docker.io in $(since "$t")s"
fi
command -v ip >/dev/null || die "iproute2 (ip) is needed to create the bridge"

claim_dir

# 4. A daemon of ours may still be starting (pidfile alive, socket silent).
if pid=$(our_dockerd_pid); then
  log "dockerd (pid $pid) from an earlier run is still starting; waiting for it"
else
  # A bridge of our own instead of docker0: nothing collides with a
  # developer's engine, and docker-down can delete exactly what we made.
  if ! ip link show "$ENGINE_BRIDGE" >/dev/null 2>&1; then
    ip link add name "$ENGINE_BRIDGE" type bridge
    ip addr add "$ENGINE_BRIDGE_CIDR" dev "$ENGINE_BRIDGE"
  fi
  ip link set "$ENGINE_BRIDGE" up
  echo "$ENGINE_BRIDGE" >"$ENGINE_DIR/bridge"

  # An empty config file, so /etc/docker/daemon.json (if any) cannot add
  # conflicting settings such as its own "hosts".
  echo '{}' >"$ENGINE_DIR/daemon.json"

  # Why these flags:
  # --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false:
  #   with the defaults dockerd rewrites the host firewall (FORWARD policy
  #   DROP, NAT chains, MASQUERADE) and turns on net.ipv4.ip_forward, and
  #   leaves all of it behind when it stops. None of that is needed here:
  #   containers on one bridge talk at layer 2, the embedded DNS (network
  #   aliases) works without it, and a port published on 127.0.0.1 is served
  #   by docker-proxy. Containers get no route off the host, which a test
  #   engine does not need. (Builds use `--network host` to reach the mirror.)
  # --containerd-namespace: if a system containerd is running dockerd uses
  #   it; a namespace of our own keeps our containers apart from another engine's.
  # --cgroup-parent: our containers' cgroups under a name of our own instead
  #   of /docker, so docker-down can find (and end) anything that outlived a
  #   daemon that crashed or had to be killed.
  args=(
    --data-root "$ENGINE_DIR/data"
    --exec-root "$ENGINE_DIR/exec"
    --pidfile "$PIDFILE"
    --host "unix://$SOCK"
    --config-file "$ENGINE_DIR/daemon.json"
    --bridge "$ENGINE_BRIDGE"
    --default-address-pool "base=$ENGINE_ADDRESS_POOL,size=24"
    --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false
    --containerd-namespace openwebui-valkey-test
    --containerd-plugins-namespace openwebui-valkey-test-plugins
    --cgroup-parent "/$ENGINE_CGROUP_PARENT"
  )
  echo "$ENGINE_CGROUP_PARENT" >"$ENGINE_DIR/cgroup-parent"
  [ -n "$ENGINE_STORAGE_DRIVER" ] && args+=(--storage-driver "$ENGINE_STORAGE_DRIVER")

  log "starting dockerd under $ENGINE_DIR"
  # setsid: the daemon must outlive this script and not get the caller's
  # terminal signals (Ctrl-C in the shell that ran docker-up).
  setsid dockerd "${args[@]}" </dev/null >"$LOG" 2>&1 &
  pid=$!
fi

# 5. Wait for the API.
export DOCKER_HOST="unix://$SOCK"
start=$SECONDS
t=$(now)
until [ -S "$SOCK" ] && engine_answers; do
  if ! kill -0 "$pid" 2>/dev/null; then
    log "dockerd exited during start-up; last lines of $LOG:"
    tail -n 40 "$LOG" >&2 || true
    exit 1
  fi
  if [ $((SECONDS - start)) -ge "$ENGINE_WAIT" ]; then
    log "dockerd did not answer within ${ENGINE_WAIT}s; last lines of $LOG:"
    tail -n 40 "$LOG" >&2 || true
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  sleep 0.5
done
log "dockerd (pid $pid) answered after $(since "$t")s"
describe
write_env "$DOCKER_HOST"
