#!/bin/sh
# check_codes_covered.sh — every diagnostic code listed in
# docs/diagnostics.md (errors and warnings) is produced by at least one
# golden test in tests/golden/check (or, for `too-large`, which takes a
# policy of 40,000 lets, by a CLI test in tests/cli), and every code a
# golden test shows is documented. Keeps the docs, the checker and the
# tests in step. `internal` (the scanner could not start: out of memory)
# cannot be provoked from a policy and is not looked for.
set -u
doc="$ROOT/docs/diagnostics.md"
dir="$ROOT/tests/golden/check"
[ -r "$doc" ] || { echo "check_codes_covered: cannot read $doc" >&2; exit 1; }
documented=$(sed -n 's/^| `\([a-z-]*\)` |.*/\1/p' "$doc" | sort -u)
[ -n "$documented" ] || { echo "check_codes_covered: no codes found in $doc" >&2; exit 1; }
failed=0
for code in $documented; do
    [ "$code" = internal ] && continue
    if ! cat "$dir"/*.err | grep -q -e "\[$code\]\$" -e "\"code\":\"$code\"" &&
       ! grep -qF -e "\\[$code\\]" "$ROOT"/tests/cli/*.sh; then
        echo "check_codes_covered: no golden test shows [$code]" >&2
        failed=1
    fi
done
seen=$(cat "$dir"/*.err "$dir"/*.out | sed -n \
        -e 's/^[^ ]*:[0-9]*:[0-9]*: error: .* \[\([a-z-]*\)\]$/\1/p' \
        -e 's/^[^ ]*:[0-9]*:[0-9]*: warning: .* \[\([a-z-]*\)\]$/\1/p' \
        -e 's/.*"code":"\([a-z-]*\)".*/\1/p' | sort -u)
for code in $seen; do
    if ! printf '%s\n' "$documented" | grep -qx "$code"; then
        echo "check_codes_covered: [$code] appears in golden tests but not in docs/diagnostics.md" >&2
        failed=1
    fi
done
exit $failed
