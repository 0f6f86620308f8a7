# The rules of examples/lifecycle.kam (graded weights, an ordered enum, a
# transition with two sources, a win-back) written again in Python
# (tests/property/lifecycle_model.py) agree with kam run on generated
# accounts and random param values. Needs python3.
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
python3 "$ROOT/tests/property/lifecycle_model.py" "$KAM" "$ROOT" "$t" >"$t/out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { grep -v '^PASS' "$t/out"; exit 1; }
exit 0
