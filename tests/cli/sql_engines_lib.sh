#!/bin/sh
# sql_engines_lib.sh — the plumbing under tests/cli/sql_engines.sh, without
# kam sql: a hand-written table and query in SQLite, PostgreSQL and DuckDB
# (tests/sql/lib/engines.sh). Each engine must load the canonical CSV of
# `kam sql --export` faithfully (an unquoted \N is NULL, the string "\N"
# stays a string, "" stays empty, quotes, commas, newlines and UTF-8 stay,
# doubles keep every bit) and give its result as the CSV compare.py reads;
# compare.py must find a changed value, a last-bit difference (unless a
# tolerance is given) and accept kam's 15-digit text of a computed double, a wrong kam_error row, a missing row and a changed
# header; build/kam-duckdb must report a bad statement with a message and
# exit 1; pg.sh must leave no server and no directory behind, after a normal
# end, a failing script and an interrupted one. An engine that is not here
# is skipped (77 when none is).
# kam-test: long
set -u
. "$ROOT/tests/sql/lib/engines.sh"
sql_init
failed=0
fail() { echo "sql_engines_lib: $*" >&2; failed=1; }
cd "$SQL_TMP" || exit 2
CMP="$SQL_PY $ROOT/tests/sql/compare.py"

# the data: as `kam sql --export` writes it
cat >data.csv <<'EOF'
id,name,amount,note
"A1","Acme, Inc.",1250000.5,"said ""hi"""
"A2","\N",0.1,\N
"A3","",1e-07,"two
lines"
"A4",\N,\N,"Böhm & Söhne"
"A5","x",0.30000000000000004,"\\N"
"A6","ok",123456789.123,"\N "
"A7","bad",-0.5,"x"
EOF
# what kam run would print for a policy that shows the four columns and
# whether name is missing (A7 left out with an error)
cat >kam.csv <<'EOF'
id,name,amount,note,missing
A1,"Acme, Inc.",1250000.5,"said ""hi""",no
A2,\N,0.1,,no
A3,,1e-07,"two
lines",no
A4,,,Böhm & Söhne,yes
A5,x,0.30000000000000004,\\N,no
A6,ok,123456789.123,\N ,no
EOF

schema() { # ENGINE
    case $1 in
    sqlite) echo 'CREATE TABLE t (id TEXT, name TEXT, amount REAL, note TEXT);' ;;
    postgres) echo 'CREATE TABLE t (id text, name text, amount double precision, note text);' ;;
    duckdb) echo 'CREATE TABLE t (id VARCHAR, name VARCHAR, amount DOUBLE, note VARCHAR);' ;;
    esac
}
cat >query.sql <<'EOF'
SELECT id, name, amount, note,
       CASE WHEN name IS NULL THEN 'yes' ELSE 'no' END AS missing,
       CAST(NULL AS TEXT) AS kam_error
FROM t WHERE id <> 'A7'
UNION ALL
SELECT 'A7', NULL, NULL, NULL, NULL, 'division by zero at p.kam:3:4'
ORDER BY 1;
EOF

# build/kam-duckdb once more under ASan+UBSan: it runs below beside the
# plain one
duck_bins=""
if sql_have duckdb >/dev/null; then
    duck_bins=$KAM_DUCKDB
    if ${CC:-cc} -std=c11 -Wall -Wextra -Werror -O1 -g -fsanitize=address,undefined \
        -fno-omit-frame-pointer -fno-sanitize-recover=all -o kam-duckdb-san \
        "$ROOT/tests/sql/duckdb_client.c" -ldl 2>cc.err; then
        duck_bins="$duck_bins $SQL_TMP/kam-duckdb-san"
    else
        fail "kam-duckdb does not build under ASan+UBSan: $(cat cc.err)"
    fi
fi
# the library the Makefile builds kam-duckdb to load (the san build names none)
: "${KAM_DUCKDB_LIB:=$ROOT/tests/sql/duckdb/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so}"
export KAM_DUCKDB_LIB
plain_duckdb=$KAM_DUCKDB

ran=0
for e in sqlite postgres duckdb duckdb-san; do
    KAM_DUCKDB=$plain_duckdb
    if [ "$e" = duckdb-san ]; then
        [ -x kam-duckdb-san ] || continue
        e=duckdb
        KAM_DUCKDB=$SQL_TMP/kam-duckdb-san
    fi
    if ! why=$(sql_have "$e"); then
        echo "sql_engines_lib: $e skipped: $why"
        continue
    fi
    ran=$((ran + 1))
    schema "$e" >schema.sql
    if ! sql_load "$e" schema.sql data.csv t; then fail "$e: loading failed"; continue; fi
    if ! sql_query "$e" query.sql "$e.csv"; then fail "$e: the query failed"; continue; fi
    # the loaded values themselves, NULL apart from the empty text
    cat >probe.sql <<'EOF'
