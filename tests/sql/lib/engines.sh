# engines.sh — load data into a real SQL engine and run a query there, for
# the SQL engine tests (docs/testing.md, "SQL on real engines"). Sourced by
# a test script (POSIX sh) that has set KAM (the kam binary) and ROOT (the
# repository); BUILD (default build) names the build with kam-duckdb.
#
#   sql_init                    a work directory SQL_TMP for the script (the
#                               functions keep their files in SQL_TMP/.e)
#                               and the trap that stops the PostgreSQL
#                               server and removes SQL_TMP (EXIT, HUP, INT,
#                               PIPE, TERM); call it first, in the script's
#                               own shell. A script's own cleanup goes in
#                               SQL_CLEANUP (a command string).
#   sql_have ENGINE             0 if ENGINE can run here, else prints why
#   sql_load ENGINE SCHEMA CSV TABLE
#                               (re)creates TABLE with the CREATE TABLE in
#                               file SCHEMA and loads the canonical CSV
#                               (`kam sql --export`: \N unquoted = NULL,
#                               strings quoted) faithfully
#   sql_query ENGINE SQLFILE OUTCSV
#                               runs the query, writes its result as CSV:
#                               header, rows; NULL an empty unquoted field,
#                               an empty text "", numbers exact (shortest
#                               text that reads back to the same double)
#   sql_run ENGINE POLICY DATA OUTCSV [OPTIONS...]
#                               `kam sql --schema` and `--dialect ENGINE`,
#                               `kam sql --export` DATA, load, query. OPTIONS:
#                               --as-of, --set, --columns go to the query
#                               (--columns to the export too); --input,
#                               --sheet, --delimiter, --on-error to the
#                               export. Returns 0, or 2 when kam sql refuses
#                               the policy (exit 1, sql-untranslatable; the
#                               message in $SQL_E/ksql.err), or 1 (a
#                               message on stderr).
#
# ENGINE is sqlite, postgres or duckdb. Each keeps one database for the
# whole script: a file for SQLite and DuckDB, one PostgreSQL server
# (tests/sql/lib/pg.sh) started on first use. sql_load and sql_run must run
# in the script's shell, not in a subshell ($(...), a pipeline), or the
# server would be started again and not stopped.
#   SQLite: the sqlite3 shell loads (`.import --csv` into a table without
#     the constraints, \N to NULL, then INSERT ... SELECT); the
#     query runs through /usr/bin/python3's sqlite3 module, which binds the
#     same libsqlite3, because the shell prints a double with 15 digits.
#   PostgreSQL: psql's \copy ... (FORMAT csv, HEADER, NULL '\N') loads; the
#     query runs as COPY (query) TO STDOUT (FORMAT csv, HEADER).
#   DuckDB: build/kam-duckdb (tests/sql/duckdb_client.c; `make sql-deps`)
#     runs COPY ... FROM (NULLSTR '\N', ALLOW_QUOTED_NULLS false) and the
#     query, with threads=1; sql_run does both in one process on an
#     in-memory database (sql_load and sql_query keep a file).

SQL_PY=/usr/bin/python3
SQL_LIB=$ROOT/tests/sql
. "$SQL_LIB/lib/pg.sh"
SQL_TMP=""
SQL_E=""
SQL_CLEANUP=""
SQL_PG_STARTED=""
KAM_DUCKDB=${KAM_DUCKDB:-$ROOT/${BUILD:-build}/kam-duckdb}

sql_cleanup() {
    pg_stop
    [ -n "$SQL_TMP" ] && rm -rf "$SQL_TMP"
    SQL_TMP=""
    [ -n "$SQL_CLEANUP" ] && eval "$SQL_CLEANUP"
    return 0
}

sql_init() {
    SQL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kam-sql.XXXXXX") || exit 2
    SQL_E=$SQL_TMP/.e
    mkdir "$SQL_E" || exit 2
    trap 'sql_cleanup' EXIT
    trap 'sql_cleanup; trap - EXIT; exit 129' HUP
    trap 'sql_cleanup; trap - EXIT; exit 130' INT
    trap 'sql_cleanup; trap - EXIT; exit 141' PIPE
    trap 'sql_cleanup; trap - EXIT; exit 143' TERM
}

sql_have() {
    case $1 in
    sqlite)
        command -v sqlite3 >/dev/null 2>&1 || { echo "no sqlite3 shell here (Debian package sqlite3)"; return 1; }
        "$SQL_PY" -c 'import sqlite3' 2>/dev/null || { echo "$SQL_PY has no sqlite3 module"; return 1; }
        ;;
    postgres)
        pg_have || return 1
        ;;
    duckdb)
        [ -x "$KAM_DUCKDB" ] || { echo "no $KAM_DUCKDB (make ${BUILD:-build}/kam-duckdb)"; return 1; }
        "$KAM_DUCKDB" -c 'SELECT 1' >/dev/null 2>&1 ||
            { echo "$KAM_DUCKDB cannot run DuckDB: $("$KAM_DUCKDB" -c 'SELECT 1' 2>&1 | head -1) (make sql-deps)"; return 1; }
        ;;
    *)
        echo "unknown engine $1"
        return 1
        ;;
    esac
    return 0
}

