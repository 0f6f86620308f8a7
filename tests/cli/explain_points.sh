# kam explain accounts for every point of a score: the points of the
# criteria it lists as met add up to the score kam run reports, for every
# account of the example.
set -u
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
P="$ROOT/examples/key_accounts.kam"; D="$ROOT/examples/accounts.csv"
"$KAM" run "$P" "$D" --as-of 2026-06-30 --format csv > "$t/run.csv" || exit 1
n=0
for id in $(awk -F, 'NR>1 && NR%7==2 {print $1}' "$t/run.csv"); do
    want=$(awk -F, -v id="$id" '$1==id {print $2}' "$t/run.csv")
    "$KAM" explain "$P" "$D" --as-of 2026-06-30 --id "$id" > "$t/ex" || { echo "explain $id failed"; exit 1; }
    shown=$(awk '/^score fit = / {print $4}' "$t/ex")
    sum=$(awk '/^  \+ / {s += $2} END {print s + 0}' "$t/ex")
    [ "$shown" = "$want" ] || { echo "$id: explain says fit $shown, kam run $want"; exit 1; }
    [ "$sum" = "$want" ] || { echo "$id: criteria add up to $sum, fit is $want"; cat "$t/ex"; exit 1; }
    grep -q "^what would change it: " "$t/ex" || { echo "$id: no smallest change given"; exit 1; }
    n=$((n + 1))
done
[ "$n" -gt 10 ] || { echo "only $n accounts explained"; exit 1; }
"$KAM" explain "$P" "$D" --as-of 2026-06-30 --id A0000106 --format json | jq -e '.explanation | length > 10' >/dev/null ||
    { echo "explain --format json is not the JSON expected"; exit 1; }
exit 0
