# Input continued over lines in a terminal: a line ending in an operator
# kam-test: serial (timing or a terminal: run alone, not beside other tests)
# gets the `...>` prompt; a definition followed by a line starting with
# `with` (typed) or `when` (pasted, with and without bracketed paste) is one
# definition; an empty line runs a held definition; Ctrl-C abandons an
# incomplete input.
set -u
. "$ROOT/tests/cli/lib/tmux.sh"
repl_start main "$ROOT/examples/key_accounts.kam" "$ROOT/examples/accounts.csv" --as-of 2026-06-30
wait_for main "kam>" || exit 1
keys main 'key_account and' Enter
sleep 0.3
last_line() { screen main | grep -v '^$' | tail -1; }
[ "$(last_line)" = "...>" ] || { echo "no continuation prompt after 'key_account and'"; screen main; exit 1; }
keys main 'fit >= 80' Enter
wait_for main '^true          1 ' || exit 1
keys main 'entitle perk when key_account' Enter
keys main '       with { sla_hours: 4 }' Enter
keys main 'perk' Enter
wait_for main '^true         19 ' || exit 1
[ "$(screen main | grep -c '^defined perk')" = 1 ] || { echo "the entitlement was not defined once"; screen main; exit 1; }
screen main | grep -q error && { echo "an error"; screen main; exit 1; }
printf 'flag big_one "a big account"\n     when annual_revenue >= 2M\n' >"$t/paste"
tmux -S "$sock" load-buffer "$t/paste"
tmux -S "$sock" paste-buffer -p -t main     # bracketed, as terminals paste
keys main Enter
wait_for main '^defined big_one' || exit 1
keys main 'big_one' Enter
wait_for main '^true         53 ' || exit 1
printf 'flag big_two "a big account"\n     when annual_revenue >= 2M\n\n' >"$t/paste"
tmux -S "$sock" load-buffer "$t/paste"
tmux -S "$sock" paste-buffer -t main        # line by line, as typed
wait_for main '^defined big_two' || exit 1
keys main 'fit +' Enter
sleep 0.3
[ "$(last_line)" = "...>" ] || { echo "no continuation prompt after 'fit +'"; screen main; exit 1; }
keys main C-c
sleep 0.3
keys main 'fit >= 80' Enter
i=0
while [ "$(screen main | grep -c '^true          1 ')" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(screen main | grep -c '^true          1 ')" = 2 ] || { echo "'fit >= 80' after Ctrl-C gave no count"; screen main; exit 1; }
screen main | grep -q error && { echo "the abandoned 'fit +' ran"; screen main; exit 1; }
keys main C-d
wait_for main "REPL-EXITED-0" || exit 1
exit 0
