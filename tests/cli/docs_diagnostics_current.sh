#!/bin/sh
# docs_diagnostics_current.sh — docs/diagnostics.md's tables of codes are
# generated from lang/diagcodes.def (scripts/diagnostics_md.sh) and kept
# current; every code has its one-line description and a row in the docs,
# and every code the sources emit is in the .def (and nothing else is).
set -u
def="$ROOT/lang/diagcodes.def"
sh "$ROOT/scripts/diagnostics_md.sh" | cmp -s - "$ROOT/docs/diagnostics.md" || {
    echo "docs/diagnostics.md is out of date: run sh scripts/diagnostics_md.sh > docs/diagnostics.md.new && mv docs/diagnostics.md.new docs/diagnostics.md"
    exit 1; }
failed=0
codes=$(sed -n 's/^DIAGCODE("\([a-z-]*\)", ".*")$/\1/p' "$def" | sort)
dup=$(printf '%s\n' "$codes" | uniq -d)
[ -z "$dup" ] || { echo "diagcodes.def: codes declared twice: $dup"; failed=1; }
documented=$(sed -n 's/^ *DIAGDOC([A-Z]*, "\([a-z-]*\)",$/\1/p' "$def" | sort -u)
[ "$codes" = "$documented" ] || {
    echo "diagcodes.def: DIAGCODE and DIAGDOC name different codes:"
    printf '%s\n' "$codes" >"${TMPDIR:-/tmp}/kam_dc.$$"
    printf '%s\n' "$documented" | diff "${TMPDIR:-/tmp}/kam_dc.$$" - | grep '^[<>]'
    rm -f "${TMPDIR:-/tmp}/kam_dc.$$"; failed=1; }
# the codes the sources pass to diag_add, err or warn
emitted=$(cat "$ROOT"/lang/*.c "$ROOT"/lang/*.y "$ROOT"/lang/*.l "$ROOT"/runtime/*.c "$ROOT"/api/*.c "$ROOT"/cli/*.c |
    tr -d '\n' | grep -o '\(diag_add([^;]*DIAG_[A-Z]*, *[^,]*, *\|[^a-z_]err(c, [^,]*, *\|[^a-z_]warn(c, [^,]*, *\)"[a-z-]*"' |
    sed 's/.*"\([a-z-]*\)"$/\1/' | sort -u)
[ -n "$emitted" ] || { echo "found no diag_add calls in the sources"; exit 1; }
for c in $emitted; do
    printf '%s\n' "$codes" | grep -qx -- "$c" || { echo "the sources emit [$c], which diagcodes.def does not declare"; failed=1; }
done
exit $failed
