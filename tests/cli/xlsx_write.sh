# kam run --format xlsx: the workbook read back with openpyxl has a bold,
# frozen header row with an autofilter, typed cells (text keys, numbers,
# booleans, money/percent/int/date number formats, empty cells for missing
# values) and the CSV output's values row by row, a typed column per
# entitlement term; it goes through --out
# (the target untouched when the run fails) or a pipe.
set -u
py=""
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import openpyxl' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || { echo "python3 with openpyxl (python3-openpyxl) not installed"; exit 77; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
ex="$ROOT/examples"
g="$ROOT/tests/golden/run"
cols=name,segment,annual_revenue,revenue_growth,stage_since,last_review,innovation_partner,prestige
"$KAM" run "$ex/key_accounts.kam" "$ex/accounts.csv" --as-of 2026-06-30 --columns $cols \
    --format xlsx -o "$t/out.xlsx" || { echo "the xlsx run failed"; exit 1; }
"$KAM" run "$ex/key_accounts.kam" "$ex/accounts.csv" --as-of 2026-06-30 --columns $cols \
    --format csv >"$t/out.csv" || { echo "the csv run failed"; exit 1; }
"$py" - "$t/out.xlsx" "$t/out.csv" <<'PY' || exit 1
import csv, datetime, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.active
rows = list(csv.reader(open(sys.argv[2], newline='', encoding='utf-8')))
bad = []
def check(cond, what):
    if not cond: bad.append(what)
check(ws.title == 'account', 'sheet name %r' % ws.title)
check(ws.freeze_panes == 'A2', 'frozen pane %r' % ws.freeze_panes)
check(ws.auto_filter.ref == 'A1:%s%d' % (openpyxl.utils.get_column_letter(len(rows[0])), len(rows)),
      'autofilter %r' % ws.auto_filter.ref)
check(ws.max_row == len(rows), 'rows: %d, csv %d' % (ws.max_row, len(rows)))
head = [c.value for c in ws[1]]
check(head == rows[0], 'header %r' % head)
check(all(c.font.b for c in ws[1]), 'header not bold')
fmt = {'annual_revenue': '#,##0.00', 'revenue_growth': '0.0##%', 'stage_since': 'yyyy-mm-dd',
       'last_review': 'yyyy-mm-dd', 'prestige': '#,##0'}
for r, (cells, want) in enumerate(zip(ws.iter_rows(min_row=2), rows[1:]), start=2):
    for name, c, w in zip(rows[0], cells, want):
        v = c.value
        where = '%s%d (%s)' % (c.column_letter, r, name)
        if name in fmt and v is not None:
            check(c.number_format == fmt[name], '%s: format %r' % (where, c.number_format))
        if w == '':
            check(v is None, '%s: %r for an empty CSV value' % (where, v))
        elif name in ('id', 'name', 'segment', 'service_tier', 'kam_stage', 'entitlements', 'flags'):
            check(c.data_type == 's' and v == w, '%s: %r (%s), csv %r' % (where, v, c.data_type, w))
        elif w in ('true', 'false'):
            check(c.data_type == 'b' and v == (w == 'true'), '%s: %r, csv %r' % (where, v, w))
        elif name in ('stage_since', 'last_review'):
            check(isinstance(v, datetime.datetime) and v.date().isoformat() == w,
                  '%s: %r, csv %r' % (where, v, w))
        else:
            check(c.data_type == 'n' and v == float(w), '%s: %r, csv %r' % (where, v, w))
if bad:
    print('\n'.join(bad[:20]))
    sys.exit(1)
PY
# a pipe takes the same workbook
"$KAM" run "$ex/key_accounts.kam" "$ex/accounts.csv" --as-of 2026-06-30 --columns $cols \
    --format xlsx | cat >"$t/piped.xlsx"
"$py" -c "import openpyxl,sys; ws=openpyxl.load_workbook(sys.argv[1]).active; sys.exit(ws.max_row != 121)" \
    "$t/piped.xlsx" || { echo "the piped workbook differs"; exit 1; }
# entitlement terms: a typed column each (money, percent, int formats, a
# date, text, a bool), empty when the account is not entitled
"$KAM" run "$g/terms_csv.kam" "$g/terms.csv" --format xlsx -o "$t/terms.xlsx" ||
    { echo "the terms xlsx run failed"; exit 1; }
