# A ';' file's decimal commas count in the percent unit-slip tally as the
# points of the same values do. A percent column written as 35,5 and 0,35
# reads 35,5 as 3550%: the warning must say so. Before, a decimal comma was
# neither whole nor a fraction to the tally, so a column of them warned
# less, or (all of them whole) not at all: a silent 3550%; and its example
# was read as if the comma ended it (35,5 "read as 3500%"). The same data
# with points must give the same warning and the same output, whichever
# way a value is read (converted in the scan; or as text, spaced or
# quoted with "" elsewhere in the record), with -j 1 and -j 2.
set -u
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
t=${KEEP:-$(mktemp -d)}; [ -n "${KEEP:-}" ] || trap 'rm -rf "$t"' EXIT
cat >"$t/p.kam" <<'KAM'
record account {
  id: string key
  share: percent
  note: string
}
select big when share > 50%
KAM
python3 - "$t" <<'PY' || exit 1
import random, sys
rnd = random.Random(16)
t = sys.argv[1]
rows = []
for i in range(3000):
    whole = '%d,%d' % (rnd.randrange(2, 99), rnd.randrange(1, 10))
    frac = '0,%02d' % rnd.randrange(1, 100)
    v = whole if rnd.random() < 0.7 else frac
    if rnd.random() < 0.05:
        v = ' ' + v                      # spaced: read as text, not in the scan
    note = '"a ""b"""' if rnd.random() < 0.05 else 'n'    # the record's other path
    rows.append(('k%d' % i, v, note))
for name, pt in (('comma', ','), ('point', '.')):
    with open('%s/%s.csv' % (t, name), 'w') as f:
        f.write('id;share;note\n')
        for k, v, note in rows:
            f.write('%s;%s;%s\n' % (k, v.replace(',', pt), note))
# every value whole: nothing but the warning tells 35,5 from 35,5%
with open('%s/whole.csv' % t, 'w') as f:
    f.write('id;share;note\n')
    for i in range(500):
        f.write('w%d;%d,%d;n\n' % (i, rnd.randrange(2, 99), rnd.randrange(1, 10)))
PY
for j in 1 2; do
    "$KAM" run -j $j "$t/p.kam" "$t/comma.csv" >"$t/comma.out" 2>"$t/comma.err" ||
        { echo "-j $j: comma.csv: exit $?"; cat "$t/comma.err"; exit 1; }
    "$KAM" run -j $j "$t/p.kam" "$t/point.csv" >"$t/point.out" 2>"$t/point.err" ||
        { echo "-j $j: point.csv: exit $?"; cat "$t/point.err"; exit 1; }
    cmp -s "$t/comma.out" "$t/point.out" || { echo "-j $j: the output differs"; exit 1; }
    grep -o 'column share: [0-9]* of [0-9]* values look like whole percentages' "$t/comma.err" >"$t/comma.warn"
    grep -o 'column share: [0-9]* of [0-9]* values look like whole percentages' "$t/point.err" >"$t/point.warn"
    [ -s "$t/point.warn" ] || { echo "-j $j: no warning with points:"; cat "$t/point.err"; exit 1; }
    cmp -s "$t/comma.warn" "$t/point.warn" ||
        { echo "-j $j: decimal commas tally otherwise (commas, then points):"; cat "$t/comma.warn" "$t/point.warn"; exit 1; }
    "$KAM" run -j $j "$t/p.kam" "$t/whole.csv" >/dev/null 2>"$t/whole.err" ||
        { echo "-j $j: whole.csv: exit $?"; exit 1; }
    grep -q 'column share: 500 of 500 values look like whole percentages' "$t/whole.err" ||
        { echo "-j $j: a column of 35,5 values, no warning:"; cat "$t/whole.err"; exit 1; }
    # its example read as kam reads it: 35,5 is 3550%, write 0.355
    python3 - "$t/whole.err" <<'PY' || exit 1
import re, sys
m = re.search(r'e\.g\. (\d+),(\d), read as (\d+)%\); write \1,\2% or ([0-9.]+)', open(sys.argv[1]).read())
if not m:
    sys.exit('the example is not named as 35,5 with its reading: ' + open(sys.argv[1]).read())
v = float(m.group(1) + '.' + m.group(2))
if int(m.group(3)) != round(v * 100) or abs(float(m.group(4)) - v / 100) > 1e-12:
    sys.exit('the example is misread: ' + m.group(0))
PY
done
exit 0
