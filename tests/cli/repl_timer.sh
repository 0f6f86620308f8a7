# The REPL's :timer: alone it says whether it is on; `:timer on` makes
# every later input say, on standard error and after its own output, how
# long it took ("time: W s wall, C s cpu", C every thread's CPU), but not
# the :timer input itself; `:timer off` stops it; anything else is a usage
# error that changes nothing. The CPU figure must count: a sweep over
# 20,000 accounts does not take under half a millisecond.
set -u
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
name=repl_timer
failed=0
no() { echo "$name: $*" >&2; failed=1; }
CC=${CC:-cc}
command -v "$CC" >/dev/null || { echo "no C compiler to build bench/gen.c"; exit 77; }
"$CC" -std=c11 -O2 "$ROOT/bench/gen.c" -o "$t/gen" || exit 1
"$t/gen" 20000 > "$t/a.csv" || exit 1
printf '%s\n' ':timer' ':timer on' ':timer' ':set growth_floor = 8%' ':diff' \
    ':sweep growth_floor 5%..9% step 1%' ':timer sometimes' ':timer off' ':diff' ':timer' > "$t/in"
"$KAM" repl "$ROOT/bench/bench.kam" "$t/a.csv" --as-of 2026-06-30 < "$t/in" > "$t/out" 2> "$t/err"
rc=$?
[ $rc = 0 ] || no "exit $rc: $(cat "$t/err")"
times=$(grep -c '^time: [0-9][0-9]*\.[0-9][0-9][0-9] s wall, [0-9][0-9]*\.[0-9][0-9][0-9] s cpu$' "$t/err")
# timed: the second :timer, :set, :diff, :sweep and the bad :timer (5);
# not the first :timer, `:timer on`, `:timer off` nor what follows it
[ "$times" = 5 ] || no "$times time lines, not 5:
$(cat "$t/err")"
[ "$(grep -c '^time:' "$t/err")" = "$times" ] || no "a time line of another form: $(cat "$t/err")"
[ "$(sed -n 1p "$t/out")" = "timer off" ] || no ":timer alone before it was turned on: $(sed -n 1p "$t/out")"
[ "$(sed -n 2p "$t/out")" = "timer on" ] || no ":timer alone after :timer on: $(sed -n 2p "$t/out")"
[ "$(tail -n 1 "$t/out")" = "timer off" ] || no ":timer alone after :timer off: $(tail -n 1 "$t/out")"
grep -q "^kam: usage: :timer \[on|off\] (not 'sometimes')$" "$t/err" || no "no usage error for ':timer sometimes': $(cat "$t/err")"
# the sweep's line: after its table, and with CPU counted
sweep_cpu=$(awk '/^time:/ { n++ } n == 4 && /^time:/ { print $6; exit }' "$t/err")
awk -v c="$sweep_cpu" 'BEGIN { exit !(c > 0) }' || no "the sweep took $sweep_cpu s of CPU: not counted"
# each line comes after its input's output: the same output without :timer
sed '/^:timer/d' "$t/in" > "$t/in2"
"$KAM" repl "$ROOT/bench/bench.kam" "$t/a.csv" --as-of 2026-06-30 < "$t/in2" > "$t/out2" 2> /dev/null
grep -v '^timer o' "$t/out" | cmp -s - "$t/out2" || no "the output differs with :timer on"
exit $failed
