#!/bin/sh
# csv_delimiter.sh — CSV split at ';' or a tab: detected from the header
# line (no comma outside quotes, a semicolon: ';'; neither, a tab: tab),
# or chosen with --delimiter; the same output as the comma file, from a
# file, from standard input and with aggregates (two passes). A decimal
# comma (1234,56; 12,5%) is read only when the delimiter is ';'; 1.234,56
# is refused, and a comma file holding "1234,56" says why. A delimiter
# that does not fit the header says which one it would be.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1
name=csv_delimiter
. "$ROOT/tests/cli/lib/expect.sh"

cat >p.kam <<'KAM'
record account {
  id: string key
  revenue: money
  growth: percent
  note: string?
}
select big when revenue > 1M
flag growing when growth > 10%
flag share when revenue / total(revenue) > 50%
KAM
printf 'id,revenue,growth,note\nA,2000000.5,0.125,"x, y"\nB,5,12%%,\n' >c.csv
printf 'id;revenue;growth;note\r\nA;2000000,5;12,5%%;"x, y"\r\nB;5;12%%;\r\n' >s.csv
printf '"id";"revenue";"growth";"note"\nA;2000000.5;0.125;"x, y"\nB;5;0,12;\n' >q.csv
printf 'id\trevenue\tgrowth\tnote\nA\t2000000.5\t0.125\tx, y\nB\t5\t12%%\t\n' >t.tsv
"$KAM" run c.csv p.kam >/dev/null 2>&1     # (wrong order: just no crash)
"$KAM" run p.kam c.csv >want 2>&1 || { echo "csv_delimiter: comma file failed" >&2; cat want >&2; exit 1; }
for f in s.csv q.csv t.tsv; do
    "$KAM" run p.kam $f >got 2>&1
    cmp -s want got || { echo "csv_delimiter: $f (detected) differs:" >&2; diff want got >&2; failed=1; }
done
"$KAM" run p.kam - <s.csv >got 2>&1
cmp -s want got || { echo "csv_delimiter: stdin (detected) differs" >&2; diff want got >&2; failed=1; }
"$KAM" run p.kam s.csv --delimiter ';' >got 2>&1
cmp -s want got || { echo "csv_delimiter: --delimiter ';' differs" >&2; failed=1; }
"$KAM" run p.kam t.tsv --delimiter tab >got 2>&1
cmp -s want got || { echo "csv_delimiter: --delimiter tab differs" >&2; failed=1; }
"$KAM" run p.kam t.tsv --delimiter '\t' >got 2>&1
cmp -s want got || { echo "csv_delimiter: --delimiter \\t differs" >&2; failed=1; }
expect 0 's.csv: 2 records checked' "check --data" check --data s.csv p.kam

expect 3 "s.csv:1: the header lacks required column .*; the header read as one column split at ',' holds ';': is the delimiter ';'\\? \\(--delimiter\\)" \
    "--delimiter , on a ';' file" run p.kam s.csv --delimiter ,
expect 3 "c.csv:1: .*split at ';' holds ',': is the delimiter ','\\?" "--delimiter ';' on a comma file" \
    run p.kam c.csv --delimiter ';'
expect 2 "--delimiter takes ',', ';' or tab" "a bad delimiter" run p.kam c.csv --delimiter '|'
expect 2 "--delimiter is for CSV" "--delimiter on JSON Lines" run p.kam c.jsonl --delimiter ';'

printf 'id;revenue;growth;note\nA;1.234,56;0,1;\n' >thousands.csv
expect 3 'thousands.csv:2: field "revenue": expected money .*, got "1.234,56"' "thousands point" \
    run p.kam thousands.csv
printf 'id,revenue,growth,note\nA,"1234,56",0.1,\n' >comma.csv
expect 3 "comma.csv:2: field \"revenue\": expected money .*got \"1234,56\" \\(a decimal comma\\? kam reads 1234,56 only in files separated by ';'\\)" \
    "a decimal comma in a comma file" run p.kam comma.csv
printf 'id;revenue;growth;note\nA;1,2,3;0,1;\n' >two.csv
expect 3 'two.csv:2: field "revenue": expected money' "two commas" run p.kam two.csv
printf 'id;revenue;growth;note\nA;5;0,1\n' >short.csv
expect 3 'short.csv:2: 3 fields, but the header has 4 columns' "a short record" run p.kam short.csv
exit $failed
