#!/bin/sh
# limits_numbers.sh — numbers out of range and not numbers: in data, 1e400,
# 1e-400, nan, inf, NaN, -Infinity and 0x10 are errors for their record
# naming file, line, field and text (exit 3; the good records are still
# output); in a policy, a literal over 1e15 (1e20) is a bad-literal error
# at file:line:col (exit 1). Division: 0/0 is 0 (a decision), x/0 is an
# error for that record naming the policy's place. See docs/limits.md.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1

# expect WANT WHAT ARGS...: kam ARGS exits WANT; no sanitizer report.
expect() {
    want=$1 what=$2
    shift 2
    "$KAM" "$@" >out 2>err </dev/null
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "limits_numbers: $what: exit $got, want $want" >&2
        head -c 600 err >&2
        failed=1
    elif grep -q -e Sanitizer -e 'runtime error' err; then
        echo "limits_numbers: $what: sanitizer report" >&2
        head -20 err >&2
        failed=1
    fi
}

# has PATTERN WHAT: a line of stderr matches the extended regex
has() {
    grep -Eq -- "$1" err || { echo "limits_numbers: $2: no line matching /$1/ in:" >&2; head -c 800 err >&2; failed=1; }
}

# want_out TEXT WHAT: stdout is exactly TEXT (printf format)
want_out() {
    printf "$1" >want
    cmp -s out want || { echo "limits_numbers: $2: wrong output:" >&2; head -c 300 out >&2; failed=1; }
}

cat >p.kam <<'KAM'
record account {
  id: string key
  revenue: money
  growth: percent
}
select big when revenue > 1M and growth > 0%
KAM

cat >nums.csv <<'CSV'
id,revenue,growth
A,1e400,1%
B,-1e400,1%
C,1e-400,1%
D,nan,1%
E,inf,1%
F,NaN,1%
G,-Infinity,1%
H,0x10,1%
I,1e308,1%
J,2000000,1e400%
K,2000000,inf%
L,2000000,5%
CSV
expect 3 "numbers out of range in CSV" run p.kam nums.csv
m='expected money \(a plain decimal such as 1250000\.50\), got'
has "^kam: nums\.csv:2: field \"revenue\": $m \"1e400\"$" "1e400"
has "^kam: nums\.csv:3: field \"revenue\": $m \"-1e400\"$" "-1e400"
has "^kam: nums\.csv:4: field \"revenue\": $m \"1e-400\"$" "1e-400"
has "^kam: nums\.csv:5: field \"revenue\": $m \"nan\"$" "nan"
has "^kam: nums\.csv:6: field \"revenue\": $m \"inf\"$" "inf"
has "^kam: nums\.csv:7: field \"revenue\": $m \"NaN\"$" "NaN"
has "^kam: nums\.csv:8: field \"revenue\": $m \"-Infinity\"$" "-Infinity"
has "^kam: nums\.csv:9: field \"revenue\": $m \"0x10\"$" "0x10"
has '^kam: nums\.csv:11: field "growth": expected percent \(0\.12 or 12%\), got "1e400%"$' "1e400%"
has '^kam: nums\.csv:12: field "growth": expected percent \(0\.12 or 12%\), got "inf%"$' "inf%"
has '^kam: 10 of 12 records had errors and were left out of the output$' "the count"
want_out 'id,big,entitlements,flags\nI,true,,\nL,true,,\n' "numbers out of range in CSV"

# JSON Lines: a number too big is the same error; NaN is not JSON
cat >nums.jsonl <<'JSON'
{"id":"A","revenue":1e400,"growth":0.01}
{"id":"B","revenue":NaN,"growth":0.01}
{"id":"C","revenue":"inf","growth":0.01}
{"id":"D","revenue":2e6,"growth":0.05}
JSON
expect 3 "numbers out of range in JSON Lines" run p.kam nums.jsonl
has "^kam: nums\.jsonl:1: field \"revenue\": $m \"1e400\"$" "JSON 1e400"
has "^kam: nums\.jsonl:2: syntax error at column 21: expected a value, found 'N'$" "JSON NaN"
has "^kam: nums\.jsonl:3: field \"revenue\": $m \"inf\"$" "JSON \"inf\""
want_out 'id,big,entitlements,flags\nD,true,,\n' "numbers out of range in JSON Lines"

# literals in a policy: at most 1e15
cat >lit.kam <<'KAM'
record account {
  id: string key
  revenue: money
}
select big when revenue > 1e20
select ok when revenue > 1e15
let b = 1000000000000001
KAM
expect 1 "literals over 1e15" check lit.kam
has "^lit\.kam:5:27: error: number literal '1e20' is out of range \(at most 1e15\) \[bad-literal\]$" "1e20"
has "^lit\.kam:7:9: error: number literal '1000000000000001' is out of range \(at most 1e15\) \[bad-literal\]$" "1e15 + 1"
has '^2 errors, 0 warnings$' "1e15 itself is fine"

# division: 0/0 is 0; x/0 is an error for that record, naming the policy's place
cat >div.kam <<'KAM'
record account {
  id: string key
  revenue: money
  cost: money
}
const zero = 0 / 0
let margin = (revenue - cost) / revenue
select good when margin > 10% and zero == 0
KAM
printf 'id,revenue,cost\nA,100,50\nB,0,0\nC,0,10\nD,100,100\n' >div.csv
expect 3 "division by zero" run div.kam div.csv
has '^kam: div\.csv:4: division by zero \(in div\.kam:7:14\)$' "x/0"
has '^kam: 1 of 4 records had errors and were left out of the output$' "x/0 count"
want_out 'id,good,entitlements,flags\nA,true,,\nB,false,,\nD,false,,\n' "0/0 is 0"
expect 0 "division by zero skipped" run div.kam div.csv --on-error skip
want_out 'id,good,entitlements,flags\nA,true,,\nB,false,,\nD,false,,\n' "division by zero skipped"
exit $failed
