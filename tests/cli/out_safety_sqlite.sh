#!/bin/sh
# out_safety_sqlite.sh — a corrupt SQLite file never replaces an existing
# `--out` report: a file overwritten in its middle pages stops the scan
# part way ("table "account", row N: database disk image is malformed",
# then "reading stopped there ... was not written", exit 3), a truncated
# one is refused when opened (exit 2); the report keeps its contents
# either way. The database is made by the sqlite3 command. See
# docs/limits.md.
set -u
command -v sqlite3 >/dev/null 2>&1 || { echo "skipped: no sqlite3 command"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
name=out_safety_sqlite
failed=0
cd "$tmp" || exit 1
. "$ROOT/tests/cli/lib/expect.sh"

cat >p.kam <<'KAM'
record account {
  id: string key
  revenue: money
}
select big when revenue > 1M
KAM
sqlite3 good.sqlite "PRAGMA page_size = 4096;
  CREATE TABLE account (id TEXT, revenue REAL);
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
  INSERT INTO account SELECT 'A' || i, i * 1000.0 FROM n;" || exit 1
expect 0 '' "a good database" run p.kam good.sqlite --out report.csv
cp report.csv report.orig
[ "$(wc -l <report.csv)" -eq 20001 ] || { echo "$name: the good run wrote $(wc -l <report.csv) lines" >&2; failed=1; }

# 200 bytes of 0xFF at offset 100 of pages 40 to 44 (of about 90): the
# page headers survive, so the file opens and the scan fails on the rows
cp good.sqlite mid.sqlite
ff=$(LC_ALL=C awk 'BEGIN { for (i = 0; i < 200; i++) printf "\377" }')
for pg in 40 41 42 43 44; do
    printf '%s' "$ff" | dd of=mid.sqlite bs=1 seek=$((pg * 4096 + 100)) conv=notrunc 2>/dev/null
done
expect 3 '^kam: mid.sqlite: table "account", row [0-9]+: ' "a database corrupt in the middle" \
    run p.kam mid.sqlite --out report.csv
grep -q '^kam: reading stopped there, before the end of the data; report.csv was not written$' err ||
    { echo "$name: corrupt middle: no 'was not written':" >&2; cat err >&2; failed=1; }
cmp -s report.csv report.orig || { echo "$name: a corrupt database changed the report" >&2; failed=1; }

# cut in half: refused when opened
cp good.sqlite half.sqlite
truncate -s 180000 half.sqlite 2>/dev/null || dd if=good.sqlite of=half.sqlite bs=4096 count=44 2>/dev/null
expect 2 '^kam: half.sqlite: .*malformed' "a truncated database" run p.kam half.sqlite --out report.csv
cmp -s report.csv report.orig || { echo "$name: a truncated database changed the report" >&2; failed=1; }
ls -a | grep -q tmp && { echo "$name: a temporary file was left" >&2; failed=1; }
exit $failed
