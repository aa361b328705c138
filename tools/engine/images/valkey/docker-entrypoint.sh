#!/bin/sh
# Entry point with the official Valkey image's behaviour.
set -e

# `docker run IMAGE --some-flag` or `docker run IMAGE my.conf`: those are
# arguments for the server.
case "${1-}" in
    -*|*.conf) set -- valkey-server "$@" ;;
esac

# Started as root: hand what is in the working directory (/data) to valkey,
# then run again as valkey with no supplementary groups. Started with
# --user, both steps are skipped and no capability is needed.
if [ "${1-}" = valkey-server ] && [ "$(id -u)" = 0 ]; then
    find . \! -user valkey -exec chown valkey '{}' +
    exec setpriv --reuid=valkey --regid=valkey --clear-groups -- "$0" "$@"
fi

# Keep RDB/AOF files private unless the caller chose a umask of their own.
if [ "$(umask)" = 0022 ]; then
    umask 0077
fi

exec "$@"
