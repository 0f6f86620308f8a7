# kam explain accounts for every point of a score: the points of the
# criteria it lists as met ("+ 25", "− 15" for a negative weight) add up to
# the score kam run reports, for accounts of the example and of the
# explain goldens' policy (which has a negative weight).
set -u
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
P="$ROOT/examples/key_accounts.kam"; D="$ROOT/examples/accounts.csv"
"$KAM" run "$P" "$D" --as-of 2026-06-30 --format csv --columns "" > "$t/run.csv" || exit 1
n=0
for id in $(awk -F, 'NR>1 && NR%7==2 {print $1}' "$t/run.csv"); do
    want=$(awk -F, -v id="$id" '$1==id {print $2}' "$t/run.csv")
    "$KAM" explain "$P" "$D" --as-of 2026-06-30 --id "$id" > "$t/ex" || { echo "explain $id failed"; exit 1; }
    shown=$(awk '/^score (fit|.*\(fit\)) = / {print $NF}' "$t/ex")   # "score Fit score (fit) = 35"
    sum=$(awk '/^  \+ / {s += $2} /^  − / {s -= $2} END {print s + 0}' "$t/ex")
    [ "$shown" = "$want" ] || { echo "$id: explain says fit $shown, kam run $want"; exit 1; }
    [ "$sum" = "$want" ] || { echo "$id: criteria add up to $sum, fit is $want"; cat "$t/ex"; exit 1; }
    grep -q "^what would change it: " "$t/ex" || { echo "$id: no smallest change given"; exit 1; }
    n=$((n + 1))
done
[ "$n" -gt 10 ] || { echo "only $n accounts explained"; exit 1; }
G="$ROOT/tests/golden/repl"
"$KAM" run "$G/explain_limit_cut.kam" "$G/explain_limit.csv" --format csv > "$t/lim.csv" || exit 1
neg=0
for id in $(awk -F, 'NR>1 {print $1}' "$t/lim.csv"); do
    want=$(awk -F, -v id="$id" '$1==id {print $2}' "$t/lim.csv")
    "$KAM" explain "$G/explain_limit_cut.kam" "$G/explain_limit.csv" --id "$id" > "$t/ex" || exit 1
    sum=$(awk '/^  \+ / {s += $2} /^  − / {s -= $2} END {print s + 0}' "$t/ex")
    grep -q '^  − ' "$t/ex" && neg=$((neg + 1))
    [ "$sum" = "$want" ] || { echo "$id: criteria add up to $sum, fit is $want"; cat "$t/ex"; exit 1; }
done
[ "$neg" -gt 0 ] || { echo "no negative weight shown as met"; exit 1; }
"$KAM" explain "$P" "$D" --as-of 2026-06-30 --id A0000106 --format json | jq -e '.explanation | length > 10' >/dev/null ||
    { echo "explain --format json is not the JSON expected"; exit 1; }
exit 0
