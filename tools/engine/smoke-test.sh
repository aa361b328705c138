#!/usr/bin/env bash
# End-to-end check of the engine and the two test images, run by hand after
# docker-up.sh and build-images.sh:
#   - Valkey hardened as in the tutorial (cap-drop ALL + SETGID/SETUID/
#     DAC_OVERRIDE, no-new-privileges, read-only rootfs, nofile 10032) gets
#     healthy and steps down to uid 999 with no effective capability;
#   - the same with --user 999 and no capability at all;
#   - the Open WebUI stand-in reaches it by network alias (db 0 for state,
#     db 1 for websockets) and turns healthy;
#   - ports published on 127.0.0.1 answer from the host.
# Every container, volume and network it makes is removed on exit.
set -euo pipefail

ENGINE_DIR=${ENGINE_DIR:-/tmp/openwebui-valkey-engine}
if [ -z "${DOCKER_HOST:-}" ] && [ -f "$ENGINE_DIR/env" ]; then
  # shellcheck disable=SC1091
  . "$ENGINE_DIR/env"
fi

VALKEY_IMAGE=openwebui-valkey-test/valkey:8.0.1
STANDIN_IMAGE=openwebui-valkey-test/open-webui-standin:2
P=owvt-smoke-$$ # unique names: never clash with anything else on the engine
PASSWORD=smoke-secret

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

cleanup() {
  docker rm -f "$P-valkey" "$P-valkey-user" "$P-standin" >/dev/null 2>&1 || true
  docker volume rm "$P-data" "$P-data-user" >/dev/null 2>&1 || true
  docker network rm "$P-net" >/dev/null 2>&1 || true
}
trap cleanup EXIT

wait_healthy() { # NAME SECONDS
  local i s
  for ((i = 0; i < $2 * 2; i++)); do
    s=$(docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null || echo missing)
    [ "$s" = healthy ] && return 0
    sleep 0.5
  done
  echo "  $1 is '$s'; last log lines:"
  docker logs --tail 10 "$1" 2>&1 | sed 's/^/  | /'
  return 1
}

# Uid and CapEff of the container's PID 1 (the server, after every exec).
proc_status() { docker exec "$1" sh -c 'grep -E "^(Uid|CapEff):" /proc/1/status' | awk '{ printf "%s%s ", $1, $2 } END { print "" }'; }

# Reach a published Valkey port from the host: PING without and with AUTH.
host_ping() { # PORT
  local out
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'PING\r\nAUTH %s\r\nPING\r\n' "$PASSWORD" >&3
  out=$(timeout 2 head -n 3 <&3 | tr -d '\r' | tr '\n' ' ')
  exec 3>&-
  echo "$out"
}

# The container's shell expands these, not this one.
# shellcheck disable=SC2016
HEALTH=(--health-cmd '[ "$(valkey-cli ping)" = '"'PONG'"' ]'
  --health-interval 1s --health-timeout 3s --health-retries 5 --health-start-period 5s)
# shellcheck disable=SC2016
SERVER_CMD='exec docker-entrypoint.sh valkey-server --requirepass "$REDISCLI_AUTH" --save 30 1 --maxclients 10000 --timeout 1800 --appendonly yes --appendfsync everysec'

docker network create "$P-net" >/dev/null
docker volume create "$P-data" >/dev/null
docker volume create "$P-data-user" >/dev/null

# 1. As root with the tutorial's capability set; the entrypoint steps down.
docker run -d --name "$P-valkey" --network "$P-net" --network-alias valkey \
  --cap-drop ALL --cap-add SETGID --cap-add SETUID --cap-add DAC_OVERRIDE \
  --security-opt no-new-privileges:true --read-only -v "$P-data:/data" \
  --ulimit nofile=10032:10032 -e REDISCLI_AUTH="$PASSWORD" -p 127.0.0.1::6379 \
  "${HEALTH[@]}" "$VALKEY_IMAGE" sh -c "$SERVER_CMD" >/dev/null 2>&1

# 2. Started as the valkey user with no capability at all.
docker run -d --name "$P-valkey-user" --network "$P-net" --network-alias valkey-user \
  --user 999 --cap-drop ALL \
  --security-opt no-new-privileges:true --read-only -v "$P-data-user:/data" \
  --ulimit nofile=10032:10032 -e REDISCLI_AUTH="$PASSWORD" -p 127.0.0.1::6379 \
  "${HEALTH[@]}" "$VALKEY_IMAGE" sh -c "$SERVER_CMD" >/dev/null 2>&1

for name in "$P-valkey" "$P-valkey-user"; do
  if wait_healthy "$name" 30; then ok "$name healthy"; else bad "$name healthy"; continue; fi
  st=$(proc_status "$name")
  case "$st" in
    "Uid:999 CapEff:0000000000000000 ") ok "$name runs as uid 999 with CapEff 0" ;;
    *) bad "$name process status: $st" ;;
  esac
  pm=$(docker exec "$name" valkey-cli config get protected-mode | tail -n 1)
  if [ "$pm" = no ]; then ok "$name protected-mode no"; else bad "$name protected-mode is '$pm'"; fi
  port=$(docker port "$name" 6379/tcp | head -n 1 | sed 's/.*://')
  reply=$(host_ping "$port")
  case "$reply" in
    "-NOAUTH "*"+OK +PONG ") ok "$name reached from the host on 127.0.0.1:$port" ;;
    *) bad "$name from the host on 127.0.0.1:$port answered '$reply'" ;;
  esac
done

# 3. The Open WebUI stand-in on the same network, by alias.
docker run -d --name "$P-standin" --network "$P-net" -p 127.0.0.1::8080 \
  -e REDIS_URL="redis://:$PASSWORD@valkey:6379/0" \
  -e WEBSOCKET_REDIS_URL="redis://:$PASSWORD@valkey:6379/1" \
  "$STANDIN_IMAGE" >/dev/null 2>&1
if wait_healthy "$P-standin" 40; then ok "stand-in healthy"; else bad "stand-in healthy"; fi
sport=$(docker port "$P-standin" 8080/tcp | head -n 1 | sed 's/.*://')
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sport/health" || true)
if [ "$code" = 200 ]; then ok "stand-in /health 200 on 127.0.0.1:$sport"; else bad "stand-in /health answered $code"; fi
report=$(curl -s "http://127.0.0.1:$sport/report" || true)
if python3 -c 'import json, sys
r = json.loads(sys.argv[1])
assert r["ok"] and r["ping_ok"] and r["key_ok"] and r["pubsub_ok"], r
assert r["redis"]["host"] == "valkey" and r["redis"]["db"] == 0, r["redis"]
assert r["websocket_redis"]["db"] == 1, r["websocket_redis"]' "$report"; then
  ok "stand-in report: ping, key (db 0) and pubsub (db 1 URL) ok"
else
  bad "stand-in report: $report"
fi
if docker logs "$P-standin" 2>&1 | grep -q "$PASSWORD"; then bad "stand-in logged the password"; else ok "password not in the stand-in's log"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
