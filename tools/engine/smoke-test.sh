#!/usr/bin/env bash
# End-to-end check of the engine and the test images, run by hand after
# docker-up.sh and build-images.sh:
#   - Valkey hardened as in the tutorial (cap-drop ALL + SETGID/SETUID/
#     DAC_OVERRIDE, no-new-privileges, read-only rootfs, nofile 10032) gets
#     healthy and steps down to uid 999 with no effective capability;
#   - the same with --user 999 and no capability at all;
#   - the real Open WebUI reaches it by network alias and turns healthy: its
#     connections in db 0 (state) and db 1 (websockets), its channels
#     subscribed, a sign-in's rate-limit key in db 0 under the prefix;
#   - ports published on 127.0.0.1 answer from the host;
#   - PostgreSQL + pgvector run as the deployment runs it (--user 999, cap-drop
#     ALL, no-new-privileges, POSTGRES_PASSWORD_FILE uploaded 999:999 0400, an
#     init script creating the vector extension, PGDATA in a subdirectory of
#     a fresh volume): healthy, the password required from any address but
#     loopback, vector 0.8.0, `docker stop` a fast shutdown with exit 0, the
#     data kept across a restart and a new container on the volume;
#   - the same image started as root with cap-drop ALL and only CHOWN, SETGID
#     and SETUID (SETGID and SETUID on an initialised volume), and clear
#     one-line errors without them or without a password.
# Every container, volume and network it makes is removed on exit.
set -euo pipefail

ENGINE_DIR=${ENGINE_DIR:-/tmp/openwebui-valkey-engine}
if [ -z "${DOCKER_HOST:-}" ] && [ -f "$ENGINE_DIR/env" ]; then
  # shellcheck disable=SC1091
  . "$ENGINE_DIR/env"
fi

VALKEY_IMAGE=openwebui-valkey-test/valkey:8.0.1
OPEN_WEBUI_IMAGE=openwebui-valkey-test/open-webui:0.12.4
POSTGRES_IMAGE=openwebui-valkey-test/postgres-pgvector:17
P=owvt-smoke-$$ # unique names: never clash with anything else on the engine
PASSWORD=smoke-secret
# URL- and shell-special characters on purpose.
PG_PASSWORD='pg smoke:$ecret@/%"'"'"

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

PG_CONTAINERS=("$P-pg" "$P-pg-root" "$P-pg-nochown" "$P-pg-nosetuid" "$P-pg-nopass" "$P-pg-both" "$P-pg-client")
PG_VOLUMES=("$P-pg-data" "$P-pg-root-data" "$P-pg-nochown-data" "$P-pg-nosetuid-data")
UPLOAD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/owvt-smoke-upload.XXXXXX")

cleanup() {
  docker rm -f -v "$P-valkey" "$P-valkey-user" "$P-open-webui" "${PG_CONTAINERS[@]}" >/dev/null 2>&1 || true
  docker volume rm "$P-data" "$P-data-user" "${PG_VOLUMES[@]}" >/dev/null 2>&1 || true
  docker network rm "$P-net" >/dev/null 2>&1 || true
  rm -rf "$UPLOAD_DIR"
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

# 3. The real Open WebUI on the same network, by alias (SQLite in its own layer).
docker run -d --name "$P-open-webui" --network "$P-net" -p 127.0.0.1::8080 \
  -e REDIS_URL="redis://:$PASSWORD@valkey:6379/0" \
  -e WEBSOCKET_REDIS_URL="redis://:$PASSWORD@valkey:6379/1" \
  -e ENABLE_WEBSOCKET_SUPPORT=true -e WEBSOCKET_MANAGER=redis -e REDIS_KEY_PREFIX=open-webui \
  -e OFFLINE_MODE=true -e WEBUI_SECRET_KEY=smoke-secret-key \
  "$OPEN_WEBUI_IMAGE" >/dev/null 2>&1
if wait_healthy "$P-open-webui" 120; then ok "open-webui healthy"; else bad "open-webui healthy"; fi
wport=$(docker port "$P-open-webui" 8080/tcp | head -n 1 | sed 's/.*://')
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$wport/health" || true)
if [ "$code" = 200 ]; then ok "open-webui /health 200 on 127.0.0.1:$wport"; else bad "open-webui /health answered $code"; fi
waddr=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$P-open-webui")
dbs=$(docker exec "$P-valkey" valkey-cli client list | grep " addr=$waddr:" | grep -o ' db=[0-9]*' | sort -u | tr -d ' \n' || true)
if [ "$dbs" = db=0db=1 ]; then ok "open-webui connected from $waddr to db 0 and db 1"; else bad "open-webui's connections: '$dbs'"; fi
channels=$(docker exec "$P-valkey" valkey-cli pubsub channels | sort | tr '\n' ' ')
case "$channels" in
  *"open-webui:tasks:commands "*"socketio "*) ok "open-webui subscribed to socketio and open-webui:tasks:commands" ;;
  *) bad "pubsub channels: '$channels'" ;;
