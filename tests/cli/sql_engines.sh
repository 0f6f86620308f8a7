#!/bin/sh
# sql_engines.sh — the differential test of `kam sql` on real engines
# (docs/testing.md, "SQL on real engines"): every example policy with its
# data (examples/X.kam with examples/X.csv; key_accounts.kam with
# accounts.csv; all --as-of 2026-06-30), bench/bench.kam on 2,000 accounts
# from bench/gen.c, and every run golden of tests/golden/run whose data is a
# CSV (its --as-of, --set, --columns and --delimiter; its --format, --where
# and the like are dropped), each
# through SQLite, PostgreSQL (a throwaway server) and DuckDB: `kam sql
# --export` the data, load it, run the query `kam sql --dialect` prints,
# and compare the result with `kam run --format csv` value by value
# (tests/sql/compare.py). A policy kam sql refuses (exit 1,
# sql-untranslatable) is counted and listed, not a failure — except
# examples/key_accounts.kam and bench/bench.kam, which must translate. A
# golden whose kam run itself refuses (a bad --set, a policy error) or
# writes nothing (the data lacks a column) is left out. A query that
# declines (every row's kam_error saying a record failed in a later
# portfolio pass: use kam run; compare.py exit 3) is counted and listed. An
# engine that cannot run here is skipped and the test exits 77 naming it
# (after running the others; a difference still fails).
# SQL_ENGINES=sqlite,duckdb limits the engines; SQL_CASES=REGEX the cases.
# Against the sanitizer build (KAM_TEST_SANITIZED=1, tests/run.sh) every
# 3rd case on every engine, and the two that must translate.
# kam-test: long
set -u
. "$ROOT/tests/sql/lib/engines.sh"
sql_init
failed=0
t_start=$(date +%s)
fail() { echo "sql_engines: $*"; failed=1; }
W=$SQL_TMP
CMP="$SQL_PY $ROOT/tests/sql/compare.py"

if "$KAM" sql 2>&1 </dev/null | grep -q "unknown command 'sql'"; then
    echo "sql_engines: this kam has no sql command"
    exit 77
fi

engines=""
missing=""
for e in $(echo "${SQL_ENGINES:-sqlite,postgres,duckdb}" | tr , ' '); do
    if why=$(sql_have "$e"); then
        engines="$engines $e"
    else
        missing="$missing${missing:+; }$e ($why)"
    fi
done
if [ -z "$engines" ]; then
    echo "sql_engines: no SQL engine here: $missing"
    exit 77
fi

