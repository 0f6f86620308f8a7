# Two REPLs open at once both keep their lines in the history: each
# kam-test: serial (timing or a terminal: run alone, not beside other tests)
# appends only its own new lines when it ends (the file stays mode 0600),
# and a later session recalls them.
set -u
. "$ROOT/tests/cli/lib/tmux.sh"
hist="$t/home/.local/share/kam/history"
P="$ROOT/examples/key_accounts.kam"; D="$ROOT/examples/accounts.csv"
repl_start one "$P" "$D" --as-of 2026-06-30
repl_start two "$P" "$D" --as-of 2026-06-30
wait_for one "kam>" || exit 1
wait_for two "kam>" || exit 1
keys one 'fit >= 11' Enter; wait_for one "^false" || exit 1
keys two 'fit >= 22' Enter; wait_for two "^false" || exit 1
keys one 'fit >= 33' Enter
keys two 'fit >= 44' Enter
sleep 0.5
keys one C-d; wait_for one "REPL-EXITED-0" || exit 1
keys two C-d; wait_for two "REPL-EXITED-0" || exit 1
[ -f "$hist" ] || { echo "no history file at $hist"; exit 1; }
for line in 'fit >= 11' 'fit >= 22' 'fit >= 33' 'fit >= 44'; do
    [ "$(grep -cxF "$line" "$hist")" = 1 ] || { echo "history has '$line' not exactly once:"; cat "$hist"; exit 1; }
done
mode=$(stat -c %a "$hist")
[ "$mode" = 600 ] || { echo "history file mode is $mode, not 600"; exit 1; }
# a third session sees the lines of both
repl_start three "$P" "$D" --as-of 2026-06-30
wait_for three "kam>" || exit 1
keys three Up Up Up Up
sleep 0.3
screen three | grep -q "kam> fit >= 11" || { echo "four Ups did not recall the first session's first line"; screen three; exit 1; }
keys three C-u C-d; wait_for three "REPL-EXITED-0" || exit 1
exit 0
