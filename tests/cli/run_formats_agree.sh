# The same accounts as CSV, JSON Lines and a SQLite table give identical
# kam run output (with aggregates, so both passes read each format), also
# from standard input; the database file is not modified.
set -u
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
${CC:-cc} -O2 -o "$t/gen" "$ROOT/bench/gen.c" || exit 1
"$t/gen" 3000 21 > "$t/a.csv"
"$t/gen" 3000 21 --format jsonl > "$t/a.jsonl"
P="$ROOT/bench/bench.kam"
"$KAM" run "$P" "$t/a.csv" --as-of 2026-06-30 --format csv > "$t/csv.out" || exit 1
"$KAM" run "$P" "$t/a.jsonl" --as-of 2026-06-30 --format csv > "$t/jsonl.out" || exit 1
cmp "$t/csv.out" "$t/jsonl.out" || { echo "JSON Lines output differs from CSV"; exit 1; }
"$KAM" run "$P" - --input jsonl --as-of 2026-06-30 --format csv < "$t/a.jsonl" > "$t/stdin.out" || exit 1
cmp "$t/csv.out" "$t/stdin.out" || { echo "JSON Lines from stdin differs"; exit 1; }
if command -v sqlite3 >/dev/null; then
    sqlite3 "$t/a.db" ".import --csv $t/a.csv account" || exit 1
    before=$(cksum < "$t/a.db")
    "$KAM" run "$P" "$t/a.db" --as-of 2026-06-30 --format csv > "$t/db.out" || exit 1
    cmp "$t/csv.out" "$t/db.out" || { echo "SQLite output differs from CSV"; exit 1; }
    sqlite3 "$t/a.db" "ALTER TABLE account RENAME TO crm_accounts" || exit 1
    before=$(cksum < "$t/a.db")
    "$KAM" run "$P" "$t/a.db" --table crm_accounts --as-of 2026-06-30 --format csv > "$t/db2.out" || exit 1
    cmp "$t/csv.out" "$t/db2.out" || { echo "--table output differs"; exit 1; }
    [ "$(cksum < "$t/a.db")" = "$before" ] || { echo "reading changed the database file"; exit 1; }
    ls "$t" | grep -q -- '-journal\|-wal' && { echo "a journal file appeared"; exit 1; }
    "$KAM" run "$P" "$t/a.db" 2> "$t/err"; rc=$?
    [ $rc -eq 2 ] && grep -q "crm_accounts" "$t/err" || { echo "a missing table should name the tables there (exit 2)"; cat "$t/err"; exit 1; }
else
    echo "sqlite3 not installed: SQLite part skipped" >&2
fi
exit 0