# The cases, one a line: DIR|POLICY|DATA|OPTIONS (OPTIONS for both kam run
# and kam sql, as shell words).
cases=$W/cases
: >"$cases"
for p in "$ROOT"/examples/*.kam; do
    n=$(basename "$p" .kam)
    d=$ROOT/examples/$n.csv
    [ "$n" = key_accounts ] && d=$ROOT/examples/accounts.csv
    [ -e "$d" ] || continue
    echo "$ROOT/examples|$n.kam|$(basename "$d")|--as-of 2026-06-30" >>"$cases"
done
mkdir "$W/bench"
cp "$ROOT/bench/bench.kam" "$W/bench/"
if ${CC:-cc} -O1 -o "$W/gen" "$ROOT/bench/gen.c" 2>"$W/gen.err" && "$W/gen" 2000 >"$W/bench/bench.csv"; then
    echo "$W/bench|bench.kam|bench.csv|--as-of 2026-06-30" >>"$cases"
else
    fail "bench/gen.c does not build or run: $(cat "$W/gen.err")"
fi
# the run goldens: "run POLICY DATA OPTIONS" in NAME.args; a policy of the
# same text on the same data with the same options only once
"$SQL_PY" - "$ROOT/tests/golden/run" >>"$cases" <<'PY'
import hashlib, os, shlex, sys
d = sys.argv[1]
seen = set()
for f in sorted(os.listdir(d)):
    if not f.endswith(".args"):
        continue
    try:
        words = shlex.split(open(os.path.join(d, f)).read())
    except ValueError:
        continue
    if not words or words[0] != "run":
        continue
    words = words[1:]
    opts, pos, i = [], [], 0
    while i < len(words):
        w = words[i]
        if w in ("--as-of", "--set", "--delimiter", "--columns"):
            opts += [w, words[i + 1]]; i += 2
        elif w.split("=", 1)[0] in ("--as-of", "--set", "--delimiter", "--columns"):
            opts.append(w); i += 1
        elif w in ("--format", "--where", "--width", "--on-error", "--revenue", "-o", "--out", "-j"):
            i += 2
        elif w == "<" and i + 1 < len(words):
            stdin = words[i + 1]; i += 2
            pos = [stdin if p == "-" else p for p in pos]
        elif w.startswith("-") and w != "-":
            i += 1          # --summary, --coverage, --format=..., ...
        else:
            pos.append(w); i += 1
    if len(pos) != 2 or not pos[0].endswith(".kam") or not pos[1].endswith(".csv"):
        continue
    if not os.path.exists(os.path.join(d, pos[1])):
        continue
    # many goldens are one policy under other names (columns_*.kam): once
    with open(os.path.join(d, pos[0]), "rb") as pf:
        key = (hashlib.sha1(pf.read()).hexdigest(), pos[1], tuple(opts))
    if key in seen:
        continue
    seen.add(key)
    print("%s|%s|%s|%s" % (d, pos[0], pos[1], " ".join(shlex.quote(o) for o in opts)))
PY

ncase=0 nskip_run=0 nrefused=0 ncompared=0 ndeclined=0
refused="" kamrefused="" declined=""
for e in $engines; do eval "t_$e=0"; done
while IFS="|" read -r dir pol dat opts <&3; do
    name=$(basename "$dir")/$pol
    [ "$dir" = "$W/bench" ] && name=bench/bench.kam
    [ -n "$opts" ] && name="$name ($dat $opts)" || name="$name ($dat)"
    if [ -n "${SQL_CASES:-}" ] && ! printf '%s\n' "$name" | grep -Eq -- "$SQL_CASES"; then continue; fi
    nseen=$((${nseen:-0} + 1))
    if [ -n "${KAM_TEST_SANITIZED:-}" ] && [ $((nseen % 3)) -ne 1 ]; then
        case $name in examples/key_accounts.kam*|bench/bench.kam*) ;; *) continue ;; esac
    fi
    ncase=$((ncase + 1))
    cd "$dir" || { fail "$name: no directory $dir"; continue; }
    eval "\"\$KAM\" run \"\$pol\" \"\$dat\" --format csv $opts" >"$W/kam.csv" 2>"$W/kam.err" </dev/null
    rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
        nskip_run=$((nskip_run + 1))
        kamrefused="$kamrefused
  $name: kam run exits $rc"
        continue
    elif ! [ -s "$W/kam.csv" ]; then
        nskip_run=$((nskip_run + 1))
        kamrefused="$kamrefused
  $name: kam run writes nothing (exit $rc: $(grep -m1 . "$W/kam.err"))"
        continue
    fi
    must=""
    case $name in examples/key_accounts.kam*|bench/bench.kam*) must=1 ;; esac
    for e in $engines; do
        t0=$(date +%s%N)
        eval "sql_run \"\$e\" \"\$pol\" \"\$dat\" \"\$W/\$e.csv\" $opts"
        rc=$?
        t1=$(date +%s%N)
        eval "t_$e=\$((t_$e + (t1 - t0) / 1000000))"
        if [ $rc -eq 2 ]; then
            why=$(grep -m1 . "$SQL_E/ksql.err")
            if [ -n "$must" ]; then
                fail "$name: kam sql refuses it, but it must translate: $why"
            else
                nrefused=$((nrefused + 1))
                refused="$refused
  $name [$e]: $why"
            fi
            continue
        elif [ $rc -ne 0 ]; then
            fail "$name [$e]: did not run (above)"
            continue
        fi
        ncompared=$((ncompared + 1))
        out=$($CMP --export "$SQL_E/export.csv" --label "$name [$e]" "$W/kam.csv" "$W/$e.csv")
        rc=$?
        if [ $rc -eq 3 ]; then
            ndeclined=$((ndeclined + 1))
            declined="$declined
  $out"
        elif [ $rc -ne 0 ]; then
            fail "$out"
            echo "  to see it (in $dir): kam sql $pol --dialect $e --table kam_data $opts; kam sql $pol --export $dat"
        fi
    done
done 3<"$cases"
cd "$ROOT" || exit 2

echo "sql_engines: $ncase cases, $ncompared engine runs compared ($ndeclined of them declined: a record failed in a later portfolio pass), $nrefused refused by kam sql, $nskip_run left out (kam run refuses them); engines:$engines; $(( $(date +%s) - t_start )) s"
for e in $engines; do eval "echo \"  $e: \$((t_$e / 1000)).\$(( (t_$e % 1000) / 100 )) s (export, load, query)\""; done
[ -n "$refused" ] && printf 'refused by kam sql (sql-untranslatable):%s\n' "$refused"
[ -n "$declined" ] && printf 'declined by the query:%s\n' "$declined"
[ -n "$kamrefused" ] && printf 'left out:%s\n' "$kamrefused"
[ "$ncase" -gt 0 ] || fail "no case ran"
[ "$failed" -ne 0 ] && exit 1
if [ -n "$missing" ]; then
    echo "sql_engines: engines skipped: $missing"
    exit 77
fi
exit 0
