#!/bin/sh
# xlsx_read.sh — Excel input against CSV: workbooks written by openpyxl
# (typed cells: numbers, percents as fractions with a 0% format, dates as
# serial numbers with a date format, booleans, empty cells) give output
# byte-identical to the CSV they were made from, for the example policy and
# for one with aggregates (kam run reads the data twice); hand-made parts
# (tests/cli/lib/xlsx_craft.py) for inline strings, formula results, rich
# text with phonetic runs, sparse rows, the 1904 date system and Excel's
# serial dates around the fictitious 1900-02-29; --sheet, hidden sheets,
# and the data errors naming file:sheet!cell. Skipped (77) without openpyxl.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
. "$ROOT/tests/cli/lib/xlsx_python.sh"
cd "$tmp" || exit 1
name=xlsx_read
. "$ROOT/tests/cli/lib/expect.sh"

# A CSV as a typed workbook: TYPES maps column -> num|int|pct|bool|date.
cat >typed.py <<'PY'
import csv, sys, datetime
from decimal import Decimal
import openpyxl
src, out, sheet = sys.argv[1], sys.argv[2], sys.argv[3]
types = dict(a.split('=') for a in sys.argv[4:])
wb = openpyxl.Workbook()
first = wb.active
first.title = 'Notes'
first.append(['not the data'])
ws = wb.create_sheet(sheet)
rows = list(csv.reader(open(src, newline='')))
ws.append(rows[0])
conv = {
    'num': float, 'int': int, 'bool': lambda v: v == 'true',
    'pct': lambda v: float(Decimal(v[:-1]) / 100) if v.endswith('%') else float(v),
    'date': datetime.date.fromisoformat,
}
for r in rows[1:]:
    ws.append([None if v == '' else conv.get(types.get(n), str)(v) for n, v in zip(rows[0], r)])
fmt = {'pct': '0%', 'date': 'yyyy-mm-dd'}
for col in ws.iter_cols(min_row=2):
    f = fmt.get(types.get(rows[0][col[0].column - 1]))
    for c in col:
        if f:
            c.number_format = f
wb.move_sheet(sheet, offset=-1)      # the data first: the default sheet
wb.save(out)
PY

# 1. the example accounts, typed
$PY typed.py "$ROOT/examples/accounts.csv" acc.xlsx Accounts \
    annual_revenue=num profit_contribution=num revenue_growth=pct market_share=pct \
    gross_margin=pct share_of_wallet=pct innovation_partner=bool early_adopter=bool \
    competitor_customer=bool prestige=int trust=int exec_contacts=int joint_projects=int \
    stage_since=date last_review=date || exit 1
pol="$ROOT/examples/key_accounts.kam"
for fmt in csv jsonl; do
    "$KAM" run --as-of 2026-06-30 --format $fmt "$pol" "$ROOT/examples/accounts.csv" >want.$fmt 2>want.err
    "$KAM" run --as-of 2026-06-30 --format $fmt "$pol" acc.xlsx >got.$fmt 2>got.err
    cmp -s want.$fmt got.$fmt || { echo "xlsx_read: accounts ($fmt): output differs from the CSV's" >&2; diff want.$fmt got.$fmt | head -5 >&2; failed=1; }
done
"$KAM" run --as-of 2026-06-30 --summary "$pol" "$ROOT/examples/accounts.csv" >want.sum 2>&1
"$KAM" run --as-of 2026-06-30 --summary "$pol" acc.xlsx >got.sum 2>&1
cmp -s want.sum got.sum || { echo "xlsx_read: --summary differs" >&2; failed=1; }
expect 0 'acc.xlsx:Accounts: 120 records checked' "check --data" check --data acc.xlsx "$pol"
expect 0 '' "--input xlsx on another name" run --as-of 2026-06-30 "$pol" acc.xlsx --input xlsx
cp acc.xlsx acc.data
"$KAM" run --as-of 2026-06-30 --input xlsx "$pol" acc.data >got2.csv 2>&1
cmp -s want.csv got2.csv || { echo "xlsx_read: --input xlsx: output differs" >&2; failed=1; }
"$KAM" explain --as-of 2026-06-30 "$pol" "$ROOT/examples/accounts.csv" A0000002 >want.ex 2>&1
"$KAM" explain --as-of 2026-06-30 "$pol" acc.xlsx A0000002 >got.ex 2>&1
cmp -s want.ex got.ex || { echo "xlsx_read: explain differs" >&2; diff want.ex got.ex | head >&2; failed=1; }
"$KAM" diff --as-of 2026-06-30 --format csv "$pol" acc.xlsx --set key_threshold=50 >got.diff 2>&1
"$KAM" diff --as-of 2026-06-30 --format csv "$pol" "$ROOT/examples/accounts.csv" --set key_threshold=50 >want.diff 2>&1
cmp -s want.diff got.diff || { echo "xlsx_read: diff differs" >&2; failed=1; }
printf ':data acc.xlsx\n:count\n' | "$KAM" repl --as-of 2026-06-30 "$pol" >repl.out 2>&1
grep -q '120 accounts from acc.xlsx' repl.out || { echo "xlsx_read: repl :data" >&2; cat repl.out >&2; failed=1; }
expect 2 'no sheet named "Nope"; the workbook has: "Accounts", "Notes"' "unknown sheet" \
    run "$pol" acc.xlsx --sheet Nope
