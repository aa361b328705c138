#!/usr/bin/env bash
# Build a real three-node Docker Swarm on this one machine for the engine tests.
#
# Three dockerds, each in its own network namespace with its own address, data
# root, exec root, containerd, cgroup parent and socket, joined to one host
# bridge by veth pairs. Node 1 is the manager, nodes 2 and 3 are workers.
# Every node is labelled openwebui-valkey.node=<N>; node 2 also
# openwebui-valkey.valkey=true (the tests pin Valkey and its volume there:
# never the manager, so cutting Valkey's node never cuts the control plane).
# The test images are copied from the main test engine (docker-up.sh) into
# every node, and a kernel probe writes $SWARM_DIR/capabilities.json:
#   { "ipvs": bool, "encryptedOverlay": bool, "details": {...} }
# which tells the tests which endpoint modes they can exercise.
#
# Idempotent: when the swarm is already up and healthy (3 nodes Ready) it only
# re-checks labels and images and exits. A node whose link was left cut is
# healed first (its link brought back up). A swarm that is there but still
# unhealthy is removed and built again. On any failure it removes everything it
# made (swarm-down.sh) after printing the tail of the failing dockerd's log.
# swarm-up and swarm-down take the lock $SWARM_DIR.lock, so two never overlap.
#
# Output: `export` lines on stdout (so `eval "$(...)"` works), the same lines in
# $SWARM_DIR/env: SWARM_DIR, SWARM_MANAGER_HOST (unix://…/node1/docker.sock),
# SWARM_NODE_HOSTS, SWARM_NODE_ADDRESSES, SWARM_NODE_NAMESPACES (space separated,
# node order), SWARM_HOST_ADDRESS, SWARM_LINK_INTERFACE, SWARM_CAPABILITIES.
# DOCKER_HOST is left alone. Progress and timings go to stderr. Needs root.
#
# Environment:
#   SWARM_DIR               state, sockets, logs, env file (default /tmp/openwebui-valkey-swarm)
#   SWARM_BRIDGE            host bridge (default owvswarm0)
#   SWARM_HOST_CIDR         the host's address on it (default 10.214.0.1/24)
#   SWARM_NODE_ADDRESSES    three node addresses, manager first (default "10.214.0.11 10.214.0.12 10.214.0.13")
#   SWARM_NODE_NAMESPACES   their network namespaces (default "owv-swarm-1 owv-swarm-2 owv-swarm-3")
#   SWARM_ADDR_POOL         swarm's --default-addr-pool for overlay networks, /24 each (default 10.215.0.0/16)
#   SWARM_LOCAL_POOL        each node's --default-address-pool (docker0, docker_gwbridge, local
#                           networks), inside its own namespace (default 10.216.0.0/16)
#   SWARM_IMAGES            images copied from the main engine (default: the three test images)
#   SWARM_WAIT              seconds to wait for a dockerd or the swarm (default 60)
#   SWARM_STORAGE_DRIVER    force a storage driver on every node (e.g. vfs)
#   SWARM_DOCKERD_ARGS      extra dockerd flags for every node
#   SWARM_NODE<N>_DOCKERD_ARGS  extra dockerd flags for node N only (e.g. to test a failing start)
#   IMAGE_CACHE             `docker save` tarballs go to $IMAGE_CACHE/swarm-images, one per image id
#                           (default ~/.cache/openwebui-valkey-test); they outlive swarm-down
#   DOCKER_HOST             the main engine, where the images come from; if unset, the one named in
#   ENGINE_DIR              $ENGINE_DIR/env (docker-up.sh; default /tmp/openwebui-valkey-engine)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SWARM_DIR=${SWARM_DIR:-/tmp/openwebui-valkey-swarm}
SWARM_BRIDGE=${SWARM_BRIDGE:-owvswarm0}
SWARM_HOST_CIDR=${SWARM_HOST_CIDR:-10.214.0.1/24}
SWARM_NODE_ADDRESSES=${SWARM_NODE_ADDRESSES:-10.214.0.11 10.214.0.12 10.214.0.13}
SWARM_NODE_NAMESPACES=${SWARM_NODE_NAMESPACES:-owv-swarm-1 owv-swarm-2 owv-swarm-3}
SWARM_ADDR_POOL=${SWARM_ADDR_POOL:-10.215.0.0/16}
SWARM_LOCAL_POOL=${SWARM_LOCAL_POOL:-10.216.0.0/16}
SWARM_IMAGES=${SWARM_IMAGES:-openwebui-valkey-test/valkey:8.0.1 openwebui-valkey-test/open-webui:0.12.4 openwebui-valkey-test/postgres-pgvector:17}
SWARM_WAIT=${SWARM_WAIT:-60}
SWARM_STORAGE_DRIVER=${SWARM_STORAGE_DRIVER:-}
SWARM_DOCKERD_ARGS=${SWARM_DOCKERD_ARGS:-}
IMAGE_CACHE=${IMAGE_CACHE:-$HOME/.cache/openwebui-valkey-test}
ENGINE_DIR=${ENGINE_DIR:-/tmp/openwebui-valkey-engine}

