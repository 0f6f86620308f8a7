#!/bin/sh
# diagnostics_md.sh — writes docs/diagnostics.md with its tables of codes
# generated from lang/diagcodes.def: the page's hand-written part (up to the
# "generated" marker line) is kept, the Errors and Warnings tables after it
# are made from the DIAGDOC lines, so the page lists exactly the codes kam
# has. tests/cli/docs_diagnostics_current.sh fails when the page is stale.
# Usage: sh scripts/diagnostics_md.sh > docs/diagnostics.md.new && mv ...
set -eu
cd "$(dirname "$0")/.."
marker='<!-- the tables below are generated from lang/diagcodes.def by scripts/diagnostics_md.sh: edit them there -->'
grep -qxF -- "$marker" docs/diagnostics.md || { echo "diagnostics_md.sh: no marker line in docs/diagnostics.md" >&2; exit 1; }
awk -v m="$marker" '{ print } $0 == m { exit }' docs/diagnostics.md
# LEVEL<TAB>CODE<TAB>MEANING, one per DIAGDOC (its meaning is on the next line)
rows=$(awk '
    /^ *DIAGDOC\(/ { lv = $0; sub(/^ *DIAGDOC\(/, "", lv); sub(/,.*/, "", lv)
                     code = $0; sub(/^[^"]*"/, "", code); sub(/".*/, "", code); want = 1; next }
    want { s = $0; sub(/^ *"/, "", s); sub(/"\) *$/, "", s)
           gsub(/\\"/, "\"", s); gsub(/\\\\/, "\\", s)
           printf "%s\t%s\t%s\n", lv, code, s; want = 0 }' lang/diagcodes.def)
for lv in ERROR WARNING; do
    [ "$lv" = ERROR ] && printf '\n### Errors\n\n' || printf '\n### Warnings\n\n'
    printf '| code | meaning |\n|---|---|\n'
    printf '%s\n' "$rows" | awk -F '\t' -v lv="$lv" '$1 == lv { printf "| `%s` | %s |\n", $2, $3 }'
done
