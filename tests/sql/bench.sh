#!/bin/sh
# bench.sh — the time of `kam sql`'s query for bench/bench.kam on N
# generated accounts (bench/gen.c, --as-of 2026-06-30) in SQLite,
# PostgreSQL and DuckDB, next to `kam run` (docs/performance.md, "kam sql
# on 1M accounts").
#
#   tests/sql/bench.sh [N]        N accounts, default 1000000
#   RUNS=5 tests/sql/bench.sh     timed runs of each query, median shown
#   SQL_ENGINES=duckdb,sqlite     only these engines
#
# For each: the load once (kam sql --schema's CREATE TABLE and the engine's
# CSV import of `kam sql --export`, as tests/sql/lib/engines.sh does it),
# timed apart; then the query RUNS times, each writing its whole result as
# CSV to a file (as `kam run --format csv -o FILE` does): the sqlite3 shell
# (-csv), psql running COPY (query) TO STDOUT, build/kam-duckdb (threads=1).
# Wall-clock seconds (date +%s.%N around the command) and CPU seconds:
# user + sys of the process (/usr/bin/time), for PostgreSQL the backend's
# (it exits with the connection and the postmaster reaps it: the
# postmaster's cutime + cstime in /proc, before and after). On a shared
# machine the CPU seconds are the ones to compare. The PostgreSQL server is
# the one pg.sh starts (fsync off, otherwise the defaults).
# Last, each engine's result is compared with kam run's (compare.py): the
# timing of a wrong answer would mean nothing. Needs build/kam,
# build/kam-duckdb and `make sql-deps`.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
KAM=${KAM:-$ROOT/build/kam}
N=${1:-1000000}
RUNS=${RUNS:-3}
export ROOT KAM
. "$ROOT/tests/sql/lib/engines.sh"
sql_init
W=$SQL_TMP
AS_OF=2026-06-30

now() { date +%s.%N; }
# cpu FILE CMD...: runs CMD, adds its user + sys seconds to FILE
cpu() { _f=$1; shift; /usr/bin/time -f '%U %S' -o "$_f.t" "$@"; _rc=$?; awk '{ printf "%.2f\n", $1 + $2 }' "$_f.t" >>"$_f"; return $_rc; }
pm_cpu() { awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($16 + $17) / t }' "/proc/$(head -1 "$PG_DIR/data/postmaster.pid")/stat"; }
secs() { echo "$1 $2" | awk '{ printf "%.2f", $2 - $1 }'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

${CC:-cc} -O2 -o "$W/gen" bench/gen.c || exit 2
"$W/gen" "$N" >"$W/a.csv" || exit 2
echo "bench/bench.kam on $N accounts (bench/gen.c), --as-of $AS_OF; median of $RUNS runs; $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)"

ts=""
: >"$W/cpu"
for i in $(seq "$RUNS"); do
    t0=$(now)
    cpu "$W/cpu" "$KAM" run bench/bench.kam "$W/a.csv" --format csv --as-of $AS_OF -o "$W/kam.csv" || exit 1
    ts="$ts $(secs "$t0" "$(now)")"
done
echo "kam run --format csv -o FILE: wall $(echo "$ts" | median) s (runs:$ts); cpu $(median <"$W/cpu") s (runs: $(echo $(cat "$W/cpu")))"

t0=$(now)
"$KAM" sql bench/bench.kam --export "$W/a.csv" -o "$W/export.csv" || exit 1
echo "kam sql --export: $(secs "$t0" "$(now)") s"

for e in $(echo "${SQL_ENGINES:-sqlite,postgres,duckdb}" | tr , ' '); do
    if ! why=$(sql_have "$e"); then echo "$e: skipped: $why"; continue; fi
    "$KAM" sql bench/bench.kam --schema --dialect "$e" --table kam_data -o "$W/schema.sql" || exit 1
    "$KAM" sql bench/bench.kam --dialect "$e" --table kam_data --as-of $AS_OF -o "$W/query.sql" || exit 1
    [ "$e" = postgres ] && { sql_pg_up || exit 1; }
    t0=$(now)
    sql_load "$e" "$W/schema.sql" "$W/export.csv" kam_data || exit 1
    load=$(secs "$t0" "$(now)")
    case $e in
    postgres)
        pg_psql -c 'VACUUM ANALYZE kam_data' >/dev/null
        "$SQL_PY" tests/sql/csvtool.py pg-copy "$W/query.sql" "$W/pg-query.sql" || exit 1 ;;
    esac
    ts=""
    : >"$W/cpu"
    for i in $(seq "$RUNS"); do
        t0=$(now)
        case $e in
        sqlite) cpu "$W/cpu" sqlite3 -bail -csv -header "$SQL_E/sqlite.db" <"$W/query.sql" >"$W/$e.out" ;;
        postgres)
            c0=$(pm_cpu)
            pg_psql -f "$W/pg-query.sql" >"$W/$e.out"
            ;;
        duckdb) cpu "$W/cpu" "$KAM_DUCKDB" --db "$SQL_E/duck.db" "$W/query.sql" >"$W/$e.out" ;;
        esac || { echo "$e: the query failed"; exit 1; }
        ts="$ts $(secs "$t0" "$(now)")"
        if [ $e = postgres ]; then
            sleep 0.5     # the postmaster reaps the backend
            echo "$c0 $(pm_cpu)" | awk '{ printf "%.2f\n", $2 - $1 }' >>"$W/cpu"
        fi
    done
    sql_query "$e" "$W/query.sql" "$W/$e.csv" || exit 1
    if "$SQL_PY" tests/sql/compare.py --export "$W/export.csv" "$W/kam.csv" "$W/$e.csv" >"$W/cmp.out"; then
        agree="agrees with kam run"
    else
        agree="DISAGREES with kam run: $(head -3 "$W/cmp.out" | tr '\n' ' ')"
    fi
    echo "$e: load $load s; query wall $(echo "$ts" | median) s (runs:$ts); cpu $(median <"$W/cpu") s (runs: $(echo $(cat "$W/cpu"))); $agree"
done
