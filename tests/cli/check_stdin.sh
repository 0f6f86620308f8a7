#!/bin/sh
# check_stdin.sh — `kam check -` reads the policy from standard input and
# names it "-" in diagnostics.
set -u
fail() { echo "check_stdin: $*" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
printf 'record account {\n  id: string key\n  n: int\n}\nlet bad = n + "x"\n' |
    "$KAM" check - >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "exit $rc, want 1"
grep -q '^-:5:11: error: .*\[type-mismatch\]$' "$tmp/err" || fail "$(cat "$tmp/err")"
printf 'record account {\n  id: string key\n}\n' | "$KAM" check - >"$tmp/out" 2>"$tmp/err" ||
    fail "clean policy on stdin: exit $?: $(cat "$tmp/err")"
[ -s "$tmp/err" ] && fail "clean policy on stdin printed: $(cat "$tmp/err")"
exit 0
