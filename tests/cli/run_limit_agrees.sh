# `limit key_account to N by fit` keeps exactly the N selected accounts with
# the highest fit, ties broken by ascending key: checked against an
# independent computation (sort over kam run's output without the limit),
# from a file, from stdin, and in the REPL.
set -u
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
${CC:-cc} -O2 -o "$t/gen" "$ROOT/bench/gen.c" || exit 1
"$t/gen" 5000 3 > "$t/a.csv"
cp "$ROOT/bench/bench.kam" "$t/free.kam"
{ cat "$ROOT/bench/bench.kam"; echo; echo 'param team = 40'; echo 'limit key_account to team by fit'; } > "$t/capped.kam"
"$KAM" check "$t/capped.kam" || exit 1
"$KAM" run "$t/free.kam" "$t/a.csv" --as-of 2026-06-30 --format csv > "$t/free.csv" || exit 1
"$KAM" run "$t/capped.kam" "$t/a.csv" --as-of 2026-06-30 --format csv > "$t/capped.csv" || exit 1
awk -F, 'NR>1 && $3=="true" {print $2 "," $1}' "$t/free.csv" | sort -t, -k1,1nr -k2,2 | head -40 | cut -d, -f2 | sort > "$t/want"
awk -F, 'NR>1 && $3=="true" {print $1}' "$t/capped.csv" | sort > "$t/got"
[ "$(wc -l < "$t/want")" -eq 40 ] || { echo "fewer than 40 selected without the limit: test data too small"; exit 1; }
cmp -s "$t/want" "$t/got" || { echo "limit kept other accounts than the top 40 by fit"; diff "$t/want" "$t/got" | head; exit 1; }
"$KAM" run "$t/capped.kam" - --as-of 2026-06-30 --format csv < "$t/a.csv" > "$t/stdin.csv" || exit 1
cmp -s "$t/capped.csv" "$t/stdin.csv" || { echo "limit from stdin differs from the file"; exit 1; }
"$KAM" run "$t/capped.kam" "$t/a.csv" --as-of 2026-06-30 --format csv --set team=10 | awk -F, 'NR>1 && $3=="true"' | wc -l | grep -qx 10 ||
    { echo "--set team=10 did not keep 10"; exit 1; }
n=$(printf 'key_account\n' | "$KAM" repl "$t/capped.kam" "$t/a.csv" --as-of 2026-06-30 | awk '$1=="true"{print $2}')
[ "$n" = 40 ] || { echo "the REPL counts $n key accounts, not 40"; exit 1; }
exit 0
