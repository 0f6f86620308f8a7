# kam run's CSV rows (written by a plan of the columns made once, names
# copied in fixed-size moves, numbers formatted without printf) hold the
# same cells as its JSON Lines for the same run, column by column: every
# record field type (optional ones missing or not) in the columns, every
# kind of outcome, terms of each type, member, entitlement and flag names
# shorter than, as long as and longer than the 32 bytes copied at once,
# keys and strings that must be quoted (or only look as if: spaces) of
# every length around 8 and 16, numbers of every shape, and a keyless file
# (its line numbers). The JSON is read with its numbers kept as text, and
# turned into CSV by the documented rules; kam's own CSV must equal it,
# byte for byte.
set -u
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
cat >"$t/p.kam" <<'KAM'
policy "csv columns"
record account {
  id: string key
  name: string?
  segment: enum { enterprise, smb, segment33_xxxxxxxxxxxxxxxxxxxxxxx }
  revenue: money
  growth: percent
  ratio: number
  seats: int
  partner: bool
  opened: date
  reviewed: date?
  bonus: money?
  stage: lifecycle
}
output name, segment, revenue, growth, ratio, seats, partner, opened, reviewed, bonus, stage

score points {
  10 when partner
  7 when seats > 50
  -3 when growth < 0%
}
score share {
  1 when ratio > 0.5
}
select big when revenue >= 1M or seats > 90
tier band {
  band16_xxxxxxxxx when big and points >= 10
  band32_xxxxxxxxxxxxxxxxxxxxxxxxx when big
  band33_xxxxxxxxxxxxxxxxxxxxxxxxxx when seats > 40
  low otherwise
}
stages lifecycle {
  order new, grown, stage31_xxxxxxxxxxxxxxxxxxxxxxx, stage32_xxxxxxxxxxxxxxxxxxxxxxxx
  new -> grown when seats > 20
  grown -> stage31_xxxxxxxxxxxxxxxxxxxxxxx when partner
  stage31_xxxxxxxxxxxxxxxxxxxxxxx -> stage32_xxxxxxxxxxxxxxxxxxxxxxxx when seats > 70
}
entitle ent15_xxxxxxxxx when lifecycle >= grown
  with { hours: 4, per_seat: revenue / seats, cut: 12%, third: ratio / 3 }
entitle e when partner
  with { since: opened, seg: segment, who: name ?? "nobody", ok: partner, back: reviewed ?? 2000-01-01 }
entitle ent32_xxxxxxxxxxxxxxxxxxxxxxxxxx when seats > 10
entitle ent33_xxxxxxxxxxxxxxxxxxxxxxxxxxx when seats > 30 with { r: ratio, b: bonus ?? 0 }
entitle ent40_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx when seats > 60
flag f1 "one" when growth > 10%
flag flag17_xxxxxxxxxx "two" when ratio < 0
KAM
python3 - "$t/a.csv" "$t/nokey.csv" <<'PY' || exit 1
import csv, random, sys
rnd = random.Random(16)
def text(n):
    # mostly plain; sometimes a character CSV quotes, or a space (which only
    # looks like one to the writer's first check)
    s = ''.join(rnd.choice('ABCxyz0189-._') for _ in range(n))
    if n and rnd.random() < 0.4:
        i = rnd.randrange(n)
        s = s[:i] + rnd.choice([',', '"', '\n', '\r\n', ' ', '+', '*', "'"]) + s[i + 1:]
    return s
def number(kind):
    r = rnd.random()
    if kind == 'int':
        return str(rnd.choice([0, 1, 9, 10, 99, 100, 101, 999, rnd.randrange(-10**6, 10**6), 2**31, 2**53]))
    shapes = [lambda: str(rnd.randrange(0, 100)),
              lambda: '-' + str(rnd.randrange(1, 10**9)),
              lambda: '%d.%02d' % (rnd.randrange(0, 10**7), rnd.randrange(100)),
              lambda: '-0.%04d' % rnd.randrange(10**4),
              lambda: '%.17g' % rnd.uniform(-1e6, 1e6),
              lambda: '%de%d' % (rnd.randrange(1, 99), rnd.randrange(-30, 30)),
              lambda: '0', lambda: '-0', lambda: '123456789012345', lambda: '0.001',
              lambda: '9007199254740993', lambda: '1e300', lambda: '5e-324']
    return rnd.choice(shapes)()
