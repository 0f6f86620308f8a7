# Ctrl-C in a :sweep whose param a limit reads (so every step does the
# portfolio passes again, and the session's kept passes are half done when
# it stops) leaves the session as it was: no what-if left, :diff finds no
# change, and a :set after it gives the :diff a fresh session gives.
# kam-test: serial (timing or a terminal: run alone, not beside other tests)
set -u
. "$ROOT/tests/cli/lib/tmux.sh"
CC=${CC:-cc}
command -v "$CC" >/dev/null || { echo "no C compiler to build bench/gen.c"; exit 77; }
"$CC" -std=c11 -O2 "$ROOT/bench/gen.c" -o "$t/gen" || exit 1
"$t/gen" 300000 >"$t/accounts.csv" || exit 1
{ cat "$ROOT/bench/bench.kam"; echo 'limit key_account to 5000 by annual_revenue'; } > "$t/p.kam"
# what a fresh session says to the :set at the end
printf ':set key_threshold = 50\n:diff\n' |
    "$KAM" repl "$t/p.kam" "$t/accounts.csv" --as-of 2026-06-30 > "$t/fresh.out" 2>&1 || exit 1
want=$(grep -E 'accounts? changed' "$t/fresh.out")
[ -n "$want" ] && ! echo "$want" | grep -q '^0 accounts' || { echo "the :set changes nothing: $want"; exit 1; }
repl_start main "$t/p.kam" "$t/accounts.csv" --as-of 2026-06-30
wait_for main "kam>" 600 || exit 1
keys main ':sweep key_threshold 0..100 step 1' Enter
sleep 1
screen main | grep -q "stage moves" && { echo "the sweep ended within a second: too fast to test"; exit 1; }
keys main C-c
wait_for main "^interrupted" 20 || { echo "no 'interrupted' within 2 s of Ctrl-C"; exit 1; }
keys main ':whatifs' Enter
wait_for main "no what-ifs" || { echo "the interrupted sweep left a what-if"; exit 1; }
keys main ':diff' Enter
wait_for main "^0 accounts changed" 300 || { echo ":diff after the interrupted sweep finds changes"; exit 1; }
keys main ':set key_threshold = 50' Enter
keys main ':diff' Enter
wait_for main "^$want" 300 || { echo "after the sweep, :set and :diff do not say: $want"; exit 1; }
keys main C-d
wait_for main "REPL-EXITED-0" || exit 1
screen main | grep -q -e Sanitizer -e 'runtime error' && { echo "sanitizer report"; screen main; exit 1; }
exit 0
