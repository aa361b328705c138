#!/usr/bin/env bash
# Entry point of the PostgreSQL + pgvector test image. It behaves as the
# official postgres image documents its entrypoint, for what a deployment
# relies on:
#   - `postgres ...` or flags alone (which get `postgres` put in front): the
#     server; any other command is run as given;
#   - started as root: PGDATA and /var/run/postgresql are created and handed
#     to postgres (999:999), then this script runs again as postgres through
#     setpriv; started as uid 999 (`--user 999`) that step is skipped and no
#     capability is needed;
#   - an empty PGDATA (no PG_VERSION) is initialised once: initdb as
#     POSTGRES_USER with the password from POSTGRES_PASSWORD or
#     POSTGRES_PASSWORD_FILE, a pg_hba.conf that trusts the socket and
#     loopback and asks everyone else for the password (scram-sha-256),
#     listen_addresses='*', POSTGRES_DB created, /docker-entrypoint-initdb.d/
#     run against a server that listens on the socket only;
#   - the server then replaces this script (PID 1, gets the stop signal).
# An existing database is started as it is; the init scripts never run again.
set -Eeuo pipefail

log() { echo "entrypoint: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

SOCKET_DIR=/var/run/postgresql
INITDB_DIR=/docker-entrypoint-initdb.d
# Left in PGDATA from initdb until the initialisation has finished: a first
# start that failed half-way is not taken for a database on the next one.
INCOMPLETE=.docker-entrypoint-init-incomplete

if [ "$#" -eq 0 ] || [ "${1:0:1}" = - ]; then
    set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
    exec "$@"
fi
# Questions to the binary need no data directory.
for arg in "${@:2}"; do
    case "$arg" in
        -V|--version|--help|'-?'|--describe-config) exec "$@" ;;
    esac
done