# the server, started once
sql_pg_up() {
    [ -n "$SQL_PG_STARTED" ] && return 0
    pg_start || return 1
    SQL_PG_STARTED=1
}

sql_load() { # ENGINE SCHEMA CSV TABLE
    _e=$1 _schema=$2 _csv=$3 _t=$4
    case $_e in
    sqlite)
        # .import reads every field as text, and a quoted "\N" (a string)
        # the same as an unquoted \N (NULL): csvtool.py renames such
        # strings first (to a text found nowhere in the file) and writes the
        # UPDATE that turns \N into NULL and the renamed ones back. The
        # import goes to a table without the schema's constraints (a CHECK
        # on an enum's names would refuse the \N a missing value is until
        # then), then into the table itself.
        rm -f "$SQL_E/sqlite.db" "$SQL_E/sqlite.csv"
        _h=$(head -n 1 "$_csv")
        if ! grep -qF '"\N"' "$_csv" && printf '%s\n' "$_h" | grep -Eq '^[A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*$'; then
            # no string \N and a plain header (the common case): the
            # UPDATE without python
            printf '%s\n' "$_h" | tr , '\n' | awk '
                { s = s (NR > 1 ? ", " : "") "\"" $0 "\" = NULLIF(\"" $0 "\", '"'"'\\N'"'"')" }
                END { print "UPDATE \"kam_load\" SET " s ";" }' >"$SQL_E/sqlite-fix.sql"
        else
            "$SQL_PY" "$SQL_LIB/csvtool.py" sqlite-prep "$_csv" kam_load "$SQL_E/sqlite.csv" "$SQL_E/sqlite-fix.sql" || return 1
        fi
        _in=$_csv
        [ -e "$SQL_E/sqlite.csv" ] && _in=$SQL_E/sqlite.csv
        {
            cat "$_schema"
            printf '\nCREATE TEMP TABLE kam_load AS SELECT * FROM %s WHERE 0;\n' "$_t"
            printf '.import --csv --skip 1 %s kam_load\n' "$_in"
            cat "$SQL_E/sqlite-fix.sql"
            printf 'INSERT INTO %s SELECT * FROM kam_load;\n' "$_t"
        } | sqlite3 -bail "$SQL_E/sqlite.db" >"$SQL_E/load.err" 2>&1 && ! [ -s "$SQL_E/load.err" ] || {
            echo "sqlite: loading $_csv failed:" >&2
            cat "$SQL_E/load.err" >&2
            return 1
        }
        ;;
    postgres)
        sql_pg_up || return 1
        sql_pg_load_sql "$_schema" "$_csv" "$_t" >"$SQL_E/pg-load.sql"
        pg_psql -f "$SQL_E/pg-load.sql" >"$SQL_E/load.err" 2>&1 || {
            echo "postgres: loading $_csv failed:" >&2
            cat "$SQL_E/load.err" >&2
            return 1
        }
        ;;
    duckdb)
        rm -f "$SQL_E/duck.db" "$SQL_E/duck.db.wal"
        sql_duck_load_sql "$_schema" "$_csv" "$_t" >"$SQL_E/duck-load.sql"
        "$KAM_DUCKDB" --db "$SQL_E/duck.db" "$SQL_E/duck-load.sql" >/dev/null 2>"$SQL_E/load.err" || {
            echo "duckdb: loading $_csv failed:" >&2
            cat "$SQL_E/load.err" >&2
            return 1
        }
        ;;
    *) echo "unknown engine $_e" >&2; return 1 ;;
    esac
    return 0
}

sql_query() { # ENGINE SQLFILE OUTCSV
    _e=$1 _q=$2 _out=$3
    case $_e in
    sqlite)
        "$SQL_PY" "$SQL_LIB/csvtool.py" sqlite-query "$SQL_E/sqlite.db" "$_q" "$_out" 2>"$SQL_E/query.err" || {
            echo "sqlite: the query failed:" >&2
            cat "$SQL_E/query.err" >&2
            return 1
        }
        ;;
    postgres)
        sql_pg_up || return 1
        # COPY takes one query, without its ;
        "$SQL_PY" "$SQL_LIB/csvtool.py" pg-copy "$_q" "$SQL_E/pg-query.sql" || return 1
        pg_psql -f "$SQL_E/pg-query.sql" >"$_out" 2>"$SQL_E/query.err" || {
            echo "postgres: the query failed:" >&2
            cat "$SQL_E/query.err" >&2
            return 1
        }
        ;;
    duckdb)
        "$KAM_DUCKDB" --db "$SQL_E/duck.db" "$_q" >"$_out" 2>"$SQL_E/query.err" || {
            echo "duckdb: the query failed:" >&2
            cat "$SQL_E/query.err" >&2
            return 1
        }
        ;;
    *) echo "unknown engine $_e" >&2; return 1 ;;
    esac
    return 0
}

