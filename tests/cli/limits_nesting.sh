#!/bin/sh
# limits_nesting.sh — expressions nested past the parser's limit (1000
# levels: parentheses, unary minus, `not`, `if`, a flat chain of 5000 `+`,
# definitions that read each other 1000 deep, a --where filter) are a
# `too-deep` error naming the file, line and column (exit 1; 2 for
# --where), never a stack overflow; just under the limit they run. See
# docs/limits.md.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1

# gen FILE PREFIX N MIDDLE SUFFIX: the record header, then
# "let x = PREFIX*N MIDDLE SUFFIX*N" on line 5.
gen() {
    awk -v pre="$2" -v n="$3" -v mid="$4" -v suf="$5" 'BEGIN {
        printf "record account {\n  id: string key\n  revenue: money\n}\nlet x = "
        for (i = 0; i < n; i++) printf "%s", pre
        printf "%s", mid
        for (i = 0; i < n; i++) printf "%s", suf
        printf "\n" }' >"$1"
}

name=limits_nesting
. "$ROOT/tests/cli/lib/expect.sh"

printf 'id,revenue\nA,2000000\nB,5\n' >d.csv
deep='nested too deeply \(more than 1000 levels\).*\[too-deep\]'

gen parens.kam '(' 100000 'revenue' ')'
expect 1 "^parens\.kam:5:[0-9]+: error: expression or block $deep" "100000 parentheses" check parens.kam
expect 1 "^parens\.kam:5:[0-9]+: error: .*\[too-deep\]" "100000 parentheses, run" run parens.kam d.csv
gen minus.kam '-' 100000 '1' ''
expect 1 "^minus\.kam:5:[0-9]+: error: expression or block $deep" "100000 unary minus" check minus.kam
gen not.kam 'not ' 100000 'true' ''
expect 1 "^not\.kam:5:[0-9]+: error: expression or block $deep" "100000 not" check not.kam
gen if.kam 'if true then ' 20000 '1' ' else 2'
expect 1 "^if\.kam:5:[0-9]+: error: expression or block $deep" "20000 nested if" check if.kam
gen sum.kam '' 1 'revenue' ''
awk 'BEGIN { for (i = 0; i < 5000; i++) printf " + 1"; printf "\n" }' >>sum.kam
# the chain is on line 5; the appended text continues it on line 6
sed -e ':a' -e 'N' -e '$!ba' -e 's/revenue\n/revenue/' sum.kam >sum2.kam
expect 1 "^sum2\.kam:5:9: error: expressions \(or definitions that use each other\) are nested more than 1000 deep.*\[too-deep\]" \
    "a flat chain of 5000 +" check sum2.kam

# definitions that read each other, 1000 deep, written last-first
awk 'BEGIN { printf "record account {\n  id: string key\n  revenue: money\n}\n"
             for (i = 0; i < 2000; i++) printf "let v%d = v%d + 1\n", i, i + 1
             printf "let v2000 = revenue\n" }' >chain.kam
expect 1 "^chain\.kam:[0-9]+:[0-9]+: error: expressions \(or definitions that use each other\) are nested more than 1000 deep.*\[too-deep\]" \
    "2000 lets reading the next" check chain.kam
# ... and written first-first they are fine: each is a register
awk 'BEGIN { printf "record account {\n  id: string key\n  revenue: money\n}\nlet v0 = revenue\n"
             for (i = 1; i < 2000; i++) printf "let v%d = v%d + 1\n", i, i - 1
             printf "select big when v1999 > 1M\n" }' >chain_fwd.kam
expect 0 "" "2000 lets reading the previous" run chain_fwd.kam d.csv
grep -qx 'A,true,,' out || { echo "limits_nesting: chain_fwd: wrong output" >&2; cat out >&2; failed=1; }

# just under the limit: runs, with the right answer
gen ok.kam '(' 900 'revenue' ')'
printf 'select big when x > 1M\n' >>ok.kam
expect 0 "" "900 parentheses" run ok.kam d.csv
grep -qx 'A,true,,' out || { echo "limits_nesting: 900 parentheses: wrong output" >&2; cat out >&2; failed=1; }

# --where: the same limit, the place named as --where:1:COL
printf 'record account {\n  id: string key\n  revenue: money\n}\nselect big when revenue > 1M\n' >p.kam
w=$(awk 'BEGIN { for (i = 0; i < 5000; i++) printf "("; printf "big"; for (i = 0; i < 5000; i++) printf ")" }')
expect 2 "^--where:1:[0-9]+: error: expression or block $deep" "--where 5000 parentheses" run p.kam d.csv --where "$w"
exit $failed
