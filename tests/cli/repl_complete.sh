# Tab completion in the REPL offers what fits the place: the members of
# kam-test: serial (timing or a terminal: run alone, not beside other tests)
# the enum or stage compared with `==`, `!=` or `in [...]`, only params after
# :set and :sweep, file names for a path; commands and names elsewhere.
set -u
. "$ROOT/tests/cli/lib/tmux.sh"
repl_start main "$ROOT/examples/key_accounts.kam" "$ROOT/examples/accounts.csv" --as-of 2026-06-30
wait_for main "kam>" || exit 1
failed=0
# try TYPED WANT: typing TYPED then Tab shows the line WANT (then it is
# cleared). tmux drops the space readline adds after a whole word.
try() {
    keys main "$1" Tab
    i=0
    while ! screen main | grep -qxF -- "kam> $2" && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
    if ! screen main | grep -qxF -- "kam> $2"; then
        echo "'$1' + Tab: want 'kam> $2', got:"
        screen main | grep -v '^$' | tail -3
        failed=1
    fi
    keys main C-u
    sleep 0.1
}
try 'segment == m' 'segment == mid_market'          # not market_share, missing
try 'segment != sm' 'segment != smb'
try 'stage in [pre_kam, ea' 'stage in [pre_kam, early_kam'     # not early_adopter
try 'kam_stage not in [mid_kam,par' 'kam_stage not in [mid_kam,partnership'
try 'kam_stage >= syn' 'kam_stage >= synergistic'
try 'service_tier == pl' 'service_tier == platinum'
try ':where segment == en' ':where segment == enterprise'
try ':set k' ':set key_threshold'                  # not key_account
try ':sweep gr' ':sweep growth_floor'              # not gross_margin
try 'key_acc' 'key_account'                        # names elsewhere
try ':hel' ':help'
try ":data $ROOT/examples/accounts.c" ":data $ROOT/examples/accounts.csv"
try "x $ROOT/examples/key_accounts.k" "x $ROOT/examples/key_accounts.kam"
try 'annual_revenue/total(annual_rev' 'annual_revenue/total(annual_revenue'
# a completed member is a working expression
keys main 'segment == m' Tab Enter
wait_for main "^true  " || failed=1
keys main C-d
wait_for main "REPL-EXITED-0" || exit 1
exit $failed