SELECT id, CASE WHEN name IS NULL THEN 'NULL' ELSE '[' || name || ']' END AS n,
       CASE WHEN note IS NULL THEN 'NULL' ELSE '[' || note || ']' END AS o
FROM t ORDER BY id;
EOF
    sql_query "$e" probe.sql probe.csv || { fail "$e: the probe failed"; continue; }
    cat >probe.want <<'EOF'
id,n,o
A1,"[Acme, Inc.]","[said ""hi""]"
A2,[\N],NULL
A3,[],"[two
lines]"
A4,NULL,[Böhm & Söhne]
A5,[x],[\\N]
A6,[ok],[\N ]
A7,[bad],[x]
EOF
    cmp -s probe.csv probe.want || fail "$e: the loaded values are not the data's: $(diff probe.want probe.csv)"
    # the result agrees with kam run's, the rows with kam_error = A7 only
    out=$($CMP --export data.csv kam.csv "$e.csv") || fail "$e: compare.py disagrees: $out"
    # compare.py must be able to fail: a value, a bit, a row, a header
    sed 's/^A6,ok,/A6,OK,/' kam.csv >k1.csv
    $CMP k1.csv "$e.csv" >cmp.out && fail "$e: compare.py missed a changed text"
    grep -q 'key A6, column name' cmp.out || fail "$e: compare.py did not name the difference: $(cat cmp.out)"
    # kam run writes a computed number with 15 significant digits when no
    # shorter decimal gives it back: 0.30000000000000004 as 0.3
    sed 's/^A5,x,0.30000000000000004,/A5,x,0.3,/' kam.csv >k6.csv
    out=$($CMP k6.csv "$e.csv") || fail "$e: compare.py refused kam's 15-digit text of a double: $out"
    sed 's/^A5,x,0.30000000000000004,/A5,x,0.30000000000001,/' kam.csv >k7.csv
    $CMP k7.csv "$e.csv" >cmp.out && fail "$e: compare.py missed a difference in the 14th digit"
    sed 's/^A5,x,0.30000000000000004,/A5,x,0.3000000000000001,/' kam.csv >k2.csv
    $CMP k2.csv "$e.csv" >cmp.out && fail "$e: compare.py missed a last-bit difference"
    $CMP --rel-tol 1e-12 k2.csv "$e.csv" >cmp.out || fail "$e: --rel-tol 1e-12 did not allow a last-bit difference"
    grep -q 'within --rel-tol' cmp.out || fail "$e: compare.py did not report the tolerated value"
    $CMP --rel-tol 1e-9 k2.csv "$e.csv" >/dev/null 2>&1; [ $? -eq 2 ] || fail "$e: --rel-tol 1e-9 was accepted"
    grep -v '^A1,' kam.csv >k3.csv
    $CMP k3.csv "$e.csv" >cmp.out && fail "$e: compare.py missed an answer for a record kam run left out"
    printf 'A7,x,1,y,no\n' | cat kam.csv - >k4.csv
    $CMP k4.csv "$e.csv" >cmp.out && fail "$e: compare.py missed a kam_error row kam run answers"
    grep -v '^"A4",' data.csv >x.csv
    $CMP --export x.csv kam.csv "$e.csv" >cmp.out && fail "$e: compare.py missed a row that was never loaded"
    sed '1s/missing/absent/' kam.csv >k5.csv
    $CMP k5.csv "$e.csv" >cmp.out && fail "$e: compare.py missed a changed header"
done

# a missing value in a column with a CHECK (an optional enum field) loads
# as NULL: the \N it is on the way must not meet the CHECK
printf 'id,level\n"A",gold\n"B",\N\n' >chk.csv
for e in sqlite postgres duckdb; do
    sql_have "$e" >/dev/null || continue
    echo "CREATE TABLE c (id TEXT, level TEXT CHECK (level IN ('gold', 'silver')));" >chk.sql
    sql_load "$e" chk.sql chk.csv c || { fail "$e: a NULL in a CHECKed column does not load"; continue; }
    echo "SELECT id, CASE WHEN level IS NULL THEN 'NULL' ELSE level END AS level FROM c ORDER BY id;" >chkq.sql
    sql_query "$e" chkq.sql chk.out && printf 'id,level\nA,gold\nB,NULL\n' | cmp -s - chk.out ||
        fail "$e: a CHECKed column: $(cat chk.out)"
