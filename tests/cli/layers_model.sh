# Layered evaluation (tests/property/layers.py): a policy planned into
# several passes gives the outcomes of a brute-force model, from a file,
# standard input, JSON Lines, SQLite and in the REPL. Needs python3 and a C
# compiler.
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }
command -v "${CC:-cc}" >/dev/null || { echo "skipped: no C compiler"; exit 77; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
${CC:-cc} -O2 -o "$t/gen" "$ROOT/bench/gen.c" || exit 1
python3 "$ROOT/tests/property/layers.py" "$KAM" "$ROOT" "$t" "$t/gen" >"$t/out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { grep -v '^PASS' "$t/out"; exit 1; }
exit 0