expect 3 'acc.xlsx:Notes:1: the header lacks required column' "--sheet Notes" \
    run "$pol" acc.xlsx --sheet Notes

# 2. a policy with aggregates: pass one and pass two both read the workbook
g="$ROOT/tests/golden/run"
$PY typed.py "$g/semantics.csv" sem.xlsx Sheet1 revenue=num growth=pct margin=pct partner=bool \
    since=date review=date || exit 1
"$KAM" run --as-of 2026-06-30 --format csv "$g/semantics.kam" "$g/semantics.csv" >want.sem 2>&1
"$KAM" run --as-of 2026-06-30 --format csv "$g/semantics.kam" sem.xlsx >got.sem 2>&1
cmp -s want.sem got.sem || { echo "xlsx_read: aggregates: output differs" >&2; diff want.sem got.sem | head >&2; failed=1; }

# 3. hand-made parts
cat >p.kam <<'KAM'
record account {
  id: string key
  revenue: money
  growth: percent
  since: date
  partner: bool
  note: string?
}
select big when revenue > 1M
flag growing when growth > 10%
flag d20230315 when since == 2023-03-15
flag d20270316 when since == 2027-03-16
flag d19000101 when since == 1900-01-01
flag d19000228 when since == 1900-02-28
flag d19000301 when since == 1900-03-01
flag d19991231 when since == 1999-12-31
flag p when partner
flag vip when note is not missing and contains(note, "vip")
KAM
cat >craft.py <<PY
import sys
sys.path.insert(0, '$ROOT/tests/cli/lib')
from xlsx_craft import book, row
hdr = row(1, ('A1', 'inlineStr', '<is><t>id</t></is>'), ('B1', 's', '<v>0</v>'), ('C1', 's', '<v>1</v>'),
          ('D1', 'inlineStr', '<is><r><t>si</t></r><r><t>nce</t></r></is>'),
          ('E1', 'str', '<f>"partner"</f><v>partner</v>'), ('G1', 'inlineStr', '<is><t>note</t></is>'))
def rec(n, key, rev, growth, since, partner, note=None):
    cells = [('A%d' % n, 'inlineStr', '<is><t>%s</t></is>' % key), ('B%d' % n, None, '<v>%s</v>' % rev),
             ('C%d' % n, growth[0], growth[1]), ('D%d' % n, since[0], since[1]),
             ('E%d' % n, 'b', '<v>%d</v>' % partner)]
    if note:
        cells.append(('G%d' % n, 's', '<v>%d</v>' % note))
    return row(n, *cells)
num = lambda v: (None, '<v>%s</v>' % v)
rows = (hdr
        + rec(2, 'A', '2000000', num('0.12'), num(45000), 1, note=3)
        + rec(3, 'B', '5', ('inlineStr', '<is><t>12%</t></is>'), ('inlineStr', '<is><t>1999-12-31</t></is>'), 0)
        + '<row r="4"/><row r="5"><c r="A5" s="1"/></row>'
        + rec(6, 'C', '1E+7', num('0.05'), num(1), 0)
        + rec(7, 'D', '1', num('0.05'), num(59), 0)
        + rec(8, 'E', '1', num('0.05'), num(61), 0)
        + rec(9, 'F', '1', ('str', '<f>A1</f><v>9%</v>'), num('45000.75'), 1))
strings = ['<t>revenue</t>', '<r><t>gro</t></r><r><rPr/><t>wth</t></r><rPh sb="0" eb="1"><t>XX</t></rPh>',
           '<t>A</t>', '<t xml:space="preserve"> vip </t>']
book('t.xlsx', [('Data', rows, None)], strings=strings)
book('t1904.xlsx', [('Data', hdr + rec(2, 'A', '1', num('0.5'), num(45000), 0) + rec(3, 'B', '1', num('0.5'), num(0), 0), None)],
     strings=strings, date1904=True)