done

# kam-duckdb: errors are exit 1 with DuckDB's message, files exit 2; no
# sanitizer report
for bin in $duck_bins; do
    "$bin" -c 'SELECT * FROM no_such_table' >out 2>err
    rc=$?
    [ "$rc" -eq 1 ] || fail "$bin: a missing table: exit $rc, want 1"
    grep -q 'no_such_table' err || fail "$bin: a missing table: no message naming it: $(cat err)"
    "$bin" -c 'SELECT 1 AS a' -c 'SELEC 2' -c 'SELECT 3 AS c' >out 2>err
    rc=$?
    [ "$rc" -eq 1 ] || fail "$bin: a syntax error: exit $rc, want 1"
    grep -qi 'syntax error' err || fail "$bin: a syntax error: no message: $(cat err)"
    printf 'a\n1\n' | cmp -s - out || fail "$bin: did not stop after the failing statement: $(cat out)"
    printf 'CREATE TABLE x (v DOUBLE);\nINSERT INTO x VALUES (1.5), (NULL);\nSELECT v FROM x ORDER BY v NULLS LAST;\n' >s.sql
    "$bin" --db duck2.db s.sql >out 2>err && printf 'v\n1.5\n\n' | cmp -s - out ||
        fail "$bin: a script file: $(cat out err)"
    "$bin" --db duck2.db -c 'SELECT count(*) AS n FROM x' >out 2>err && printf 'n\n2\n' | cmp -s - out ||
        fail "$bin: --db did not keep the table: $(cat out err)"
    "$bin" no-such-file.sql >out 2>err
    rc=$?
    [ "$rc" -eq 2 ] && grep -q 'no-such-file.sql' err || fail "$bin: a missing file: exit $rc: $(cat err)"
    KAM_DUCKDB_LIB=/nonexistent/libduckdb.so "$bin" -c 'SELECT 1' >out 2>err
    rc=$?
    [ "$rc" -eq 2 ] && grep -q 'make sql-deps' err || fail "$bin: no library: exit $rc: $(cat err)"
    "$bin" --bogus >out 2>err
    [ $? -eq 2 ] || fail "$bin: an unknown option is not exit 2"
    "$bin" -c 'SELECT 1 AS a' >out 2>err
    [ $? -eq 0 ] && ! [ -s err ] || fail "$bin: a plain query wrote to stderr: $(cat err)"
    rm -f duck2.db duck2.db.wal
done

# pg.sh: no server and no directory left, whatever way the script ends
if sql_have postgres >/dev/null; then
    # INT as from Ctrl-C, and TERM; a shell started in the background (as
    # tests/run.sh starts this one) ignores INT and cannot trap it, so the
    # script runs from a python3 that sets INT back to the default
    for how in normal fail int term; do
        cat >pgt.sh <<EOF
. "$ROOT/tests/sql/lib/engines.sh"
sql_init
sql_pg_up || exit 9
echo "\$PG_DIR" >"$SQL_TMP/pgdir"
pg_psql -c 'SELECT 1' >/dev/null || exit 8
case $how in
normal) exit 0 ;;
fail) false || exit 1 ;;
int) kill -INT \$\$; sleep 5; exit 7 ;;
term) kill -TERM \$\$; sleep 5; exit 7 ;;
esac
EOF
        rm -f pgdir
        "$SQL_PY" -c 'import signal, subprocess, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
sys.exit(subprocess.call(["sh", "pgt.sh"]))' >pgt.out 2>&1
        rc=$?
        case $how in normal) want=0 ;; fail) want=1 ;; int) want=130 ;; term) want=143 ;; esac
        [ "$rc" -eq "$want" ] || fail "pg.sh ($how): exit $rc, want $want: $(cat pgt.out)"
        dir=$(cat pgdir 2>/dev/null)
        if [ -z "$dir" ]; then
            fail "pg.sh ($how): the server did not start: $(cat pgt.out)"
            continue
        fi
        [ -e "$dir" ] && fail "pg.sh ($how): $dir is still there"
        if ps -eo stat=,args= | grep -v '^Z' | grep -F -- "$dir" | grep -v grep >/dev/null; then
            fail "pg.sh ($how): a process of the server in $dir is still running"
        fi
    done
fi

[ "$ran" -gt 0 ] || { echo "sql_engines_lib: no SQL engine here (sqlite3, postgresql, make sql-deps)"; exit 77; }
exit $failed
