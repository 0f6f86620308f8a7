# Random differential testing of `kam sql` (issue 15): first every saved
# regression under tests/sql/regress/ (a disagreement found once, shrunk),
# then SQL_RANDOM_N random policies with random accounts (default 8; the
# first seed is SQL_RANDOM_FIRST, default 1), each run by kam run and by
# kam sql on every engine tests/sql/lib/engines.sh finds (SQLite, DuckDB,
# PostgreSQL), answers compared value by value. A failure prints its seed:
#   tests/property/sql_random.py --seed S      reproduces it
#   tests/property/sql_random.py --seed S --save tests/sql/regress
#                                              shrinks it into a regression
# The random policies leave out what an open regression (a file `open`)
# names in its file `avoid`: a known bug would fail every run until fixed.
# Without `kam sql` the random policies are still checked to be valid
# (kam check, kam run) — a generator that writes wrong policies tests nothing.
# Against the sanitizer build (KAM_TEST_SANITIZED=1, tests/run.sh) 3 seeds.
# kam-test: long
if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3
elif command -v python3 >/dev/null; then py=python3
else echo "skipped: no python3"; exit 77; fi
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
set --
for c in "$ROOT"/tests/sql/regress/[0-9][0-9][0-9]-*/; do
    [ -d "$c" ] && set -- "$@" --case "$c"
done
"$py" "$ROOT/tests/property/sql_random.py" --kam "$KAM" --work "$t/w" "$@" \
    --avoid-open "$ROOT/tests/sql/regress" --seeds "${SQL_RANDOM_N:-$([ -n "${KAM_TEST_SANITIZED:-}" ] && echo 3 || echo 8)}" \
    --first "${SQL_RANDOM_FIRST:-1}" >"$t/out" 2>&1 || {
    grep -v '^PASS\|^XFAIL' "$t/out"; exit 1; }
exit 0