export PGDATA=${PGDATA:-/var/lib/postgresql/data}
case "$PGDATA" in /*) ;; *) die "PGDATA must be an absolute path, not '$PGDATA'" ;; esac

if [ "$(id -u)" = 0 ]; then
    # Only what is missing or not postgres's is touched, so that a restart
    # needs no capability beyond SETUID and SETGID.
    for dir in "$PGDATA" "$SOCKET_DIR"; do
        if [ ! -d "$dir" ]; then
            mkdir -p "$dir" 2>/dev/null || die "cannot create $dir as root"
            log "created $dir"
        fi
        if [ "$(stat -c %u:%g "$dir")" != 999:999 ]; then
            chown -R postgres:postgres "$dir" 2>/dev/null ||
                die "cannot hand $dir to postgres: as root this needs CAP_CHOWN (or start with --user 999)"
            log "handed $dir to postgres (999:999)"
        fi
    done
    # setpriv's own message on a missing capability is terse; say what to add.
    caps=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
    if (( (0x$caps & (1 << 6 | 1 << 7)) != (1 << 6 | 1 << 7) )); then
        die "running as root, stepping down to postgres needs CAP_SETUID and CAP_SETGID (or start with --user 999)"
    fi
    log "running as root; continuing as postgres (uid 999)"
    exec setpriv --reuid=postgres --regid=postgres --clear-groups -- "$0" "$@"
fi

uid=$(id -u)
getent passwd "$uid" >/dev/null ||
    die "uid $uid has no entry in /etc/passwd, which initdb needs; run as root or as 999 (postgres)"
if [ ! -d "$PGDATA" ]; then
    mkdir -p "$PGDATA" 2>/dev/null || die "cannot create PGDATA $PGDATA as uid $uid: its parent must be writable by uid $uid (the image's volume /var/lib/postgresql/data is)"
    log "created $PGDATA"
fi
owner=$(stat -c %u "$PGDATA")
[ "$owner" = "$uid" ] || die "PGDATA $PGDATA belongs to uid $owner, not to uid $uid that runs the server; chown it to $uid or start as root"
case "$(stat -c %a "$PGDATA")" in
    700|750) ;;
    *) chmod 0700 "$PGDATA" ;;
esac
# The socket directory of the image is 3777 already; one mounted over it may not be.
if [ -d "$SOCKET_DIR" ] && [ "$(stat -c %u "$SOCKET_DIR")" = "$uid" ]; then
    [ "$(stat -c %a "$SOCKET_DIR")" = 3777 ] || chmod 3777 "$SOCKET_DIR" 2>/dev/null || true
fi

# The value of VAR, or the content of the file named by VAR_FILE (trailing
# newlines dropped); both set is an error. Not exported: a password read from
# a file does not enter the server's environment.
value_of() { # value_of VAR DEFAULT
    local var=$1 file_var="$1_FILE" value
    if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
        die "both $var and $file_var are set; give only one"
    fi
    if [ -n "${!file_var:-}" ]; then
        [ -f "${!file_var}" ] && [ -r "${!file_var}" ] ||
            die "$file_var=${!file_var} is not a file that uid $uid can read"
        value=$(<"${!file_var}")
    else
        value=${!var:-$2}
    fi
    printf '%s' "$value"
}

if [ -f "$PGDATA/$INCOMPLETE" ]; then
    die "an earlier first start stopped before initialisation finished ($PGDATA/$INCOMPLETE exists); empty $PGDATA to initialise it again"
fi

if [ -s "$PGDATA/PG_VERSION" ]; then
    log "PostgreSQL $(cat "$PGDATA/PG_VERSION") database found in $PGDATA; starting it as it is (no initialisation, no init scripts)"
else
    user=$(value_of POSTGRES_USER postgres)
    db=$(value_of POSTGRES_DB "$user")
    password=$(value_of POSTGRES_PASSWORD '')
    initdb_args=$(value_of POSTGRES_INITDB_ARGS '')
    host_auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    [ -n "$user" ] || die "POSTGRES_USER is empty"
    case "$password" in *$'\n'*) die "the password has a line break inside; initdb takes one line" ;; esac
    if [ -z "$password" ] && [ "$host_auth" != trust ]; then
        die "no superuser password: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE (or POSTGRES_HOST_AUTH_METHOD=trust to let anyone connect without one)"
    fi
    if [ -n "$(ls -A "$PGDATA")" ]; then
        die "PGDATA $PGDATA holds files but no database (no PG_VERSION); give an empty directory, e.g. a subdirectory of a mount: PGDATA=/var/lib/postgresql/data/pgdata"
    fi
    log "no database in $PGDATA; initialising it (superuser '$user', database '$db')"

    step=initdb
    failed() { # failed STATUS
        if [ -f "$PGDATA/$INCOMPLETE" ]; then
            log "ERROR: $step failed (exit $1); $PGDATA is left half-initialised: empty it before the next start"
        else
            log "ERROR: $step failed (exit $1)"
        fi
    }
    trap 'failed $?' ERR
    # The password goes to initdb in a private file, never on a command line.
    pwfile=$(umask 077 && mktemp)
    trap 'rm -f "$pwfile"' EXIT
    printf '%s\n' "$password" >"$pwfile"
    extra=()
    [ -z "$initdb_args" ] || read -r -a extra <<<"$initdb_args"
    [ -z "${POSTGRES_INITDB_WALDIR:-}" ] || extra+=("--waldir=$POSTGRES_INITDB_WALDIR")
    pw=()
    [ -z "$password" ] || pw=("--pwfile=$pwfile")
    initdb --username="$user" "${pw[@]}" --auth-local=trust --auth-host=scram-sha-256 \
        -c "listen_addresses=*" "${extra[@]}"
    rm -f "$pwfile"
    : >"$PGDATA/$INCOMPLETE"

    step="writing pg_hba.conf"
    # Socket and loopback are trusted (what runs in the container); every
    # other address must give the password.
    {
        echo "# Written by docker-entrypoint.sh on first start."
        echo "# TYPE  DATABASE     USER  ADDRESS        METHOD"
        echo "local   all          all                  trust"
        echo "host    all          all   127.0.0.1/32   trust"
        echo "host    all          all   ::1/128        trust"
        echo "local   replication  all                  trust"
        echo "host    replication  all   127.0.0.1/32   trust"
        echo "host    replication  all   ::1/128        trust"
        printf 'host    all          all   all            %s\n' "$host_auth"
    } >"$PGDATA/pg_hba.conf"
    if [ "$host_auth" = trust ]; then
        log "WARNING: POSTGRES_HOST_AUTH_METHOD=trust: anyone who reaches port 5432 connects without a password"
    fi

    step="temporary server start"
    # Socket only: nothing outside the container can connect before the
    # initialisation has finished.
    pg_ctl -D "$PGDATA" -w -t 60 -o "-c listen_addresses='' -c unix_socket_directories=$SOCKET_DIR -p 5432" start
    sql() { psql -X -v ON_ERROR_STOP=1 --no-password -h "$SOCKET_DIR" -p 5432 -U "$user" "$@"; }

    if [ "$db" != postgres ]; then
        step="CREATE DATABASE $db"
        sql -q -d postgres --set db="$db" <<<'CREATE DATABASE :"db";'
        log "created database '$db'"
    fi

    shopt -s nullglob
    for f in "$INITDB_DIR"/*; do
        step="init script $f"
        case "$f" in
            *.sql)
                log "running $f"
                sql -d "$db" -f "$f" ;;
            *.sql.gz)
                log "running $f"
                gzip -dc "$f" | sql -d "$db" ;;
            *.sh)
                log "running $f"
                # With what it needs to reach the temporary server.
                if [ -x "$f" ]; then runner=(); else runner=(bash); fi
                POSTGRES_USER=$user POSTGRES_DB=$db PGHOST=$SOCKET_DIR PGPORT=5432 \
                    PGUSER=$user PGDATABASE=$db "${runner[@]}" "$f" ;;
            *)
                log "ignoring $f (not .sql, .sql.gz or .sh)" ;;
        esac
    done
    shopt -u nullglob

    step="temporary server stop"
    pg_ctl -D "$PGDATA" -m fast -w stop
    rm -f "$PGDATA/$INCOMPLETE"
    trap - ERR EXIT
    log "initialisation complete"
fi

unset POSTGRES_PASSWORD
log "starting PostgreSQL: $*"
exec "$@"
