#!/bin/sh
# security_regex.sh — matches() must take time linear in the text for any
# pattern: `([a-z]+)*[0-9]` over a 100,000-character field took 14-16 s with
# glibc's backtracking regexec, so three such records took close to a
# minute; kam's own matcher (runtime/rx.c) takes milliseconds. Not a timing
# assertion: `timeout 30` only catches the exponential case. The answers
# are checked too (a digit at the end does match). See docs/limits.md.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1
command -v timeout >/dev/null 2>&1 || { echo "security_regex: no timeout(1)"; exit 77; }

cat >p.kam <<'KAM'
record account {
  id: string key
  note: string
}
select odd when matches(note, "([a-z]+)*[0-9]")
select nested when matches(note, "^(a|aa)+$")
KAM
a100k() { head -c 100000 /dev/zero | tr '\0' a; }
{
    echo id,note
    printf 'A,'; a100k; echo
    printf 'B,'; a100k; echo 7
    printf 'C,'; a100k; echo b
    echo D,x9
} >long.csv

timeout 30 "$KAM" run p.kam long.csv >out 2>err
rc=$?
printf 'id,odd,nested,entitlements,flags\nA,false,true,,\nB,true,false,,\nC,false,false,,\nD,true,false,,\n' >want
if [ "$rc" -ne 0 ]; then
    echo "security_regex: exit $rc (124: timed out)" >&2
    head -c 300 err >&2
    failed=1
elif ! cmp -s out want; then
    echo "security_regex: wrong answers:" >&2
    cat out >&2
    failed=1
fi
exit $failed
