#!/bin/sh
# limits_size.sh — big policies: 20,000 lets check and run; a policy past
# the compiler's limits (32767 names, 65535 instructions) is a `too-large`
# error from kam run naming file:line:col (exit 1); a 5 MB line (a string
# literal) is fine and an error at its end is placed by column; a policy
# over 16 MiB is refused by name (exit 2). See docs/limits.md.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1

name=limits_size
. "$ROOT/tests/cli/lib/expect.sh"

printf 'id,revenue\nA,2000000\nB,5\n' >d.csv
hdr='record account {\n  id: string key\n  revenue: money\n}\n'

# 20,000 lets, the last one read by a select
awk -v hdr="$hdr" 'BEGIN { printf hdr
    for (i = 0; i < 20000; i++) printf "let v%d = revenue * %d\n", i, i % 7 + 1
    printf "select big when v19999 > 1M\n" }' >lets.kam
expect 0 "" "20000 lets, check" check lets.kam
expect 0 "" "20000 lets, run" run lets.kam d.csv
printf 'id,big,entitlements,flags\nA,true,,\nB,false,,\n' >want
cmp -s out want || { echo "limits_size: 20000 lets: wrong output" >&2; cat out >&2; failed=1; }

# 20,000 selects: 20,000 output columns
awk -v hdr="$hdr" 'BEGIN { printf hdr
    for (i = 0; i < 20000; i++) printf "select s%d when revenue > %d\n", i, i }' >selects.kam
expect 0 "" "20000 selects" run selects.kam d.csv
[ "$(head -1 out | tr ',' '\n' | wc -l)" -eq 20003 ] ||
    { echo "limits_size: 20000 selects: not 20003 columns" >&2; failed=1; }

# past the compiler's limits: refused when compiled, with a place
awk -v hdr="$hdr" 'BEGIN { printf hdr
    for (i = 0; i < 40000; i++) printf "let v%d = revenue\n", i }' >names.kam
expect 1 '^names\.kam:[0-9]+:[0-9]+: error: the policy is too large to compile: too many names \[too-large\]' \
    "40000 lets" run names.kam d.csv
awk -v hdr="$hdr" 'BEGIN { printf hdr
    for (i = 0; i < 20000; i++) printf "let v%d = revenue * %d + revenue * 3 + revenue / 7\n", i, i % 5 + 2 }' >code.kam
expect 1 '^code\.kam:[0-9]+:14: error: the policy is too large to compile: more than 65535 instructions \[too-large\]' \
    "20000 lets of 4 instructions" run code.kam d.csv

# a 5 MB line: a string literal; then an error after it, found by column
awk -v hdr="$hdr" 'BEGIN { printf hdr; printf "select acme when id == \""
    for (i = 0; i < 50000; i++) printf "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    printf "\"\n" }' >longline.kam
expect 0 "" "a 5 MB string literal" run longline.kam d.csv
sed 's/"$/" and revenu > 1/' longline.kam >longerr.kam
expect 1 "^longerr\.kam:5:5000031: error: unknown name 'revenu'; did you mean 'revenue'\? \[unknown-name\]" \
    "an error after a 5 MB string" check longerr.kam
# the source line is shown cut around the caret, not 5 MB of it
[ "$(wc -c <err)" -lt 2000 ] || { echo "limits_size: the 5 MB line was printed whole" >&2; failed=1; }

# over 16 MiB: refused before parsing
{ printf "$hdr"; head -c 17000000 /dev/zero | tr '\0' '#'; printf '\n'; } >toolarge.kam
expect 2 '^kam: toolarge\.kam: policy file larger than 16 MiB$' "a 17 MB policy" check toolarge.kam
exit $failed
