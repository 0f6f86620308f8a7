#!/bin/sh
# fill_optional_empty.sh — a CSV record whose optional date is empty takes
# rd_fill's fast path (runtime/reader.c: every required number, date and
# word converted by the scan) like one whose date is there: the same rows
# and the same percent tallies as the JSON Lines reader of the same
# records, which converts field by field. Rows with the date empty or not,
# percents whole (35), fractions (0.2) and signed (12%), and a record whose
# required number is malformed (reported, left out, exit 3).
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
cat > p.kam <<'KAM'
record account {
  id: string key
  revenue: money
  growth: percent
  share: percent
  last: date?
}
let recent = days_since(last ?? 2000-01-01) < 400
select keep when growth > 10% or recent
flag big "big" when revenue > 1000
flag wide "wide" when share > 50% and recent
KAM
{
    echo 'id,revenue,growth,share,last'
    i=0
    while [ $i -lt 40 ]; do
        case $((i % 5)) in
        0) echo "a$i,$((i * 97)),35,20,";;
        1) echo "a$i,$((i * 31)).5,0.05,12%,2026-01-0$((i % 9 + 1))";;
        2) echo "a$i,$((i * 7)),40,0.3,";;
        3) echo "a$i,$((i * 3)),12%,7,2024-12-31";;
        4) echo "a$i,1$i,2,50,";;
        esac
        i=$((i + 1))
    done
    echo 'bad1,12x,0.1,0.1,'
    echo 'bad2,12x,0.1,0.1,2026-01-01'
} > a.csv
# the same records as JSON Lines (the empty date left out: missing)
awk -F, 'NR > 1 {
    printf "{\"id\":\"%s\",\"revenue\":\"%s\",\"growth\":\"%s\",\"share\":\"%s\"", $1, $2, $3, $4
    if ($5 != "") printf ",\"last\":\"%s\"", $5
    print "}" }' a.csv > a.jsonl
"$KAM" run p.kam a.csv --as-of 2026-06-30 --format csv > csv.out 2> csv.err
c=$?
"$KAM" run p.kam a.jsonl --as-of 2026-06-30 --format csv > jsonl.out 2> jsonl.err
j=$?
failed=0
[ $c -eq 3 ] && [ $j -eq 3 ] || { echo "fill_optional_empty: exit $c (CSV) and $j (JSONL), want 3"; failed=1; }
cmp csv.out jsonl.out || { echo "fill_optional_empty: CSV rows differ from JSON Lines rows"; diff csv.out jsonl.out | head; failed=1; }
[ "$(wc -l < csv.out)" -eq 41 ] || { echo "fill_optional_empty: want 40 rows and a header"; failed=1; }
for col in growth share; do
    w1=$(grep "column $col:" csv.err | sed 's/.*column//')
    w2=$(grep "column $col:" jsonl.err | sed 's/.*column//')
    [ -n "$w1" ] && [ "$w1" = "$w2" ] || { echo "fill_optional_empty: $col warning: CSV '$w1', JSONL '$w2'"; failed=1; }
done
[ "$(grep -c 'field "revenue"' csv.err)" -eq 2 ] || { echo "fill_optional_empty: want both bad revenues reported"; cat csv.err; failed=1; }
exit $failed