book('sheets.xlsx', [('Hidden', hdr, 'hidden'), ('Q1', hdr + rec(2, 'A', '2000000', num('0.2'), num(1), 1), None),
                     ('Q2 data', hdr + rec(2, 'B', '5', num('0.01'), num(61), 0), None)], strings=strings)
bad = (hdr + row(2, ('A2', 'inlineStr', '<is><t>A</t></is>'), ('B2', None, '<f>1+1</f>'), ('C2', None, '<v>0.1</v>'),
                 ('D2', None, '<v>45000</v>'), ('E2', 'b', '<v>1</v>'))
       + rec(3, 'B', '1', num('0.1'), num(60), 0)
       + row(4, ('A4', 'inlineStr', '<is><t>C</t></is>'), ('B4', 'e', '<v>#DIV/0!</v>'), ('C4', None, '<v>0.1</v>'),
             ('D4', None, '<v>45000</v>'), ('E4', 'b', '<v>1</v>'))
       + row(5, ('A5', 'inlineStr', '<is><t>D</t></is>'), ('C5', None, '<v>0.1</v>'), ('D5', None, '<v>45000</v>'),
             ('E5', 'b', '<v>1</v>'))
       + rec(6, 'E', 'lots', num('0.1'), num(45000), 1)
       + rec(7, 'F', '1', num('0.1'), num(-3), 1)
       + rec(8, 'G', '1', num('0.1'), ('b', '<v>1</v>'), 1))
book('bad.xlsx', [('Data', bad, None)], strings=strings)
PY
$PY craft.py || exit 1
"$KAM" run --as-of 2026-06-30 p.kam t.xlsx >out 2>err
cat >want <<'OUT'
id,big,entitlements,flags
A,true,,growing;d20230315;p;vip
B,false,,growing;d19991231
C,true,,d19000101
D,false,,d19000228
E,false,,d19000301
F,false,,d20230315;p
OUT
cmp -s out want || { echo "xlsx_read: hand-made workbook:" >&2; diff want out >&2; cat err >&2; failed=1; }
"$KAM" run --as-of 2026-06-30 p.kam t1904.xlsx >out 2>err
printf 'id,big,entitlements,flags\nA,false,,growing;d20270316\nB,false,,growing\n' >want
cmp -s out want || { echo "xlsx_read: 1904 dates:" >&2; diff want out >&2; failed=1; }
"$KAM" run --as-of 2026-06-30 p.kam sheets.xlsx >out 2>err
printf 'id,big,entitlements,flags\nA,true,,growing;d19000101;p\n' >want
cmp -s out want || { echo "xlsx_read: default sheet (hidden first):" >&2; diff want out >&2; failed=1; }
"$KAM" run --as-of 2026-06-30 p.kam sheets.xlsx --sheet 'Q2 data' >out 2>err
printf 'id,big,entitlements,flags\nB,false,,d19000301\n' >want
cmp -s out want || { echo "xlsx_read: --sheet 'Q2 data':" >&2; diff want out >&2; failed=1; }
expect 0 '' "--sheet Hidden (named, so read)" run p.kam sheets.xlsx --sheet Hidden
expect 2 'no sheet named "Q3"; the workbook has: "Hidden", "Q1", "Q2 data"' "unknown sheet" run p.kam sheets.xlsx --sheet Q3
expect 2 '--sheet is for Excel' "--sheet on CSV" run p.kam "$ROOT/examples/accounts.csv" --sheet Q1
expect 2 'Excel data cannot come from standard input' "stdin" run p.kam - --input xlsx

"$KAM" run --as-of 2026-06-30 p.kam bad.xlsx >out 2>err
rc=$?
[ $rc -eq 3 ] || { echo "xlsx_read: bad.xlsx: exit $rc, want 3" >&2; failed=1; }
for pat in 'bad.xlsx:Data!B2: field "revenue": formula without a saved value; open and save the workbook in Excel, or export CSV' \
           'bad.xlsx:Data!D3: field "since": the number 60 is not a date: serial 60 is 1900-02-29' \
           'bad.xlsx:Data!B4: field "revenue": the cell holds the error #DIV/0!' \
           'bad.xlsx:Data!B5: field "revenue": the cell is empty, but the field is required' \
           'bad.xlsx:Data!B6: field "revenue": expected money' \
           'bad.xlsx:Data!D7: field "since": the number -3 is not a date: before 1900-01-01' \
           'bad.xlsx:Data!D8: field "since": expected a date \(YYYY-MM-DD\), got "true"' \
           '7 of 7 records had errors'; do
    grep -Eq -- "$pat" err || { echo "xlsx_read: bad.xlsx: no /$pat/ in:" >&2; cat err >&2; failed=1; }
done
exit $failed
