# Ctrl-C in the REPL stops the running command within a second (a :sweep
# kam-test: serial (timing or a terminal: run alone, not beside other tests)
# over 300,000 generated accounts that would take many seconds), prints
# "interrupted" and prints no late table; the session is as it was before
# (no what-if left over, the same counts) and keeps taking input.
set -u
. "$ROOT/tests/cli/lib/tmux.sh"
CC=${CC:-cc}
command -v "$CC" >/dev/null || { echo "no C compiler to build bench/gen.c"; exit 77; }
"$CC" -std=c11 -O2 "$ROOT/bench/gen.c" -o "$t/gen" || exit 1
"$t/gen" 300000 >"$t/accounts.csv" || exit 1
repl_start main "$ROOT/bench/bench.kam" "$t/accounts.csv" --as-of 2026-06-30
wait_for main "kam>" 600 || exit 1
keys main 'key_account' Enter
wait_for main "^false " 300 || exit 1
before=$(screen main | grep -E '^(true|false) ')
keys main ':sweep growth_floor 0%..20% step 0.1%' Enter
sleep 1
screen main | grep -q "stage moves" && { echo "the sweep ended within a second: too fast to test"; exit 1; }
start=$(date +%s%N)
keys main C-c
wait_for main "^interrupted" 20 || { echo "no 'interrupted' within 2 s of Ctrl-C"; exit 1; }
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -le 1000 ] || { echo "Ctrl-C took $ms ms to stop the sweep"; exit 1; }
sleep 1.5
screen main | grep -q "stage moves" && { echo "the sweep's table came after the interrupt"; screen main; exit 1; }
keys main ':whatifs' Enter
wait_for main "no what-ifs" || { echo "the interrupted sweep left a what-if"; exit 1; }
keys main 'key_account' Enter
wait_for main "no what-ifs" || exit 1
i=0
while [ "$(screen main | grep -cE '^false ')" -lt 2 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
after=$(screen main | grep -E '^(true|false) ' | tail -2)
[ "$before" = "$after" ] || { echo "counts changed: before"; echo "$before"; echo "after"; echo "$after"; exit 1; }
# the session still works: a short sweep runs to its end
keys main ':sweep key_threshold 50..60 step 10' Enter
wait_for main "stage moves" 300 || exit 1
keys main C-d
wait_for main "REPL-EXITED-0" || exit 1
screen main | grep -q -e Sanitizer -e 'runtime error' && { echo "sanitizer report"; screen main; exit 1; }
exit 0
