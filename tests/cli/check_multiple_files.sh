#!/bin/sh
# check_multiple_files.sh — `kam check A B`: every file is checked and
# reported (a bad one does not hide the other), the summary counts both,
# the exit status is 1 if any has errors; in JSON, one document for all.
set -u
fail() { echo "check_multiple_files: $*" >&2; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/good.kam" <<'KAM'
record account {
  id: string
  revenue: money
}
select big when revenue > 1M
KAM
cat >"$tmp/bad.kam" <<'KAM'
record account {
  id: string key
  revenue: money
}
select big when revenu > 1M
let worse = revenue + 5%
KAM

cd "$tmp" || exit 1
"$KAM" check bad.kam good.kam >out 2>err
rc=$?
[ "$rc" -eq 1 ] || fail "bad.kam good.kam: exit $rc, want 1"
[ -s out ] && fail "text diagnostics on stdout"
grep -q '^bad.kam:5:17: error: .*\[unknown-name\]$' err || fail "bad.kam's first error missing: $(cat err)"
grep -q '^bad.kam:6:13: error: .*\[unit-mismatch\]$' err || fail "bad.kam's second error missing: $(cat err)"
grep -q '^good.kam:1:8: warning: .*\[no-key\]$' err || fail "good.kam's warning missing: $(cat err)"
[ "$(tail -n 1 err)" = "2 errors, 1 warning" ] || fail "summary: $(tail -n 1 err)"
[ "$(grep -c '^[a-z]*\.kam:[0-9]*:[0-9]*: ' err)" -eq 3 ] || fail "want 3 diagnostics: $(cat err)"

# the other order: the same diagnostics, the same status
"$KAM" check good.kam bad.kam >out 2>err2
rc=$?
[ "$rc" -eq 1 ] || fail "good.kam bad.kam: exit $rc, want 1"
[ "$(grep -c ': error: ' err2)" -eq 2 ] || fail "good.kam bad.kam: $(cat err2)"

# two clean files: exit 0 and silence
printf 'record account {\n  id: string key\n}\n' >clean1.kam
printf 'record account {\n  id: string key\n  n: int\n}\nlet big = n > 1\n' >clean2.kam
"$KAM" check clean1.kam clean2.kam >out 2>err
rc=$?
[ "$rc" -eq 0 ] || fail "two clean files: exit $rc: $(cat err)"
[ -s err ] && fail "two clean files printed: $(cat err)"

# JSON: one document covering both files
"$KAM" check --format json bad.kam good.kam bad.kam >out 2>err
rc=$?
[ "$rc" -eq 1 ] || fail "json: exit $rc, want 1"
if command -v jq >/dev/null 2>&1; then
    [ "$(jq '.errors' out)" -eq 4 ] || fail "json: errors $(jq '.errors' out), want 4"
    [ "$(jq '.warnings' out)" -eq 1 ] || fail "json: warnings $(jq '.warnings' out), want 1"
    [ "$(jq '.diagnostics | length' out)" -eq 5 ] || fail "json: $(cat out)"
    [ "$(jq -r '[.diagnostics[].file] | join(",")' out)" = "bad.kam,bad.kam,good.kam,bad.kam,bad.kam" ] ||
        fail "json files: $(cat out)"
fi
exit 0
