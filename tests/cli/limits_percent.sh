#!/bin/sh
# limits_percent.sh — the percent trap at its edges: a bare number at the
# literal limit (1e15) against a percent, in the policy and in --set, is a
# percent-literal error with the number written out; a percent column of
# whole percentages warns (CSV and JSON Lines, exit 0, every record still
# output), a column of 0s and 1s (fractions) does not, and an example too
# long to quote is replaced by the next that fits. See docs/limits.md.
set -u
name=limits_percent
. "$ROOT/tests/cli/lib/expect.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1

cat > p.kam <<'KAM'
record account {
  id: string key
  growth: percent
}
param floor = 10%
select growing when growth >= floor
KAM
printf 'record account {\n  id: string key\n  growth: percent\n}\nselect s when growth > 1e15\n' > big.kam

expect 1 'big.kam:5:24: error: 1000000000000000 compared with percent .growth. would mean 100000000000000000%; write 1000000000000000% \[percent-literal\]' \
    "1e15 against a percent" check big.kam
printf 'id,growth\na,0.5\n' > one.csv
expect 2 'value for floor:1:1: error: 1000000000000000 for percent param .floor. would mean 100000000000000000%' \
    "--set floor=1e15" run p.kam one.csv --set floor=1e15
expect 0 '' "--set floor=0.08" run p.kam one.csv --set floor=0.08

printf 'id,growth\na,35\nb,12\nc,4%%\nd,0\n' > whole.csv
expect 0 'kam: whole.csv: warning: column growth: 2 of 4 values look like whole percentages \(e.g. 35, read as 3500%\); write 35% or 0.35' \
    "whole percentages (CSV)" run p.kam whole.csv
[ "$(wc -l < out)" -eq 5 ] || { echo "$name: whole.csv: want 4 records and a header" >&2; failed=1; }
[ "$(grep -c warning err)" -eq 1 ] || { echo "$name: whole.csv: want one warning" >&2; failed=1; }

printf '{"id":"a","growth":35}\n{"id":"b","growth":"12"}\n{"id":"c","growth":0.1}\n' > whole.jsonl
expect 0 'column growth: 2 of 3 values look like whole percentages' "whole percentages (JSON Lines)" \
    run p.kam whole.jsonl
expect 0 'column growth: 2 of 3 values look like whole percentages' "whole percentages (check --data)" \
    check p.kam --data whole.jsonl

printf 'id,growth\na,1\nb,1.0\nc,0\nd,0.00\n' > ones.csv
expect 0 '' "0s and 1s" run p.kam ones.csv
if grep -q warning err; then echo "$name: 0s and 1s: unexpected warning" >&2; cat err >&2; failed=1; fi

printf 'id,growth\na,123456789012345678901234567\nb,1.5\n' > long.csv
expect 0 'column growth: 2 of 2 values look like whole percentages \(e.g. 1.5, read as 150%\); write 1.5% or 0.015' \
    "a long first example" run p.kam long.csv

exit $failed
