# The percent unit-slip tally (a column of whole percentages warns) counts
# the same whichever way rd_fill takes a record: the CSV scan's converted
# values (the all-converted path, its tallies from a list made once), the
# field-by-field path (a record with a value the scan leaves as text:
# quoted, spaced, an exponent), and JSON Lines' text. Records that fail on
# an optional date between the percent columns count only the columns
# before it, as the field-by-field path stops there. The same data as CSV
# and as JSON Lines must give the same warnings (counts and examples) and
# the same output, with -j 1 and -j 2. (p2, p3: zeros count neither way,
# and their whole values outnumber their fractions only without them.)
set -u
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
t=${KEEP:-$(mktemp -d)}; [ -n "${KEEP:-}" ] || trap 'rm -rf "$t"' EXIT
cat >"$t/p.kam" <<'KAM'
record account {
  id: string key
  p1: percent
  note: string
  seen: date?
  p2: percent
  p3: percent?
  n: int
}
select high when p1 + p2 > 50% and n > 1
flag odd "odd" when p3 ?? 0% > 1
flag late "late" when (seen ?? 2000-01-01) > 2025-01-01
flag noted "noted" when note == "x"
KAM
python3 - "$t/a.csv" "$t/a.jsonl" <<'PY' || exit 1
import csv, json, random, sys
rnd = random.Random(6)
def pct(whole_share):
    r = rnd.random()
    if r < 0.03:
        return rnd.choice(['"35"', ' 35', '35 ', '3.5e1', '0.35 ', '"0.2"'])  # left as text by the scan
    if r < 0.13:
        return '%d%%' % rnd.randrange(-20, 300)
    if r < 0.18:
        return rnd.choice(['0', '-0', '0.0', '1', '-1', '1.0'])
    if rnd.random() < whole_share:
        return str(rnd.choice([rnd.randrange(-99, 400), rnd.randrange(2, 99) + 0.5]))
    return '%s0.%03d' % (rnd.choice(['', '-']), rnd.randrange(1000))
def near():          # whole ones just outnumber fractions, not fractions and zeros
    r = rnd.random()
    if r < 0.02:
        return rnd.choice([' 40', '"0.5"', '4e1'])
    if r < 0.2:
        return rnd.choice(['0', '-0', '0.0', '0.00'])
    if r < 0.62:
        return str(rnd.randrange(2, 90))
    return '0.%02d' % rnd.randrange(1, 100)
rows = []
for i in range(3000):
    seen = rnd.choice(['', '2025-01-31', '2025-02-30', '2024-02-29', 'soon'])   # two of them bad
    rows.append(['k%d' % i, pct(0.6), rnd.choice(['x', '', 'a b', 'c,d', ' x', 'x ']), seen,
                 near(),
                 rnd.choice(['', near()]), str(rnd.randrange(0, 5))])
head = ['id', 'p1', 'note', 'seen', 'p2', 'p3', 'n']
with open(sys.argv[1], 'w', newline='') as f:
    f.write(','.join(head) + '\n')
    for r in rows:      # written by hand: the quoted and spaced values as they are
        f.write(','.join(r) + '\n' if ',' not in r[2] else
                ','.join(r[:2] + ['"' + r[2] + '"'] + r[3:]) + '\n')
with open(sys.argv[2], 'w') as f:
    for r in rows:      # every value as text, unquoted as the CSV reader would
        vals = [v[1:-1] if v.startswith('"') and v.endswith('"') else v for v in r]
        f.write(json.dumps(dict(zip(head, vals))) + '\n')
PY
for j in 1 2; do
    "$KAM" run -j $j "$t/p.kam" "$t/a.csv" --format csv >"$t/csv.out" 2>"$t/csv.err"
    rc1=$?
    "$KAM" run -j $j "$t/p.kam" "$t/a.jsonl" --format csv >"$t/jsonl.out" 2>"$t/jsonl.err"
    rc2=$?
    [ $rc1 -eq 3 ] && [ $rc2 -eq 3 ] || { echo "-j $j: want exit 3 (bad dates) from both, got $rc1 and $rc2"; exit 1; }
    grep 'warning:' "$t/csv.err" | sed 's/^kam: [^:]*: //' >"$t/csv.warn"
    grep 'warning:' "$t/jsonl.err" | sed 's/^kam: [^:]*: //' >"$t/jsonl.warn"
    [ "$(wc -l <"$t/csv.warn")" -eq 3 ] || { echo "-j $j: want a warning for each of the 3 columns:"; cat "$t/csv.err" | grep -v field; exit 1; }
    cmp -s "$t/csv.warn" "$t/jsonl.warn" || { echo "-j $j: the tallies differ (CSV, then JSON Lines):"; cat "$t/csv.warn" "$t/jsonl.warn"; exit 1; }
    cmp -s "$t/csv.out" "$t/jsonl.out" || { echo "-j $j: the output differs"; exit 1; }
done
exit 0
