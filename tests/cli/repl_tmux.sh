# The REPL in a real terminal, driven with tmux: tab completion of
# kam-test: serial (timing or a terminal: run alone, not beside other tests)
# commands and names, history across sessions (file mode 0600), Ctrl-C
# abandoning a line, errors not ending the session, Ctrl-D leaving.
set -u
export TERM=xterm   # tmux needs a terminal type, CI may have none
command -v tmux >/dev/null || { echo "tmux not installed"; exit 1; }
t=$(mktemp -d)
sock="$t/tmux.sock"
trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$t"' EXIT
P="$ROOT/examples/key_accounts.kam"; D="$ROOT/examples/accounts.csv"
start() { # tmux's server start is occasionally refused ("server exited
          # unexpectedly") on a busy machine: try a few times
    for attempt in 1 2 3 4 5; do
        if tmux -S "$sock" -f /dev/null new-session -d -x 160 -y 50 \
            "env HOME=$t/home XDG_DATA_HOME= TERM=xterm $KAM repl $P $D --as-of 2026-06-30; echo REPL-EXITED-\$?; sleep 30" \
            </dev/null >"$t/tmux.log" 2>&1; then
            sleep 0.3
            return 0
        fi
        sleep 0.5
    done
    echo "tmux could not start"; cat "$t/tmux.log"; exit 1
}
screen() { tmux -S "$sock" capture-pane -p -S -200; }
wait_for() { # PATTERN: up to 10 s
    i=0
    while [ $i -lt 100 ]; do
        screen | grep -q -- "$1" && return 0
        sleep 0.1; i=$((i + 1))
    done
    echo "timed out waiting for: $1"; screen; return 1
}
keys() { tmux -S "$sock" send-keys "$@"; }
mkdir -p "$t/home"
start
wait_for "kam>" || exit 1
keys ':hel' Tab; sleep 0.3
screen | grep -q "kam> :help" || { echo "':hel' + Tab did not complete to :help"; screen; exit 1; }
keys Enter; wait_for ":quit" || exit 1
keys 'key_acc' Tab; sleep 0.3
screen | grep -q "kam> key_account" || { echo "'key_acc' + Tab did not complete"; screen; exit 1; }
keys Enter; wait_for "84.17%" || exit 1
keys 'this is not valid' Enter; wait_for "error" || exit 1
keys 'half a line' C-c; sleep 0.3
keys 'fit >= 80' Enter; wait_for "true          1" || exit 1
keys C-d; wait_for "REPL-EXITED-0" || exit 1
hist="$t/home/.local/share/kam/history"
[ -f "$hist" ] || { echo "no history file at $hist"; exit 1; }
mode=$(stat -c %a "$hist")
[ "$mode" = 600 ] || { echo "history file mode is $mode, not 600"; exit 1; }
grep -q "fit >= 80" "$hist" || { echo "history lacks the last line"; cat "$hist"; exit 1; }
grep -q "half a line" "$hist" && { echo "an abandoned line went into history"; exit 1; }
tmux -S "$sock" kill-server 2>/dev/null
# a new session recalls the previous one's lines with Up
start
wait_for "kam>" || exit 1
keys Up; sleep 0.3
screen | grep -q "kam> fit >= 80" || { echo "Up did not recall the last session's line"; screen; exit 1; }
keys C-u C-d; wait_for "REPL-EXITED-0" || exit 1
exit 0