head = ['id', 'name', 'segment', 'revenue', 'growth', 'ratio', 'seats', 'partner', 'opened',
        'reviewed', 'bonus', 'stage']
rows = []
for i in range(4000):
    rows.append([
        text(rnd.choice([1, 7, 8, 9, 15, 16, 17, 24, 40])) + str(i),
        rnd.choice(['', text(rnd.randrange(0, 30))]),
        rnd.choice(['enterprise', 'smb', 'segment33_xxxxxxxxxxxxxxxxxxxxxxx']),
        number('dec'),
        rnd.choice([number('dec'), '%d%%' % rnd.randrange(-50, 50), '12.5%']),
        number('dec'),
        str(rnd.randrange(1, 120)),
        rnd.choice(['true', 'false', 'yes', '0']),
        '20%02d-%02d-%02d' % (rnd.randrange(0, 30), rnd.randrange(1, 13), rnd.randrange(1, 29)),
        rnd.choice(['', '2024-02-29', '1999-12-31']),
        rnd.choice(['', number('dec')]),
        rnd.choice(['new', 'grown', 'stage31_xxxxxxxxxxxxxxxxxxxxxxx', 'stage32_xxxxxxxxxxxxxxxxxxxxxxxx']),
    ])
with open(sys.argv[1], 'w', newline='') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow(head)
    w.writerows(rows)
with open(sys.argv[2], 'w', newline='') as f:     # the same without the key: line numbers
    w = csv.writer(f, lineterminator='\n')
    w.writerow(head[1:])
    w.writerows(r[1:] for r in rows[:500])
PY
sed 's/^  id: string key$//' "$t/p.kam" >"$t/nokey.kam"
for case in a:p nokey:nokey; do
    data=${case%%:*} pol=${case#*:}
    "$KAM" run "$t/$pol.kam" "$t/$data.csv" --as-of 2026-06-30 --format csv >"$t/$data.out.csv" 2>"$t/err" \
        || { echo "$data: csv run failed"; cat "$t/err"; exit 1; }
    "$KAM" run "$t/$pol.kam" "$t/$data.csv" --as-of 2026-06-30 --format jsonl >"$t/$data.out.jsonl" 2>"$t/err" \
        || { echo "$data: jsonl run failed"; cat "$t/err"; exit 1; }
    python3 - "$t/$data.out.csv" "$t/$data.out.jsonl" <<'PY' || exit 1
import json, sys
got = open(sys.argv[1], 'rb').read().decode()
lines = open(sys.argv[2]).read().splitlines()
header = got.split('\n', 1)[0].split(',')
def cell(v):
    if v is None:
        return ''
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, list):
        return ';'.join(v)
    s = str(v)          # numbers stay as kam wrote them (parse_float=str)
    if any(c in s for c in ',"\n\r'):
        s = '"' + s.replace('"', '""') + '"'
    return s
out = [','.join(header)]
for l in lines:
    j = json.loads(l, parse_float=str, parse_int=str)
    row = []
    for h in header:
        if h in j:
            row.append(cell(j[h]))
        else:                       # ENTITLEMENT.TERM: empty when not entitled
            ent, term = h.split('.', 1)
            row.append(cell(j.get('terms', {}).get(ent, {}).get(term)))
    out.append(','.join(row))
want = '\n'.join(out) + '\n'
if got != want:
    g, w = got.split('\n'), want.split('\n')
    for i, (a, b) in enumerate(zip(g, w)):
        if a != b:
            print('line %d differs:\n  csv:  %r\n  json: %r' % (i + 1, a, b))
            break
    else:
        print('lengths differ: %d lines, want %d' % (len(g), len(w)))
    sys.exit(1)
if len(lines) < 400:
    print('too few records: %d' % len(lines))
    sys.exit(1)
PY
done
exit 0
