#!/bin/sh
# spec_policies.sh — the semantic test layer: every tests/spec/*.kam checks
# clean (exit 0, no output, also with --werror) and `kam test` on it ends
# "N passed, 0 failed" with N the number of `test` blocks in the file, so a
# test that stops running is noticed too. The spec policies pin operators,
# built-ins, units, dates, stages, rules and aggregates with exact values
# (docs/testing.md). SPEC_FIRST_FAIL=1 stops at the first failing file
# (scripts/mutate.sh).
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
files=0
for f in "$ROOT"/tests/spec/*.kam; do
    [ -e "$f" ] || continue
    files=$((files + 1))
    name=$(basename "$f")
    "$KAM" check --werror "$f" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    if [ "$rc" -ne 0 ] || [ -s "$tmp/out" ] || [ -s "$tmp/err" ]; then
        echo "spec_policies: $name does not check clean (exit $rc)" >&2
        cat "$tmp/out" "$tmp/err" | head -20 >&2
        failed=1
        [ -n "${SPEC_FIRST_FAIL:-}" ] && exit 1
        continue
    fi
    want=$(grep -c '^test "' "$f")
    "$KAM" test "$f" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    last=$(tail -1 "$tmp/out")
    if [ "$rc" -ne 0 ] || [ "$last" != "$want passed, 0 failed" ] || [ -s "$tmp/err" ]; then
        echo "spec_policies: $name: exit $rc, \"$last\", want \"$want passed, 0 failed\"" >&2
        grep -v '^PASS ' "$tmp/out" | head -30 >&2
        head -10 "$tmp/err" >&2
        failed=1
        [ -n "${SPEC_FIRST_FAIL:-}" ] && exit 1
    fi
done
[ "$files" -gt 0 ] || { echo "spec_policies: no tests/spec/*.kam found" >&2; exit 1; }
exit $failed
