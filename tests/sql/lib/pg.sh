# pg.sh — a throwaway PostgreSQL server for the SQL engine tests, sourced
# (docs/testing.md, "SQL on real engines"). Debian's `postgresql` package:
# initdb and pg_ctl from /usr/lib/postgresql/*/bin (the newest), run as the
# user `postgres` when we are root (the server refuses to run as root),
# else as ourselves. The cluster lives in a new temporary directory; the
# server listens only on a Unix socket in it (no TCP port), so several test
# scripts can each have their own at once.
#
#   pg_have          0 when a server can be started here, else prints why
#   pg_start         starts it (once per script); sets PG_DIR and exports
#                    PGHOST, PGPORT, PGUSER, PGDATABASE for psql
#   pg_psql ARGS...  psql on it (-X, no password, ON_ERROR_STOP)
#   pg_stop          stops it and removes PG_DIR (idempotent)
#
# pg_start does not set a trap itself (a script has one trap per signal):
# the script's own EXIT/INT/TERM trap must call pg_stop — engines.sh's
# sql_init does that. The database is created with ICU's en-US collation
# and a UTF-8 ctype, like a real server's default and unlike byte order:
# a query that forgets COLLATE "C" or relies on ASCII-only lower() shows
# up as a difference.

PG_DIR=""
PG_AS=""

pg_bindir() {
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
    done
    return 1
}

# runs a command as the server's user
pg_as() {
    if [ -n "$PG_AS" ]; then
        runuser -u "$PG_AS" -- "$@"
    else
        "$@"
    fi
}

pg_have() {
    if ! PG_BIN=$(pg_bindir); then
        echo "no PostgreSQL server here (Debian package postgresql: initdb, pg_ctl)"
        return 1
    fi
    if ! command -v psql >/dev/null 2>&1; then
        echo "no psql here (Debian package postgresql-client)"
        return 1
    fi
    if [ "$(id -u)" = 0 ]; then
        if ! id postgres >/dev/null 2>&1; then
            echo "running as root and there is no user postgres to run the server as"
            return 1
        fi
        if ! command -v runuser >/dev/null 2>&1; then
            echo "running as root and there is no runuser to start the server as postgres"
            return 1
        fi
    fi
    return 0
}

pg_start() {
    pg_have >/dev/null || { pg_have >&2; return 1; }
    PG_BIN=$(pg_bindir)
    [ "$(id -u)" = 0 ] && PG_AS=postgres
    # a short path (a socket's path has at most 107 bytes) the server's
    # user can reach: $TMPDIR when it can, else /tmp
    base=${TMPDIR:-/tmp}
    if [ -n "$PG_AS" ] && ! runuser -u "$PG_AS" -- test -x "$base" 2>/dev/null; then base=/tmp; fi
    [ ${#base} -gt 60 ] && base=/tmp
    PG_DIR=$(mktemp -d "$base/kam-pg.XXXXXX") || return 1
    [ -n "$PG_AS" ] && chown "$PG_AS" "$PG_DIR"
    chmod 700 "$PG_DIR"
    if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 \
        --locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US >"$PG_DIR/initdb.log" 2>&1; then
        echo "pg.sh: initdb failed:" >&2
        tail -20 "$PG_DIR/initdb.log" >&2
        return 1
    fi
    if ! pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-k $PG_DIR -c listen_addresses='' -p 5432 -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
        start >"$PG_DIR/pg_ctl.log" 2>&1; then
        echo "pg.sh: the server did not start:" >&2
        tail -20 "$PG_DIR/server.log" "$PG_DIR/pg_ctl.log" >&2 2>/dev/null
        return 1
    fi
    export PGHOST="$PG_DIR" PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
    return 0
}

pg_psql() {
    psql -X -q -v ON_ERROR_STOP=1 "$@"
}

pg_stop() {
    [ -n "$PG_DIR" ] || return 0
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
            pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >&2
    fi
    rm -rf "$PG_DIR"
    PG_DIR=""
    return 0
}
