# kam run --summary counts what kam run's rows say: selects, tiers, stage
# moves, entitlements and flags, on generated data.
set -u
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
${CC:-cc} -O2 -o "$t/gen" "$ROOT/bench/gen.c" || exit 1
"$t/gen" 4000 11 > "$t/a.csv"
P="$ROOT/bench/bench.kam"
"$KAM" run "$P" "$t/a.csv" --as-of 2026-06-30 --format csv > "$t/rows.csv" || exit 1
"$KAM" run "$P" "$t/a.csv" --as-of 2026-06-30 --summary --format json > "$t/sum.json" || exit 1
check() { # LABEL WANT GOT
    [ "$2" = "$3" ] || { echo "$1: rows say $2, summary says $3"; exit 1; }
}
check key_account "$(awk -F, 'NR>1 && $3=="true"' "$t/rows.csv" | wc -l)" "$(jq '.selects.key_account' "$t/sum.json")"
for tier in platinum gold silver standard; do
    check "$tier" "$(awk -F, -v x=$tier 'NR>1 && $4==x' "$t/rows.csv" | wc -l)" "$(jq ".tiers.service_tier.$tier.accounts" "$t/sum.json")"
done
for st in pre_kam early_kam mid_kam partnership synergistic uncoupling; do
    check "$st" "$(awk -F, -v x=$st 'NR>1 && $5==x' "$t/rows.csv" | wc -l)" "$(jq ".stages.kam_stage.$st.accounts" "$t/sum.json")"
done
for e in dedicated_manager multifunctional_team priority_support custom_pricing integrated_systems; do
    check "$e" "$(awk -F, -v x=$e 'NR>1 { n = split($6, a, ";"); for (i = 1; i <= n; i++) if (a[i] == x) c++ } END { print c + 0 }' "$t/rows.csv")" "$(jq ".entitlements.$e" "$t/sum.json")"
done
check neglected_small "$(awk -F, 'NR>1 && $NF ~ /neglected_small/' "$t/rows.csv" | wc -l)" "$(jq '.flags.neglected_small' "$t/sum.json")"
# stage moves: the accounts that start in pre_kam and end in early_kam
moves=$("$KAM" run "$P" "$t/a.csv" --as-of 2026-06-30 --format csv --where 'stage == pre_kam and kam_stage == early_kam' | tail -n +2 | wc -l)
check "pre_kam -> early_kam" "$moves" "$(jq '.stages.kam_stage.early_kam.from.pre_kam // 0' "$t/sum.json")"
exit 0
