# kam run's table in a real terminal (tmux, 80 columns): every line fits
# kam-test: serial (timing or a terminal: run alone, not beside other tests)
# the width, long cells end in '…', the key is never cut; --width 0 gives
# cells in full; --format xlsx to a terminal is refused (exit 2) with a hint.
set -u
. "$ROOT/tests/cli/lib/tmux.sh"
ex="$ROOT/examples"
run_in_tty() {     # NAME ARGS...: kam run ARGS in an 80-column terminal
    name=$1
    shift
    tty_start "$name" 80 "env LC_ALL=C.UTF-8 $KAM run $*; echo RUN-EXITED-\$?; sleep 60"
}
q="--where 'fit >= 70' --as-of 2026-06-30"
run_in_tty fit "$ex/key_accounts.kam" "$ex/accounts.csv" --columns name,segment,annual_revenue $q
wait_for fit "RUN-EXITED-0" || exit 1
screen_joined fit | grep -v RUN-EXITED | grep -v '^$' >"$t/table"
[ "$(wc -l <"$t/table")" -ge 3 ] || { echo "too few lines"; cat "$t/table"; exit 1; }
chars() { LC_ALL=C sed 's/[\xc0-\xff][\x80-\xbf]*/./g'; }   # a character each
over=$(chars <"$t/table" | awk 'length($0) > 80')
[ -z "$over" ] || { echo "lines over 80 columns:"; echo "$over"; exit 1; }
grep -q '…' "$t/table" || { echo "no cell was elided"; cat "$t/table"; exit 1; }
# the key column in full: every key of the CSV output is at a line start
"$KAM" run "$ex/key_accounts.kam" "$ex/accounts.csv" --where 'fit >= 70' --as-of 2026-06-30 \
    --format csv | tail -n +2 | cut -d, -f1 >"$t/keys"
while read -r k; do
    grep -q "^$k " "$t/table" || { echo "key $k is not shown whole"; cat "$t/table"; exit 1; }
done <"$t/keys"
# --width 0: in full, wider than the terminal
run_in_tty full "$ex/key_accounts.kam" "$ex/accounts.csv" --width 0 --columns name $q
wait_for full "RUN-EXITED-0" || exit 1
screen_joined full | grep -q '…' && { echo "--width 0 elided a cell"; screen_joined full; exit 1; }
[ -n "$(screen_joined full | chars | awk 'length($0) > 80')" ] || { echo "--width 0 was fitted"; exit 1; }
# a workbook is not for a terminal
run_in_tty xl "$ex/key_accounts.kam" "$ex/accounts.csv" --format xlsx
wait_for xl "RUN-EXITED-2" || exit 1
screen xl | grep -q -- "--out FILE" || { echo "no hint for xlsx to a terminal"; screen xl; exit 1; }
exit 0
