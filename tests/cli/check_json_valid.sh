#!/bin/sh
# check_json_valid.sh — `kam check --format json` on a policy with errors
# prints one JSON document that jq parses, with one entry per diagnostic,
# every documented field, counts that match, and exit status 1.
set -u
fail() { echo "check_json_valid: $*" >&2; exit 1; }
command -v jq >/dev/null 2>&1 || fail "jq is not installed"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$KAM" check --format json "$ROOT/examples/mistakes.kam" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "exit $rc, want 1"
[ -s "$tmp/err" ] && fail "stderr not empty: $(cat "$tmp/err")"
jq -e . "$tmp/out" >/dev/null || fail "stdout is not JSON: $(cat "$tmp/out")"

n=$(jq '.diagnostics | length' "$tmp/out")
errors=$(jq '.errors' "$tmp/out")
warnings=$(jq '.warnings' "$tmp/out")
[ "$n" -eq 6 ] || fail "$n diagnostics, want 6 (examples/mistakes.kam)"
[ "$errors" -eq "$(jq '[.diagnostics[] | select(.severity == "error")] | length' "$tmp/out")" ] ||
    fail "errors count $errors does not match the error entries"
[ "$warnings" -eq "$(jq '[.diagnostics[] | select(.severity == "warning")] | length' "$tmp/out")" ] ||
    fail "warnings count $warnings does not match the warning entries"

# every entry has every field, with the right JSON types and sane values
bad=$(jq '[.diagnostics[] | select(
        (.file | type) != "string" or (.line | type) != "number" or
        (.column | type) != "number" or (.end_line | type) != "number" or
        (.end_column | type) != "number" or (.code | type) != "string" or
        (.message | type) != "string" or
        (.severity != "error" and .severity != "warning") or
        .line < 1 or .column < 1 or .end_line < .line or
        (.end_line == .line and .end_column <= .column) or
        (has("suggestion") and (.suggestion | type) != "string"))] | length' "$tmp/out")
[ "$bad" -eq 0 ] || fail "$bad entries with missing or malformed fields: $(cat "$tmp/out")"

# the first one is the documented typo, with its suggestion
first=$(jq -c '.diagnostics[0] | [.line, .column, .end_column, .code, .suggestion]' "$tmp/out")
[ "$first" = '[16,37,48,"unknown-name","growth_floor"]' ] || fail "first diagnostic: $first"
# codes, in file order
codes=$(jq -r '[.diagnostics[].code] | join(",")' "$tmp/out")
[ "$codes" = "unknown-name,unit-mismatch,optional-unhandled,unknown-member,type-mismatch,cycle" ] ||
    fail "codes: $codes"

# a clean policy: an empty list and zero counts, exit 0
"$KAM" check --format json "$ROOT/examples/key_accounts.kam" >"$tmp/out" 2>"$tmp/err" ||
    fail "key_accounts.kam: exit $?"
[ "$(jq -c . "$tmp/out")" = '{"diagnostics":[],"errors":0,"warnings":0}' ] ||
    fail "clean policy: $(cat "$tmp/out")"

# --format=json (with =) is the same document
"$KAM" check --format=json "$ROOT/examples/mistakes.kam" >"$tmp/out2" 2>/dev/null
"$KAM" check --format json "$ROOT/examples/mistakes.kam" >"$tmp/out" 2>/dev/null
cmp -s "$tmp/out" "$tmp/out2" || fail "--format=json differs from --format json"
exit 0