"$py" - "$t/terms.xlsx" <<'PY' || exit 1
import datetime, sys
import openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).active
head = [c.value for c in ws[1]]
want = ['id', 'name', 'entitlements', 'support.sla_hours', 'support.budget', 'support.discount',
        'support.seats', 'review.due', 'review.owner', 'review.onsite', 'review.level',
        'rebate.per_unit', 'flags']
bad = []
if head != want:
    print('header %r' % head)
    sys.exit(1)
row = {h: c for h, c in zip(head, ws[2])}
def cell(name, value, fmt=None, kind=None):
    c = row[name]
    if c.value != value: bad.append('%s: %r, want %r' % (name, c.value, value))
    if fmt and c.number_format != fmt: bad.append('%s: format %r' % (name, c.number_format))
    if kind and c.data_type != kind: bad.append('%s: type %r' % (name, c.data_type))
cell('support.sla_hours', 4, kind='n')
cell('support.budget', 125000, '#,##0.00', 'n')
cell('support.discount', 0.125, '0.0##%', 'n')
cell('support.seats', 10, '#,##0', 'n')
cell('review.due', datetime.datetime(2026, 4, 15), 'yyyy-mm-dd')
cell('review.owner', "Ann O'Neil", kind='s')
cell('review.onsite', True, kind='b')
cell('review.level', 'gold', kind='s')
cell('rebate.per_unit', 156250, '#,##0.00', 'n')
for c in ws[3][3:12]:      # a2 has no entitlement: every term cell empty
    if c.value is not None: bad.append('%s3: %r for a term not held' % (c.column_letter, c.value))
if bad:
    print('\n'.join(bad))
    sys.exit(1)
PY
# a failed run leaves the target as it was, and no temporary file
echo "old contents" >"$t/keep.xlsx"
"$KAM" run "$g/bad_records.kam" "$g/bad_records.csv" --on-error fail --format xlsx \
    -o "$t/keep.xlsx" 2>"$t/err"
[ $? -eq 3 ] || { echo "expected exit 3 with --on-error fail"; cat "$t/err"; exit 1; }
[ "$(cat "$t/keep.xlsx")" = "old contents" ] || { echo "a failed run changed the workbook"; exit 1; }
ls -A "$t" | grep -q tmp && { echo "a temporary file was left behind"; ls -A "$t"; exit 1; }
TMPDIR="$t/no/such/dir" "$KAM" run "$ex/key_accounts.kam" "$ex/accounts.csv" --format xlsx \
    -o "$t/keep.xlsx" 2>"$t/err"
[ $? -eq 2 ] || { echo "expected exit 2 with no place for the temporary workbook"; cat "$t/err"; exit 1; }
grep -q "temporary file for the workbook" "$t/err" || { echo "no clear message"; cat "$t/err"; exit 1; }
[ "$(cat "$t/keep.xlsx")" = "old contents" ] || { echo "a failed run changed the workbook"; exit 1; }
"$KAM" run "$ex/key_accounts.kam" "$ex/accounts.csv" --format xlsx -o "$t/no/such/dir/x.xlsx" 2>"$t/err"
[ $? -eq 2 ] || { echo "expected exit 2 for an unwritable --out"; cat "$t/err"; exit 1; }
# a value longer than an Excel cell holds is refused, not cut
"$py" -c "print('id,name,revenue,rate,opened,vip,seats,region,remark,renewal,score_in')
print('A1,' + 'x' * 40000 + ',1,1%,2024-01-01,true,1,north,,,1')" >"$t/long.csv"
"$KAM" run "$g/columns_csv.kam" "$t/long.csv" --columns name --format xlsx -o "$t/keep.xlsx" 2>"$t/err"
[ $? -eq 2 ] || { echo "expected exit 2 for a cell over 32,767 characters"; cat "$t/err"; exit 1; }
grep -q "column name has more than 32,767 characters" "$t/err" || { echo "no clear message"; cat "$t/err"; exit 1; }
[ "$(cat "$t/keep.xlsx")" = "old contents" ] || { echo "a failed run changed the workbook"; exit 1; }
# a full disk is an error
if [ -c /dev/full ]; then
    "$KAM" run "$ex/key_accounts.kam" "$ex/accounts.csv" --format xlsx >/dev/full 2>"$t/err"
    [ $? -eq 2 ] || { echo "writing the workbook to /dev/full did not fail"; cat "$t/err"; exit 1; }
fi
exit 0
