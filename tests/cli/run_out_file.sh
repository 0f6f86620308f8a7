# --out writes the whole output or nothing: a good run replaces the file,
# a failed run (--on-error fail, an unwritable place) leaves it untouched.
set -u
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
g="$ROOT/tests/golden/run"
echo "old contents" > "$t/out.csv"
"$KAM" run "$g/semantics.kam" "$g/semantics.csv" --as-of 2026-06-30 --out "$t/out.csv" || { echo "good run failed"; exit 1; }
"$KAM" run "$g/semantics.kam" "$g/semantics.csv" --as-of 2026-06-30 --format csv > "$t/expected.csv"
cmp -s "$t/out.csv" "$t/expected.csv" || { echo "--out differs from stdout output"; exit 1; }
echo "old contents" > "$t/out.csv"
"$KAM" run "$g/bad_records.kam" "$g/bad_records.csv" --on-error fail --out "$t/out.csv" 2>/dev/null
[ $? -eq 3 ] || { echo "expected exit 3 with --on-error fail"; exit 1; }
[ "$(cat "$t/out.csv")" = "old contents" ] || { echo "a failed run changed the output file"; exit 1; }
ls "$t" | grep -q tmp && { echo "a temporary file was left behind"; ls "$t"; exit 1; }
"$KAM" run "$g/semantics.kam" "$g/semantics.csv" --out "$t/no/such/dir/out.csv" 2>"$t/err"
[ $? -eq 2 ] || { echo "expected exit 2 for an unwritable --out"; exit 1; }
grep -q "cannot write" "$t/err" || { echo "no clear message for an unwritable --out"; cat "$t/err"; exit 1; }
# writing to a full disk is an error, not a silent success
if [ -w /dev/full ]; then
    "$KAM" run "$g/semantics.kam" "$g/semantics.csv" --format csv > /dev/full 2>"$t/err"
    [ $? -ne 0 ] || { echo "writing to /dev/full reported success"; exit 1; }
fi
exit 0
