#!/bin/sh
# check_truncations.sh — every 23rd prefix of examples/key_accounts.kam
# (a policy cut off anywhere: mid-token, mid-string, mid-block) gives a
# clean diagnosis: exit 0 or 1, a summary or silence, never a crash, a
# sanitizer report or a hang. (The full sweep of every prefix was run by
# hand; this keeps a cheap sample in every run.) Against the sanitizer
# build (KAM_TEST_SANITIZED=1, tests/run.sh) every 41st: the fuzzers
# (fuzz/fuzz_policy.c, in CI) cut policies far more ways than this.
# kam-test: long
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
src="$ROOT/examples/key_accounts.kam"
size=$(wc -c <"$src")
step=${TRUNC_STEP:-$([ -n "${KAM_TEST_SANITIZED:-}" ] && echo 41 || echo 23)}
to=$(command -v timeout >/dev/null 2>&1 && echo "timeout 10" || echo "")
failed=0
n=0
while [ "$n" -le "$size" ]; do
    head -c "$n" "$src" >"$tmp/p.kam"
    $to "$KAM" check "$tmp/p.kam" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -gt 1 ] || grep -q -e 'Sanitizer' -e 'runtime error' "$tmp/err"; then
        echo "check_truncations: prefix of $n bytes: exit $rc" >&2
        head -20 "$tmp/err" >&2
        failed=1
    fi
    n=$((n + step))
done
exit $failed
