# A term whose value is long text (over the writer's 64 KiB block, with
# commas and quotes) comes out whole in CSV and JSON Lines, beside short
# rows, and an account without the entitlement gets an empty cell.
set -u
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
cat >"$t/p.kam" <<'KAM'
policy "long terms"
record account {
  id: string key
  note: string
  units: int
}
entitle noted "Noted" when units > 0
  with { text: note as "the note", per: 100 / units }
KAM
python3 -c '
import csv, sys
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["id", "note", "units"])
w.writerow(["a", "x, \"y\" " * 30000, 3])
w.writerow(["b", "short", 0])
w.writerow(["c", "z" * 70000, 4])' >"$t/a.csv"
"$KAM" run "$t/p.kam" "$t/a.csv" --format csv >"$t/out.csv" || { echo "csv run failed"; exit 1; }
"$KAM" run "$t/p.kam" "$t/a.csv" --format jsonl >"$t/out.jsonl" || { echo "jsonl run failed"; exit 1; }
python3 - "$t/a.csv" "$t/out.csv" "$t/out.jsonl" <<'PY' || exit 1
import csv, json, sys
csv.field_size_limit(1 << 24)
data = list(csv.DictReader(open(sys.argv[1], newline='')))
rows = list(csv.DictReader(open(sys.argv[2], newline='')))
lines = [json.loads(l) for l in open(sys.argv[3])]
# spaces around a value are trimmed (the note ends with one)
want = {'a': (data[0]['note'].strip(' \t'), '33.3333333333333'), 'b': ('', ''), 'c': (data[2]['note'], '25')}
bad = []
for r, j in zip(rows, lines):
    text, per = want[r['id']]
    if (r['noted.text'], r['noted.per']) != (text, per):
        bad.append('csv %s: %r %r' % (r['id'], r['noted.text'][:40], r['noted.per']))
    jt = j['terms'].get('noted', {})
    if text and (jt.get('text') != text or str(jt.get('per')) != per):
        bad.append('jsonl %s: %r' % (r['id'], str(jt)[:60]))
    if not text and j['terms'] != {}:
        bad.append('jsonl %s: terms %r for an account not entitled' % (r['id'], j['terms']))
if len(rows) != 3 or len(lines) != 3:
    bad.append('%d csv rows, %d json lines' % (len(rows), len(lines)))
if bad:
    print('\n'.join(bad))
    sys.exit(1)
PY
exit 0
