# The REPL agrees with kam run: a bare expression's counts equal those of
# kam run's output, and :set then :diff names exactly the accounts that
# kam run --set changes (and so does kam diff).
set -u
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
cc=${CC:-cc}
$cc -O2 -o "$t/gen" "$ROOT/bench/gen.c" || exit 1
"$t/gen" 3000 99 > "$t/a.csv"
P="$ROOT/bench/bench.kam"
"$KAM" run "$P" "$t/a.csv" --as-of 2026-06-30 --format csv > "$t/base.csv" || exit 1
"$KAM" run "$P" "$t/a.csv" --as-of 2026-06-30 --format csv --set growth_floor=6% --set key_threshold=55 > "$t/whatif.csv" || exit 1
want_keys=$(awk -F, 'NR>1 && $3=="true"' "$t/base.csv" | wc -l)
gold=$(awk -F, 'NR>1 && $4=="gold"' "$t/base.csv" | wc -l)
printf 'key_account\nservice_tier\n:set growth_floor = 6%%\n:set key_threshold = 55\n:diff\n' |
    "$KAM" repl "$P" "$t/a.csv" --as-of 2026-06-30 > "$t/repl.out" 2>"$t/repl.err" || { cat "$t/repl.err"; exit 1; }
got_keys=$(awk '$1=="true"{print $2; exit}' "$t/repl.out")
got_gold=$(awk '$1=="gold"{print $2; exit}' "$t/repl.out")
[ "$got_keys" = "$want_keys" ] || { echo "REPL says $got_keys key accounts, kam run $want_keys"; exit 1; }
[ "$got_gold" = "$gold" ] || { echo "REPL says $got_gold gold, kam run $gold"; exit 1; }
# the accounts kam run --set changes
paste -d'|' "$t/base.csv" "$t/whatif.csv" | awk -F'|' 'NR>1 && $1!=$2 {split($1,a,","); print a[1]}' | sort > "$t/want"
[ -s "$t/want" ] || { echo "the what-if changed nothing: the test would prove nothing"; exit 1; }
grep -E '^A[0-9]+ ' "$t/repl.out" | awk '{print $1}' | sort > "$t/got"
if [ "$(wc -l < "$t/want")" -gt 50 ]; then head -50 "$t/want" > "$t/want50"; mv "$t/want50" "$t/want"; head -50 "$t/got" > "$t/g"; mv "$t/g" "$t/got"; fi
cmp -s "$t/want" "$t/got" || { echo ":diff names other accounts than kam run --set changes"; diff "$t/want" "$t/got" | head; exit 1; }
"$KAM" diff "$P" "$t/a.csv" --as-of 2026-06-30 --set growth_floor=6% --set key_threshold=55 --format csv 2>/dev/null |
    awk -F, 'NR>1{print $1}' | sort -u > "$t/diffkeys"
paste -d'|' "$t/base.csv" "$t/whatif.csv" | awk -F'|' 'NR>1 && $1!=$2 {split($1,a,","); print a[1]}' | sort > "$t/want"
cmp -s "$t/want" "$t/diffkeys" || { echo "kam diff names other accounts than kam run --set changes"; diff "$t/want" "$t/diffkeys" | head; exit 1; }
exit 0
