#!/bin/sh
# limits_files.sh — files that are not what they should be: an empty policy
# (no-record at file:1:1, exit 1), a directory given as the policy or the
# data (exit 2), a policy or data file that does not exist (exit 2), and
# invalid UTF-8: a stray byte in a policy is a syntax error at its
# file:line:col (exit 1); in JSON Lines it is an error for that line with
# its column (exit 3). Each message names the file. See docs/limits.md.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1

name=limits_files
. "$ROOT/tests/cli/lib/expect.sh"

cat >p.kam <<'KAM'
record account {
  id: string key
  revenue: money
}
select big when revenue > 1M
KAM
printf 'id,revenue\nA,2000000\n' >d.csv
mkdir adir

: >empty.kam
expect 1 '^empty\.kam:1:1: error: the policy has no `record` block.*\[no-record\]$' "an empty policy" check empty.kam
expect 1 '^kam: empty\.kam has errors; nothing was run$' "an empty policy, run" run empty.kam d.csv
[ -s out ] && { echo "limits_files: an empty policy: something was output" >&2; failed=1; }

expect 2 '^kam: adir: is a directory, not a policy file$' "a directory as the policy" check adir
expect 2 '^kam: adir: is a directory, not a policy file$' "a directory as the policy, run" run adir d.csv
expect 2 '^kam: cannot read adir: Is a directory$' "a directory as the data" run p.kam adir
expect 2 '^kam: cannot read adir: Is a directory$' "a directory as JSON Lines" run p.kam adir --input jsonl
printf 'import "adir"\nrecord account {\n  id: string key\n}\n' >imp.kam
expect 1 '^imp\.kam:1:8: error: cannot import "adir": is a directory, not a policy file \[import\]$' \
    "a directory imported" check imp.kam

expect 2 '^kam: nope\.kam: cannot open: No such file or directory$' "no such policy" check nope.kam
expect 2 '^kam: nope\.kam: cannot open: No such file or directory$' "no such policy, run" run nope.kam d.csv
expect 2 '^kam: cannot open nope\.csv: No such file or directory$' "no such data" run p.kam nope.csv
expect 2 '^kam: cannot open nope\.jsonl: No such file or directory$' "no such JSON Lines" run p.kam nope.jsonl
[ -s out ] && { echo "limits_files: no such data: something was output" >&2; failed=1; }

# invalid UTF-8 in a policy: outside strings and comments, a syntax error
printf 'record account {\n  id: string key\n  revenue: money\n}\nlet \377\376 = 1\n' >bad.kam
expect 1 '^bad\.kam:5:5: error: unexpected byte 0xFF \(not a character kam reads here\); expected name \[syntax\]$' \
    "a 0xFF byte in a policy" check bad.kam
printf 'record account {\n  id: string key\n}\n# caf\351 \303\050 in a comment\n' >comment.kam
expect 0 "" "invalid UTF-8 in a comment" check comment.kam

# invalid UTF-8 in JSON Lines: that line is an error, with its column
printf '{"id":"A","revenue":2e6,"name":"caf\351"}\n{"id":"B","revenue":2e6}\n' >bad.jsonl
expect 3 '^kam: bad\.jsonl:1: invalid UTF-8 at column 36' "invalid UTF-8 in JSON Lines" run p.kam bad.jsonl
printf 'id,big,entitlements,flags\nB,true,,\n' >want
cmp -s out want || { echo "limits_files: invalid UTF-8 in JSON Lines: wrong output" >&2; cat out >&2; failed=1; }
exit $failed