sql_run() { # ENGINE POLICY DATA OUTCSV [OPTIONS...]
    _e=$1 _p=$2 _d=$3 _o=$4
    shift 4
    _qopts="" _xopts=""
    while [ $# -gt 0 ]; do
        case $1 in
        --as-of|--set) _qopts="$_qopts $(sql_quote "$1") $(sql_quote "$2")"; shift 2 ;;
        --as-of=*|--set=*) _qopts="$_qopts $(sql_quote "$1")"; shift ;;
        # kam sql checks the output columns in every mode
        --columns) _qopts="$_qopts $(sql_quote "$1") $(sql_quote "$2")"
            _xopts="$_xopts $(sql_quote "$1") $(sql_quote "$2")"; shift 2 ;;
        --columns=*) _qopts="$_qopts $(sql_quote "$1")"; _xopts="$_xopts $(sql_quote "$1")"; shift ;;
        --input|--sheet|--delimiter|--on-error) _xopts="$_xopts $(sql_quote "$1") $(sql_quote "$2")"; shift 2 ;;
        *) _xopts="$_xopts $(sql_quote "$1")"; shift ;;
        esac
    done
    _t=kam_data
    # the query first: a policy kam sql refuses needs no export (--schema
    # gets the options too: it checks the policy's output columns)
    eval "\"\$KAM\" sql \"\$_p\" --schema --dialect \"\$_e\" --table \"\$_t\" $_qopts -o \"\$SQL_E/schema.sql\"" 2>"$SQL_E/ksql.err" </dev/null
    _rc=$?
    if [ $_rc -eq 0 ]; then
        eval "\"\$KAM\" sql \"\$_p\" --dialect \"\$_e\" --table \"\$_t\" $_qopts -o \"\$SQL_E/query.sql\"" 2>"$SQL_E/ksql.err" </dev/null
        _rc=$?
    fi
    if [ $_rc -eq 1 ] && grep -q 'sql-untranslatable' "$SQL_E/ksql.err"; then
        return 2
    elif [ $_rc -ne 0 ]; then
        echo "kam sql $_p --dialect $_e: exit $_rc" >&2
        cat "$SQL_E/ksql.err" >&2
        return 1
    fi
    eval "\"\$KAM\" sql \"\$_p\" --export \"\$_d\" $_xopts -o \"\$SQL_E/export.csv\"" 2>"$SQL_E/export.err" </dev/null
    _rc=$?
    if [ $_rc -ne 0 ] && [ $_rc -ne 3 ]; then
        echo "kam sql $_p --export $_d: exit $_rc" >&2
        cat "$SQL_E/export.err" >&2
        return 1
    fi
    if [ "$_e" = postgres ]; then
        # one psql for the load and the query
        sql_pg_up || return 1
        sql_pg_load_sql "$SQL_E/schema.sql" "$SQL_E/export.csv" "$_t" >"$SQL_E/pg-load.sql"
        "$SQL_PY" "$SQL_LIB/csvtool.py" pg-copy "$SQL_E/query.sql" "$SQL_E/pg-query.sql" || return 1
        pg_psql -f "$SQL_E/pg-load.sql" -f "$SQL_E/pg-query.sql" >"$_o" 2>"$SQL_E/query.err" || {
            echo "postgres: loading or the query failed:" >&2
            cat "$SQL_E/query.err" >&2
            return 1
        }
        return 0
    fi
    if [ "$_e" = duckdb ]; then
        # one process, an in-memory database: the library loads once
        sql_duck_load_sql "$SQL_E/schema.sql" "$SQL_E/export.csv" "$_t" >"$SQL_E/duck-load.sql"
        "$KAM_DUCKDB" "$SQL_E/duck-load.sql" "$SQL_E/query.sql" >"$_o" 2>"$SQL_E/query.err" || {
            echo "duckdb: loading or the query failed:" >&2
            cat "$SQL_E/query.err" >&2
            return 1
        }
        return 0
    fi
    sql_load "$_e" "$SQL_E/schema.sql" "$SQL_E/export.csv" "$_t" || return 1
    sql_query "$_e" "$SQL_E/query.sql" "$_o" || return 1
    return 0
}

# PostgreSQL's loading script for psql: SCHEMA CSV TABLE
sql_pg_load_sql() {
    printf 'SET client_min_messages = warning;\nDROP TABLE IF EXISTS %s;\n' "$3"
    cat "$1"
    printf '\n\\copy %s FROM '"'"'%s'"'"' WITH (FORMAT csv, HEADER, NULL '"'"'\\N'"'"')\n' "$3" "$2"
}

# DuckDB's loading script: SCHEMA CSV TABLE
sql_duck_load_sql() {
    cat "$1"
    printf "\nCOPY %s FROM '%s' (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NULLSTR '\\\\N', ALLOW_QUOTED_NULLS false, AUTO_DETECT false);\n" "$3" "$2"
}

# one word, quoted for eval
sql_quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