esac
user='{"name":"smoke","email":"smoke@example.com","password":"Smoke-test-password-1"}'
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -d "$user" "http://127.0.0.1:$wport/api/v1/auths/signup" || true)
signin=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -d "$user" "http://127.0.0.1:$wport/api/v1/auths/signin" || true)
keys=$(docker exec "$P-valkey" valkey-cli -n 0 --scan --pattern 'open-webui:ratelimit:smoke@example.com:*' | wc -l)
if [ "$code" = 200 ] && [ "$signin" = 200 ] && [ "$keys" -ge 1 ]; then
  ok "sign-up and sign-in 200, the sign-in's rate-limit key in db 0 under the prefix"
else
  bad "sign-up $code, sign-in $signin, $keys rate-limit key(s) in db 0"
fi
webui_log=$(docker logs "$P-open-webui" 2>&1)
if grep -q "$PASSWORD" <<<"$webui_log"; then bad "open-webui logged the password"; else ok "password not in open-webui's log"; fi

# 4. PostgreSQL + pgvector as the deployment runs it.
# What the deployment uploads at creation: the password file (999:999, 0400)
# and the init script, in one tar stream for `docker cp`.
mkdir -p "$UPLOAD_DIR/run/postgres" "$UPLOAD_DIR/docker-entrypoint-initdb.d"
printf '%s' "$PG_PASSWORD" >"$UPLOAD_DIR/run/postgres/password"
chmod 0400 "$UPLOAD_DIR/run/postgres/password"
echo 'CREATE EXTENSION IF NOT EXISTS vector;' >"$UPLOAD_DIR/docker-entrypoint-initdb.d/10-vector.sql"
chmod 0444 "$UPLOAD_DIR/docker-entrypoint-initdb.d/10-vector.sql"
tar -C "$UPLOAD_DIR" --numeric-owner --owner=999 --group=999 -cf "$UPLOAD_DIR/upload.tar" run/postgres/password
tar -C "$UPLOAD_DIR" --numeric-owner --owner=0 --group=0 -rf "$UPLOAD_DIR/upload.tar" docker-entrypoint-initdb.d/10-vector.sql

PG_ENV=(-e POSTGRES_USER=openwebui -e POSTGRES_DB=openwebui
  -e POSTGRES_PASSWORD_FILE=/run/postgres/password -e PGDATA=/var/lib/postgresql/data/pgdata)
# As 999: healthy once a query authenticated with the password succeeds over
# TCP on the container's own address, as the deployment's healthcheck asks.
# shellcheck disable=SC2016
PG_HEALTH_AUTH='PGPASSWORD="$(cat /run/postgres/password)" psql -w -X -h "$(hostname -i | cut -d" " -f1)" -U openwebui -d openwebui -tAc "SELECT 1" | grep -qx 1'
# As root with capabilities dropped the check cannot read the 999-owned 0400
# password file (no DAC_OVERRIDE): it only asks whether the server accepts
# connections, and the password is tested from outside.
# shellcheck disable=SC2016
PG_HEALTH_READY='pg_isready -q -h "$(hostname -i | cut -d" " -f1)" -U openwebui -d openwebui'
PG_HEALTH_TIMING=(--health-interval 1s --health-timeout 5s --health-retries 5 --health-start-period 60s)

pg_create() { # NAME VOLUME HEALTH-CMD DOCKER-OPTIONS... ; created, files uploaded, not started
  local name=$1 volume=$2 health=$3
  shift 3
  docker create --name "$name" --network "$P-net" --security-opt no-new-privileges:true \
    -v "$volume:/var/lib/postgresql/data" "${PG_ENV[@]}" --health-cmd "$health" "${PG_HEALTH_TIMING[@]}" \
    "$@" "$POSTGRES_IMAGE" >/dev/null 2>&1
  docker cp - "$name:/" <"$UPLOAD_DIR/upload.tar"
}

