# The property suite (tests/property/agreement.py): REPL counts, kam diff
# and kam test verdicts agree with kam run for generated accounts and
# random param values. Needs python3 and a C compiler.
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }
command -v "${CC:-cc}" >/dev/null || { echo "skipped: no C compiler"; exit 77; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
python3 "$ROOT/tests/property/agreement.py" "$KAM" "$ROOT" "$t" >"$t/out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { grep -v '^PASS' "$t/out"; exit 1; }
exit 0
