#!/bin/sh
# check_examples_clean.sh — every bundled example except mistakes.kam
# checks clean: exit 0, nothing on stdout or stderr, also with --werror;
# and mistakes.kam does have errors (exit 1).
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
n=0
for f in "$ROOT"/examples/*.kam; do
    [ -e "$f" ] || continue
    case "$f" in */mistakes.kam) continue ;; esac
    n=$((n + 1))
    "$KAM" check --werror "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -ne 0 ] || [ -s "$tmp/out" ] || [ -s "$tmp/err" ]; then
        echo "check_examples_clean: $f: exit $rc" >&2
        cat "$tmp/out" "$tmp/err" | head -20 >&2
        failed=1
    fi
done
[ "$n" -gt 0 ] || { echo "check_examples_clean: no examples found" >&2; exit 1; }
"$KAM" check "$ROOT/examples/mistakes.kam" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 1 ] || { echo "check_examples_clean: mistakes.kam: exit $rc, want 1" >&2; failed=1; }
exit $failed