# The image the probe and the label check run (the smallest one).
PROBE_IMAGE=openwebui-valkey-test/valkey:8.0.1
# The interface of each node inside its namespace (what cutLink takes down).
LINK_IF=eth0
MARKER="$SWARM_DIR/.openwebui-valkey-swarm"
ENVFILE="$SWARM_DIR/env"
CAPS="$SWARM_DIR/capabilities.json"
TIMINGS="$SWARM_DIR/timings"
# swarm-up and swarm-down never run at the same time (two callers at once).
LOCKFILE="${SWARM_DIR%/}.lock"
LABEL_NODE=openwebui-valkey.node
LABEL_VALKEY=openwebui-valkey.valkey
PROBE_LABEL=openwebui-valkey.swarm-probe

log() { echo "swarm-up: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
took() { # took LABEL START: print and keep the time of one step
  local secs
  secs=$(awk -v a="$2" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
  log "$1 took ${secs}s"
  [ -d "$SWARM_DIR" ] && printf '%-66s %6ss\n' "$1" "$secs" >>"$TIMINGS"
  return 0
}

read -r -a ADDRS <<<"$SWARM_NODE_ADDRESSES"
read -r -a NSS <<<"$SWARM_NODE_NAMESPACES"
read -r -a IMAGES <<<"$SWARM_IMAGES"
[ "${#ADDRS[@]}" -eq 3 ] || die "SWARM_NODE_ADDRESSES must name three addresses (manager first), got '$SWARM_NODE_ADDRESSES'"
[ "${#NSS[@]}" -eq 3 ] || die "SWARM_NODE_NAMESPACES must name three namespaces, got '$SWARM_NODE_NAMESPACES'"
NODES=(1 2 3)
HOST_ADDR=${SWARM_HOST_CIDR%/*}
PREFIX_LEN=${SWARM_HOST_CIDR#*/}
# Host end of node N's veth pair (15 characters at most).
veth() { echo "${SWARM_BRIDGE}n$1"; }
[ "${#SWARM_BRIDGE}" -le 13 ] || die "SWARM_BRIDGE '$SWARM_BRIDGE' is too long (13 characters at most: its veths add 'n<N>')"
node_dir() { echo "$SWARM_DIR/node$1"; }
node_sock() { echo "$SWARM_DIR/node$1/docker.sock"; }
node_host() { echo "unix://$(node_sock "$1")"; }
node_log() { echo "$SWARM_DIR/node$1/dockerd.log"; }
node_ns() { echo "${NSS[$(($1 - 1))]}"; }
node_addr() { echo "${ADDRS[$(($1 - 1))]}"; }
# One cgroup parent per node and swarm directory, never shared with the main engine's.
node_cgroup() { echo "openwebui-valkey-swarm-n$1-$(printf '%s' "$SWARM_DIR" | cksum | cut -d' ' -f1)"; }
# docker against node N (bounded: a socket that accepts but never answers must not hang us).
dk() { local n=$1; shift; DOCKER_HOST="$(node_host "$n")" timeout 60 docker "$@"; }
answers() { [ -S "$(node_sock "$1")" ] && DOCKER_HOST="$(node_host "$1")" timeout 10 docker info >/dev/null 2>&1; }
# docker against the main engine (the images' source).
main_docker() { DOCKER_HOST="$MAIN_HOST" timeout 600 docker "$@"; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, veths, dockerd)"
for tool in docker dockerd nsenter ip iptables setsid flock; do
  command -v "$tool" >/dev/null || die "$tool not found (run tools/engine/docker-up.sh first: it installs docker.io, iptables and iproute2)"
done

exec 9>"$LOCKFILE"
flock -w 600 9 || die "another swarm-up or swarm-down holds $LOCKFILE"
export SWARM_LOCK_HELD=1   # swarm-down.sh, called from here, must not wait for our own lock

# The main engine: the caller's DOCKER_HOST, else what docker-up.sh wrote.
MAIN_HOST=${DOCKER_HOST:-}
if [ -z "$MAIN_HOST" ] && [ -f "$ENGINE_DIR/env" ]; then
  MAIN_HOST=$(sed -n 's/^export DOCKER_HOST=//p' "$ENGINE_DIR/env" | tr -d "'\"")
fi
MAIN_HOST=${MAIN_HOST:-unix:///var/run/docker.sock}
main_answers() { DOCKER_HOST="$MAIN_HOST" timeout 15 docker info >/dev/null 2>&1; }

shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
write_env() {
  local hosts=() n
  for n in "${NODES[@]}"; do hosts+=("$(node_host "$n")"); done
  {
    echo "export SWARM_DIR=$(shq "$SWARM_DIR")"
    echo "export SWARM_MANAGER_HOST=$(shq "$(node_host 1)")"
    echo "export SWARM_NODE_HOSTS=$(shq "${hosts[*]}")"
    echo "export SWARM_NODE_ADDRESSES=$(shq "${ADDRS[*]}")"
    echo "export SWARM_NODE_NAMESPACES=$(shq "${NSS[*]}")"
    echo "export SWARM_HOST_ADDRESS=$(shq "$HOST_ADDR")"
    echo "export SWARM_LINK_INTERFACE=$(shq "$LINK_IF")"
    echo "export SWARM_CAPABILITIES=$(shq "$CAPS")"
  } >"$ENVFILE.tmp"
  mv "$ENVFILE.tmp" "$ENVFILE"
  cat "$ENVFILE"
}

print_timings() {
  [ -s "$TIMINGS" ] || return 0
  log "timings:"
  sed 's/^/swarm-up:   /' "$TIMINGS" >&2
}

# ---------------------------------------------------------------------------------------------
# Health: every node's dockerd answers, is in the swarm, and the manager lists 3 nodes Ready.

ready_count() {
  dk 1 node ls --format '{{.Status}}' 2>/dev/null | grep -c '^Ready$' || true
}
swarm_healthy() {
  local n
  [ -f "$MARKER" ] || return 1
  for n in "${NODES[@]}"; do
    answers "$n" || return 1
    [ "$(dk "$n" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = active ] || return 1
  done
  [ "$(dk 1 info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ] || return 1
  [ "$(dk 1 node ls -q 2>/dev/null | wc -l)" -eq 3 ] || return 1
  [ "$(ready_count)" -eq 3 ]
}

# Swarm node id of node N, as the node itself reports it.
node_id() { dk "$1" info --format '{{.Swarm.NodeID}}'; }

ensure_labels() {
  local n id want have
  for n in "${NODES[@]}"; do
    id=$(node_id "$n")
    [ -n "$id" ] || die "node $n reports no swarm node id"
    want="$LABEL_NODE=$n"
    [ "$n" = 2 ] && want="$want $LABEL_VALKEY=true"
    have=$(dk 1 node inspect --format '{{range $k, $v := .Spec.Labels}}{{$k}}={{$v}} {{end}}' "$id")
    local args=() l
    for l in $want; do
      case " $have " in *" $l "*) ;; *) args+=(--label-add "$l") ;; esac
    done
    # The Valkey label on any other node would let Valkey land there.
    if [ "$n" != 2 ]; then
      case " $have" in *" $LABEL_VALKEY="*) args+=(--label-rm "$LABEL_VALKEY") ;; esac
    fi
    if [ "${#args[@]}" -gt 0 ]; then
      dk 1 node update "${args[@]}" "$id" >/dev/null
      log "node $n ($id): labels ${args[*]}"
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# Images: `docker save` once from the main engine into a cache file named after the image id,
# then `docker load` into every node that does not already hold that id (nodes in parallel).

image_id() { "$@" image inspect --format '{{.Id}}' 2>/dev/null; }
ensure_images() {
  local image id want=() cache="$IMAGE_CACHE/swarm-images" file t
  if ! main_answers; then
    [ "${1:-}" = keep-if-present ] ||
      die "the main engine ($MAIN_HOST) does not answer: run tools/engine/docker-up.sh and build-images.sh first"
    # An up swarm keeps what it has; it only cannot tell whether the main engine rebuilt one.
    local n missing=0
    for image in "${IMAGES[@]}"; do
      for n in "${NODES[@]}"; do
        DOCKER_HOST="$(node_host "$n")" timeout 30 docker image inspect "$image" >/dev/null 2>&1 ||
          { log "node $n has no $image"; missing=1; }
      done
    done
    [ "$missing" = 0 ] || die "images are missing and the main engine ($MAIN_HOST) that has them does not answer"
    log "warning: the main engine ($MAIN_HOST) does not answer: the nodes' images are there but not compared with its"
    return 0
  fi
  mkdir -p "$cache"
  declare -gA IMAGE_FILE=() IMAGE_ID=()
  for image in "${IMAGES[@]}"; do
    id=$(DOCKER_HOST="$MAIN_HOST" timeout 30 docker image inspect --format '{{.Id}}' "$image" 2>/dev/null) ||
      die "image $image is not on the main engine ($MAIN_HOST): run \`npm run engine:images\` first"
    IMAGE_ID[$image]=$id
    # one file per image name and id: a rebuilt image gets a new file, the old one goes
    local base
    base=$(printf '%s' "$image" | tr '/:' '__')
    file="$cache/$base@${id#sha256:}.tar"
    IMAGE_FILE[$image]=$file
    local needed=0 n
    for n in "${NODES[@]}"; do
      [ "$(DOCKER_HOST="$(node_host "$n")" timeout 30 docker image inspect --format '{{.Id}}' "$image" 2>/dev/null)" = "$id" ] || needed=1
    done
    if [ "$needed" = 0 ]; then
      log "$image (${id:7:12}) is on every node"
      continue
    fi
    want+=("$image")
    if [ ! -s "$file" ]; then
      find "$cache" -maxdepth 1 -name "$base@*.tar" -delete
      t=$(now)
      main_docker save -o "$file.tmp" "$image"
      mv "$file.tmp" "$file"
      took "docker save $image ($(du -h "$file" | cut -f1))" "$t"
    else
      log "$image: cached $(basename "$file")"
    fi
  done
  [ "${#want[@]}" -gt 0 ] || return 0
  local pids=() n
  for n in "${NODES[@]}"; do
    (
      for image in "${want[@]}"; do
        if [ "$(DOCKER_HOST="$(node_host "$n")" timeout 30 docker image inspect --format '{{.Id}}' "$image" 2>/dev/null)" = "${IMAGE_ID[$image]}" ]; then
          continue
        fi
        t=$(now)
        DOCKER_HOST="$(node_host "$n")" timeout 900 docker load -q -i "${IMAGE_FILE[$image]}" >/dev/null
        [ "$(DOCKER_HOST="$(node_host "$n")" timeout 30 docker image inspect --format '{{.Id}}' "$image" 2>/dev/null)" = "${IMAGE_ID[$image]}" ] ||
          { log "node $n: $image has another id after the load"; exit 1; }
        took "docker load $image into node $n" "$t"
      done
    ) &
    pids+=($!)
  done
  local failed=0 p
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  [ "$failed" = 0 ] || die "loading the images into the nodes failed"
}

# ---------------------------------------------------------------------------------------------
# Kernel probe: IPVS (what VIP endpoint mode and the routing mesh need) and the AEAD cipher of an
# encrypted overlay, decided by trying, not by assuming. Writes $CAPS.

json_str() { # a JSON string of $1
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\t'/ }
  s=${s//$'\r'/ }
  s=${s//$'\n'/ | }
  printf '"%s"' "$s"
}
json_bool() { if [ "$1" = 1 ]; then printf true; else printf false; fi; }

probe_cleanup() {
  dk 1 service ls -q --filter "label=$PROBE_LABEL" 2>/dev/null | xargs -r env DOCKER_HOST="$(node_host 1)" timeout 30 docker service rm >/dev/null 2>&1 || true
  local n
  for n in "${NODES[@]}"; do
    dk "$n" ps -aq --filter "label=$PROBE_LABEL" 2>/dev/null | xargs -r env DOCKER_HOST="$(node_host "$n")" timeout 30 docker rm -f >/dev/null 2>&1 || true
  done
  local i
  for i in $(seq 1 40); do
    local nets
    nets=$(dk 1 network ls -q --filter "label=$PROBE_LABEL" 2>/dev/null || true)
    [ -z "$nets" ] && return 0
    # shellcheck disable=SC2086
    dk 1 network rm $nets >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  log "warning: probe network still there after 20 s"
}

probe() {
  local t ipvs_mod ipvs_proc=0 ipvs_vip=0 vip_out control_out aead=0 aead_out proc_gcm=0
  t=$(now)
  # 1. IPVS in the kernel: modprobe (when there is one) and /proc/net/ip_vs, in a node's namespace
  #    (the file is per network namespace and exists once the kernel has IPVS).
  if command -v modprobe >/dev/null; then
    ipvs_mod=$(modprobe ip_vs 2>&1 && echo "modprobe ip_vs: ok" || true)
    [ -n "$ipvs_mod" ] || ipvs_mod="modprobe ip_vs failed"
  else
    ipvs_mod="no modprobe (kmod not installed); /lib/modules/$(uname -r) $([ -d "/lib/modules/$(uname -r)" ] && echo exists || echo absent)"
  fi
  nsenter --net="/run/netns/$(node_ns 1)" test -e /proc/net/ip_vs && ipvs_proc=1
  # 2. The behaviour itself: a VIP service on an attachable overlay, reached from a container on
  #    another node, once by its VIP (needs IPVS) and once by its task's address through
  #    tasks.<name> (the control: proves the overlay works, so a failed VIP is IPVS's fault).
  local net svc
  net=owv-probe-net
  svc=owv-probe-vip
  probe_cleanup
  dk 1 network create --driver overlay --attachable --label "$PROBE_LABEL=1" "$net" >/dev/null
  dk 1 service create --detach --quiet --no-resolve-image --name "$svc" --label "$PROBE_LABEL=1" \
    --container-label "$PROBE_LABEL=1" --network "$net" --endpoint-mode vip --replicas 1 \
    --constraint "node.labels.$LABEL_NODE==2" --restart-condition none \
    "$PROBE_IMAGE" valkey-server --save '' --appendonly no >/dev/null
  local i state=""
  for i in $(seq 1 $((SWARM_WAIT * 2))); do
    state=$(dk 1 service ps --filter desired-state=running --format '{{.CurrentState}} {{.Error}}' "$svc" 2>/dev/null | head -n1)
    case "$state" in Running*) break ;; esac
    sleep 0.5
  done
  case "$state" in Running*) ;; *)
    probe_cleanup
    die "probe: the service's task did not start within ${SWARM_WAIT}s (last state: ${state:-none})" ;;
  esac
  local script
  # shellcheck disable=SC2016
  script='for i in $(seq 1 40); do r=$(valkey-cli -h tasks.'"$svc"' -t 2 ping 2>&1); [ "$r" = PONG ] && break; sleep 0.25; done
echo "control: $r"
echo "vip: $(valkey-cli -h '"$svc"' -t 3 ping 2>&1)"'
  local out
  out=$(dk 3 run --rm --network "$net" --label "$PROBE_LABEL=1" --entrypoint sh "$PROBE_IMAGE" -c "$script" 2>/dev/null) || true
  control_out=$(printf '%s\n' "$out" | sed -n 's/^control: //p')
  vip_out=$(printf '%s\n' "$out" | sed -n 's/^vip: //p')
  probe_cleanup
  [ "$control_out" = PONG ] ||
    die "probe: a task on node 2 is unreachable over the overlay from node 3 even by its own address ('${control_out:-$out}'): the swarm's overlay does not work"
  [ "$vip_out" = PONG ] && ipvs_vip=1
  # 3. The encrypted overlay's cipher: Docker programs ESP transport states with
  #    rfc4106(gcm(aes)); adding one such state in a throwaway namespace is the real test
  #    (/proc/crypto lists only instantiated algorithms).
  grep -qE '^name +: (rfc4106\()?gcm\(aes\)' /proc/crypto && proc_gcm=1
  local pns="${NSS[0]}-probe"
  ip netns delete "$pns" 2>/dev/null || true
  ip netns add "$pns"
  if aead_out=$(ip -n "$pns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x0badc0de mode transport \
    aead 'rfc4106(gcm(aes))' 0x000102030405060708090a0b0c0d0e0f10111213 64 2>&1); then
    aead=1
    aead_out="xfrm state with rfc4106(gcm(aes)): added"
  else
    aead_out="xfrm state with rfc4106(gcm(aes)): ${aead_out:-failed}"
  fi
  ip netns delete "$pns"
  {
    printf '{\n  "ipvs": %s,\n  "encryptedOverlay": %s,\n  "details": {\n' "$(json_bool "$ipvs_vip")" "$(json_bool "$aead")"
    printf '    "kernel": %s,\n' "$(json_str "$(uname -r)")"
    printf '    "probedAt": %s,\n' "$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
    printf '    "ipvsModule": %s,\n' "$(json_str "$ipvs_mod")"
    printf '    "procNetIpVs": %s,\n' "$(json_bool "$ipvs_proc")"
    printf '    "vipService": %s,\n' "$(json_str "${vip_out:-no answer}")"
    printf '    "overlayControl": %s,\n' "$(json_str "$control_out")"
    printf '    "procCryptoGcmAes": %s,\n' "$(json_bool "$proc_gcm")"
    printf '    "xfrmAead": %s\n' "$(json_str "$aead_out")"
    printf '  }\n}\n'
  } >"$CAPS.tmp"
  mv "$CAPS.tmp" "$CAPS"
  if [ "$ipvs_vip" = 1 ] && [ "$ipvs_proc" = 0 ]; then
    log "probe: note: the VIP answered although /proc/net/ip_vs is absent"
  fi
  log "probe: ipvs=$(json_bool "$ipvs_vip") (VIP service from another node: ${vip_out:-no answer}; /proc/net/ip_vs $([ "$ipvs_proc" = 1 ] && echo present || echo absent); $ipvs_mod)"
  log "probe: encryptedOverlay=$(json_bool "$aead") ($aead_out; gcm(aes) in /proc/crypto: $(json_bool "$proc_gcm"))"
  [ "$ipvs_vip" = 1 ] || log "probe: without IPVS use endpoint mode dnsrr and host-mode publishing (VIP and the ingress routing mesh do not work)"
  took "kernel probe (capabilities.json)" "$t"
}

# ---------------------------------------------------------------------------------------------
# Fast path: the swarm is up and healthy.

START=$(now)
if [ -f "$MARKER" ] && ! swarm_healthy; then
  # A node whose link a test cut (and never healed) is the usual reason: bring the links back
  # and give the swarm a moment before rebuilding it.
  healed=0
  for n in "${NODES[@]}"; do
    if ip netns list | grep -qw "$(node_ns "$n")" && answers "$n"; then
      if ip -n "$(node_ns "$n")" link show "$LINK_IF" 2>/dev/null | grep -q 'state DOWN'; then
        ip -n "$(node_ns "$n")" link set "$LINK_IF" up && healed=1 && log "node $n: its link was down; brought it up"
      fi
    fi
  done
  if [ "$healed" = 1 ]; then
    for _ in $(seq 1 "$SWARM_WAIT"); do swarm_healthy && break; sleep 1; done
  fi
fi
if [ -f "$MARKER" ] && swarm_healthy; then
  log "the swarm in $SWARM_DIR is up: 3 nodes Ready"
  : >"$TIMINGS"
  ensure_labels
  ensure_images keep-if-present
  [ -s "$CAPS" ] || probe
  log "capabilities: $(tr -d '\n' <"$CAPS" | sed 's/ \{2,\}/ /g')"
  write_env
  took "swarm-up (already up)" "$START"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Fresh build. Whatever is left of an earlier swarm (a half-made one, a dead dockerd) goes first.

if [ -e "$SWARM_DIR" ] || ip link show "$SWARM_BRIDGE" >/dev/null 2>&1 || ip netns list | grep -qwF -e "${NSS[0]}" -e "${NSS[1]}" -e "${NSS[2]}"; then
  log "an earlier swarm is there but not healthy: removing it first"
  bash "$HERE/swarm-down.sh" >&2
fi
if [ -e "$SWARM_DIR" ]; then
  die "$SWARM_DIR exists and was not made by swarm-up.sh; refusing to use it"
fi
main_answers || die "the main engine ($MAIN_HOST) does not answer: run tools/engine/docker-up.sh (and build-images.sh) first"
for image in "${IMAGES[@]}"; do
  DOCKER_HOST="$MAIN_HOST" timeout 30 docker image inspect "$image" >/dev/null 2>&1 ||
    die "image $image is not on the main engine ($MAIN_HOST): run \`npm run engine:images\` first"
done
case " ${IMAGES[*]} " in *" $PROBE_IMAGE "*) ;; *) die "SWARM_IMAGES must include $PROBE_IMAGE (the probe runs it)" ;; esac

BUILDING=1
CURRENT_NODE=""
on_exit() {
  local rc=$?
  if [ "${BUILDING:-0}" = 1 ] && [ "$rc" != 0 ]; then
    log "FAILED (exit $rc)"
    local n
    for n in ${CURRENT_NODE:-}; do
      if [ -f "$(node_log "$n")" ]; then
        log "last lines of node $n's dockerd log ($(node_log "$n")):"
        tail -n 40 "$(node_log "$n")" >&2 || true
      fi
    done
    log "removing everything this run made"
    SWARM_LOCK_HELD=1 bash "$HERE/swarm-down.sh" >&2 || log "swarm-down.sh failed too"
    rm -f "$LOCKFILE"
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$SWARM_DIR"
touch "$MARKER"
: >"$TIMINGS"
# What swarm-down.sh removes, whatever the environment it runs with.
{
  echo "BRIDGE=$SWARM_BRIDGE"
  echo "NAMESPACES='${NSS[*]}'"
  echo "VETHS='$(veth 1) $(veth 2) $(veth 3)'"
  echo "CGROUPS='$(node_cgroup 1) $(node_cgroup 2) $(node_cgroup 3)'"
} >"$SWARM_DIR/state"

# 1. Network: host bridge, namespaces, veth pairs.
t=$(now)
if ! ip link show "$SWARM_BRIDGE" >/dev/null 2>&1; then
  ip link add name "$SWARM_BRIDGE" type bridge
fi
ip addr replace "$SWARM_HOST_CIDR" dev "$SWARM_BRIDGE"
ip link set "$SWARM_BRIDGE" up
# br_netfilter is on, so frames bridged between the nodes go through the host's FORWARD chain
# (as in:owvswarm0 out:owvswarm0). Its policy is ACCEPT today, but any dockerd started with
# iptables on the host sets it to DROP, which would silently cut the swarm apart (vxlan,
# gossip, raft). One narrow rule for this bridge only, removed by swarm-down.sh.
FW_RULE=(FORWARD -i "$SWARM_BRIDGE" -o "$SWARM_BRIDGE" -m comment --comment "openwebui-valkey-swarm $SWARM_BRIDGE" -j ACCEPT)
iptables -C "${FW_RULE[@]}" 2>/dev/null || iptables -I "${FW_RULE[@]}"
for n in "${NODES[@]}"; do
  ns=$(node_ns "$n")
  ip netns add "$ns"
  ip link add "$(veth "$n")" type veth peer name "$LINK_IF" netns "$ns"
  ip link set "$(veth "$n")" master "$SWARM_BRIDGE" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$(node_addr "$n")/$PREFIX_LEN" dev "$LINK_IF"
  ip -n "$ns" link set "$LINK_IF" up
done
for n in "${NODES[@]}"; do
  for _ in $(seq 1 20); do ip -n "$(node_ns "$n")" link show "$LINK_IF" | grep -q LOWER_UP && break; sleep 0.1; done
  ip -n "$(node_ns "$n")" link show "$LINK_IF" | grep -q LOWER_UP || die "node $n's link $LINK_IF has no carrier"
done
took "bridge $SWARM_BRIDGE, 3 namespaces, veths" "$t"

# 2. One dockerd per namespace.
#
# Why these flags:
# - nsenter --net only (not `ip netns exec`, which remounts /sys for the namespace and then
#   dockerd fails with "Devices cgroup isn't mounted"); setsid so it outlives this script.
# - --data-root, --exec-root, --pidfile, --host: every file of a node under $SWARM_DIR/node<N>.
#   The exec root also holds libnetwork's namespaces: the nodes name their overlay namespaces
#   after the network id, so a shared one would make them fight.
# - --containerd-namespace / --cgroup-parent: names of our own per node, distinct from the main
#   engine's, so swarm-down ends exactly our processes.
# - iptables left ON (the default): iptables rules belong to a network namespace, so each node's
#   dockerd only rewrites its own namespace's firewall (FORWARD DROP, NAT, ip_forward there),
#   never the host's. That is the stock configuration of a swarm node: docker_gwbridge's NAT,
#   the DNAT of host-mode published ports, and the filter rules of overlay networks behave as in
#   production.
# - --default-address-pool: docker0 and docker_gwbridge inside each namespace get addresses
#   that cannot overlap the swarm's overlay pool ($SWARM_ADDR_POOL).
# - DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1: there is no registry; a task uses the image the node
#   holds instead of trying a pull first.
t=$(now)
declare -A PIDS=()
for n in "${NODES[@]}"; do
  d=$(node_dir "$n")
  mkdir -p "$d"
  echo '{}' >"$d/daemon.json"
  args=(
    --data-root "$d/data"
    --exec-root "$d/exec"
    --pidfile "$d/dockerd.pid"
    --host "$(node_host "$n")"
    --config-file "$d/daemon.json"
    --containerd-namespace "openwebui-valkey-swarm-n$n"
    --containerd-plugins-namespace "openwebui-valkey-swarm-n$n-plugins"
    --cgroup-parent "/$(node_cgroup "$n")"
    --default-address-pool "base=$SWARM_LOCAL_POOL,size=24"
  )
  [ -n "$SWARM_STORAGE_DRIVER" ] && args+=(--storage-driver "$SWARM_STORAGE_DRIVER")
  extra_var="SWARM_NODE${n}_DOCKERD_ARGS"
  # shellcheck disable=SC2206
  args+=($SWARM_DOCKERD_ARGS ${!extra_var:-})
  # 9>&-: the daemon must not inherit (and so hold forever) the lock of this script.
  DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid nsenter --net="/run/netns/$(node_ns "$n")" dockerd "${args[@]}" </dev/null >"$(node_log "$n")" 2>&1 9>&- &
  PIDS[$n]=$!
done
for n in "${NODES[@]}"; do
  CURRENT_NODE=$n
  start=$SECONDS
  until answers "$n"; do
    kill -0 "${PIDS[$n]}" 2>/dev/null || die "node $n's dockerd exited during start-up"
    [ $((SECONDS - start)) -lt "$SWARM_WAIT" ] || die "node $n's dockerd did not answer within ${SWARM_WAIT}s"
    sleep 0.25
  done
done
CURRENT_NODE=""
log "dockerds: $(for n in "${NODES[@]}"; do printf 'node %s pid %s; ' "$n" "${PIDS[$n]}"; done)$(dk 1 version --format 'server {{.Server.Version}} (API {{.Server.APIVersion}})')"
took "3 dockerds answering" "$t"

# 3. The swarm: node 1 initialises it, 2 and 3 join as workers.
t=$(now)
CURRENT_NODE=1
dk 1 swarm init --advertise-addr "$(node_addr 1)" --listen-addr "$(node_addr 1):2377" \
  --default-addr-pool "$SWARM_ADDR_POOL" --default-addr-pool-mask-length 24 >/dev/null
token=$(dk 1 swarm join-token -q worker)
for n in 2 3; do
  CURRENT_NODE="1 $n"
  dk "$n" swarm join --token "$token" --advertise-addr "$(node_addr "$n")" --listen-addr "$(node_addr "$n"):2377" "$(node_addr 1):2377" >/dev/null
done
CURRENT_NODE="1 2 3"
start=$SECONDS
until [ "$(ready_count)" -eq 3 ]; do
  [ $((SECONDS - start)) -lt "$SWARM_WAIT" ] || die "the manager does not list 3 nodes Ready after ${SWARM_WAIT}s: $(dk 1 node ls 2>&1 | tr '\n' ';')"
  sleep 0.25
done
ensure_labels
took "swarm init, 2 workers joined, labels" "$t"
swarm_healthy || die "the swarm is not healthy right after it was made"

# 4. The test images, from the main engine.
t=$(now)
ensure_images
took "images on every node" "$t"

# 5. What the kernel can do.
probe

BUILDING=0
write_env
took "swarm-up (fresh)" "$START"
print_timings