# psql over TCP to the container's own address. PASSWORD may be empty.
pg_tcp() { # NAME PASSWORD SQL
  docker exec -e PGPASSWORD="$2" "$1" sh -c \
    'psql -w -X -h "$(hostname -i | cut -d" " -f1)" -U openwebui -d openwebui -tAc "$0" 2>&1' "$3" || true
}
# psql on the socket (trusted), for checks that are not about authentication.
pg_local() { # NAME SQL
  docker exec "$1" psql -X -q -U openwebui -d openwebui -tAc "$2" 2>&1 || true
}
pid1() { docker exec "$1" sh -c 'tr "\0" " " </proc/1/cmdline; echo; grep -E "^(Uid|CapEff):" /proc/1/status' | awk 'NR == 1 { printf "%s", $1; next } { printf " %s%s", $1, $2 } END { print "" }' || true; }

# Started like the deployment starts it: as 999, no capability at all.
docker volume create "$P-pg-data" >/dev/null
pg_create "$P-pg" "$P-pg-data" "$PG_HEALTH_AUTH" --network-alias postgres --user 999 --cap-drop ALL
docker start "$P-pg" >/dev/null
if wait_healthy "$P-pg" 60; then ok "postgres (--user 999, cap-drop ALL) healthy on a fresh volume"; else bad "postgres healthy"; fi
st=$(pid1 "$P-pg")
if [ "$st" = "postgres Uid:999 CapEff:0000000000000000" ]; then ok "postgres is PID 1 as uid 999 with CapEff 0"; else bad "postgres PID 1: $st"; fi
log=$(docker logs "$P-pg" 2>&1)
if grep -q "entrypoint: no database in /var/lib/postgresql/data/pgdata; initialising it (superuser 'openwebui', database 'openwebui')" <<<"$log" &&
  grep -q 'entrypoint: running /docker-entrypoint-initdb.d/10-vector.sql' <<<"$log" &&
  grep -qx 'CREATE EXTENSION' <<<"$log" && grep -q 'entrypoint: initialisation complete' <<<"$log"; then
  ok "postgres log: initialised, init script run"
else
  bad "postgres log lacks the initialisation lines"
fi
out=$(pg_tcp "$P-pg" "" 'SELECT 1')
case "$out" in *"no password supplied"*) ok "psql -h <own address> without a password: refused" ;; *) bad "psql without a password: $out" ;; esac
out=$(pg_tcp "$P-pg" wrong 'SELECT 1')
case "$out" in *'password authentication failed for user "openwebui"'*) ok "psql -h <own address> with a wrong password: refused" ;; *) bad "psql with a wrong password: $out" ;; esac
out=$(pg_tcp "$P-pg" "$PG_PASSWORD" "SELECT extversion FROM pg_extension WHERE extname='vector'")
if [ "$out" = 0.8.0 ]; then ok "psql -h <own address> with the password: vector $out"; else bad "vector extension: '$out'"; fi
out=$(docker run --rm --name "$P-pg-client" --network "$P-net" --user 999 --cap-drop ALL -e PGPASSWORD="$PG_PASSWORD" \
  --entrypoint psql "$POSTGRES_IMAGE" -w -X -h postgres -U openwebui -d openwebui -tAc 'SELECT current_user' 2>&1 | grep -v 'IPv4 forwarding' || true)
if [ "$out" = openwebui ]; then ok "another container reaches it by alias with the password"; else bad "client container: $out"; fi
out=$(pg_local "$P-pg" "SELECT rolpassword LIKE 'SCRAM-SHA-256\$%' FROM pg_authid WHERE rolname = 'openwebui'")
if [ "$out" = t ]; then ok "password stored as SCRAM-SHA-256"; else bad "password storage: $out"; fi
environ=$(docker exec "$P-pg" cat /proc/1/environ | tr '\0' '\n')
if grep -qF "$PG_PASSWORD" <<<"$environ" || grep -qF "$PG_PASSWORD" <<<"$log"; then
  bad "the password is in the server's environment or log"
else
  ok "password neither in the server's environment nor in its log"
fi
out=$(pg_local "$P-pg" "CREATE TABLE smoke (id int PRIMARY KEY, embedding vector(3)); INSERT INTO smoke VALUES (1, '[1,2,3]'), (2, '[3,2,1]'); SELECT id FROM smoke ORDER BY embedding <-> '[3,2,2]' LIMIT 1")
if [ "$out" = 2 ]; then ok "vector(3) table written, nearest-neighbour query answers"; else bad "vector table: $out"; fi

# docker stop sends the image's SIGINT: a fast shutdown, exit code 0.
t0=$(date +%s.%N)
docker stop -t 30 "$P-pg" >/dev/null
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
code=$(docker inspect -f '{{.State.ExitCode}}' "$P-pg")
tail=$(docker logs --tail 10 "$P-pg" 2>&1)
if [ "$code" = 0 ] && grep -q 'received fast shutdown request' <<<"$tail" && grep -q 'database system is shut down' <<<"$tail"; then
  ok "docker stop: fast shutdown, exit 0, in ${secs}s"
