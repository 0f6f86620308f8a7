# Random differential testing of `kam sql` (issue 15): first every saved
# regression under tests/sql/regress/ (a disagreement found once, shrunk),
# then SQL_RANDOM_N random policies with random accounts (default 12; the
# first seed is SQL_RANDOM_FIRST, default 1), each run by kam run and by
# kam sql on every engine tests/sql/lib/engines.sh finds (SQLite, DuckDB,
# PostgreSQL), answers compared value by value. A failure prints its seed:
#   tests/property/sql_random.py --seed S      reproduces it
#   tests/property/sql_random.py --seed S --save tests/sql/regress
#                                              shrinks it into a regression
# Without `kam sql` the random policies are still checked to be valid
# (kam check, kam run) — a generator that writes wrong policies tests nothing.
if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3
elif command -v python3 >/dev/null; then py=python3
else echo "skipped: no python3"; exit 77; fi
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
rc=0
cases=$(ls -d "$ROOT"/tests/sql/regress/[0-9][0-9][0-9]-*/ 2>/dev/null)
if [ -n "$cases" ]; then
    # shellcheck disable=SC2086
    set -- $(printf ' --case %s' $cases)
    "$py" "$ROOT/tests/property/sql_random.py" --kam "$KAM" --work "$t/r" "$@" >"$t/reg" 2>&1
    r=$?
    if [ "$r" -eq 1 ]; then grep -v '^PASS\|^XFAIL' "$t/reg"; rc=1; fi
fi
"$py" "$ROOT/tests/property/sql_random.py" --kam "$KAM" --work "$t/w" \
    --seeds "${SQL_RANDOM_N:-12}" --first "${SQL_RANDOM_FIRST:-1}" >"$t/out" 2>&1 || {
    cat "$t/out"; rc=1; }
exit $rc