else
  bad "docker stop: exit $code after ${secs}s; $(tail -n 2 <<<"$tail" | tr '\n' ' ')"
fi

# The same container again, then a new one on the same volume (a replacement),
# this one as root with only what stepping down takes on an initialised volume.
docker start "$P-pg" >/dev/null
healthy=0
wait_healthy "$P-pg" 60 && healthy=1
# Read whole, not piped into grep -q: under pipefail an early exit of grep
# would fail the pipeline.
log=$(docker logs "$P-pg" 2>&1)
if [ "$healthy" = 1 ] && [ "$(pg_local "$P-pg" 'SELECT count(*) FROM smoke')" = 2 ] &&
  [ "$(grep -c 'entrypoint: running /docker-entrypoint-initdb.d/' <<<"$log")" = 1 ] &&
  grep -q 'database found in /var/lib/postgresql/data/pgdata; starting it as it is' <<<"$log"; then
  ok "restarted: data kept, init script not run again"
else
  bad "restart on the same volume"
fi
docker stop "$P-pg" >/dev/null
docker rm "$P-pg" >/dev/null
pg_create "$P-pg" "$P-pg-data" "$PG_HEALTH_READY" --network-alias postgres --cap-drop ALL --cap-add SETGID --cap-add SETUID
docker start "$P-pg" >/dev/null
if wait_healthy "$P-pg" 60 && [ "$(pg_tcp "$P-pg" "$PG_PASSWORD" 'SELECT count(*) FROM smoke')" = 2 ] &&
  [ "$(pid1 "$P-pg")" = "postgres Uid:999 CapEff:0000000000000000" ]; then
  ok "new container on the volume as root (SETGID, SETUID only): data kept, PID 1 uid 999, CapEff 0"
else
  bad "new container on the volume as root with SETGID, SETUID"
fi

# 5. As root on a fresh volume: CHOWN, SETGID and SETUID are what it takes.
docker volume create "$P-pg-root-data" >/dev/null
pg_create "$P-pg-root" "$P-pg-root-data" "$PG_HEALTH_READY" --cap-drop ALL --cap-add CHOWN --cap-add SETGID --cap-add SETUID
docker start "$P-pg-root" >/dev/null
if wait_healthy "$P-pg-root" 60 && [ "$(pid1 "$P-pg-root")" = "postgres Uid:999 CapEff:0000000000000000" ] &&
  [ "$(pg_tcp "$P-pg-root" "$PG_PASSWORD" "SELECT extversion FROM pg_extension WHERE extname='vector'")" = 0.8.0 ]; then
  ok "as root with CHOWN, SETGID, SETUID on a fresh volume: initialised, vector 0.8.0, PID 1 uid 999, CapEff 0"
else
  bad "as root with CHOWN, SETGID, SETUID"
fi

# Errors: exit code 1 and one line saying what is wrong.
expect_error() { # NAME MESSAGE-PART ; the container exists, not started
  local name=$1 code last
  docker start "$name" >/dev/null 2>&1 || true
  code=$(docker wait "$name")
  last=$(docker logs "$name" 2>&1 | tail -n 1)
  if [ "$code" = 1 ] && [ "$(docker logs "$name" 2>&1 | grep -c 'ERROR')" = 1 ] && grep -qF "$2" <<<"$last"; then
    ok "$name: exit 1, '$last'"
  else
    bad "$name: exit $code, last line '$last'"
  fi
}
docker volume create "$P-pg-nochown-data" >/dev/null
pg_create "$P-pg-nochown" "$P-pg-nochown-data" "$PG_HEALTH_READY" --cap-drop ALL --cap-add SETGID --cap-add SETUID
expect_error "$P-pg-nochown" "needs CAP_CHOWN"
docker volume create "$P-pg-nosetuid-data" >/dev/null
pg_create "$P-pg-nosetuid" "$P-pg-nosetuid-data" "$PG_HEALTH_READY" --cap-drop ALL --cap-add CHOWN
expect_error "$P-pg-nosetuid" "needs CAP_SETUID and CAP_SETGID"
docker create --name "$P-pg-nopass" --user 999 --cap-drop ALL -e POSTGRES_USER=openwebui "$POSTGRES_IMAGE" >/dev/null 2>&1
expect_error "$P-pg-nopass" "no superuser password"
docker create --name "$P-pg-both" --user 999 --cap-drop ALL -e POSTGRES_PASSWORD=x \
  -e POSTGRES_PASSWORD_FILE=/etc/hostname "$POSTGRES_IMAGE" >/dev/null 2>&1
expect_error "$P-pg-both" "both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
