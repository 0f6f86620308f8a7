# tmux.sh — drives `kam repl` in a real terminal for the tests/cli/repl_*.sh
# scripts (sourced, not run: tests/run.sh only runs tests/cli/*.sh). Needs
# $KAM and $ROOT; makes $t (a scratch folder, removed at exit) with a HOME
# of its own, so the history file is $t/home/.local/share/kam/history.
#   tty_start NAME COLS CMD  a tmux window NAME, COLS wide, running CMD
#   repl_start NAME ARGS...  a tmux window NAME running `kam repl ARGS`
#   screen NAME              the window's text (200 lines of scroll-back)
#   screen_joined NAME       the same, a line the terminal wrapped joined
#   wait_for NAME PATTERN [TENTHS]  until a line matches (default 10 s)
#   keys NAME KEYS...        tmux send-keys
export TERM=xterm   # tmux needs a terminal type, CI may have none
command -v tmux >/dev/null || { echo "tmux not installed"; exit 77; }
t=$(mktemp -d)
sock="$t/tmux.sock"
trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$t"' EXIT
mkdir -p "$t/home"
tty_start() {   # NAME COLUMNS COMMAND: a tmux window NAME running COMMAND
    name=$1 cols=$2 cmd=$3
    # tmux's server start is occasionally refused on a busy machine: retry
    for attempt in 1 2 3 4 5; do
        if tmux -S "$sock" has-session 2>/dev/null; then
            tmux -S "$sock" new-window -d -n "$name" "$cmd" && return 0
        elif tmux -S "$sock" -f /dev/null new-session -d -x "$cols" -y 50 -n "$name" "$cmd" \
            </dev/null >"$t/tmux.log" 2>&1; then
            sleep 0.3
            return 0
        fi
        sleep 0.5
    done
    echo "tmux could not start"; cat "$t/tmux.log"; exit 1
}
repl_start() {
    name=$1
    shift
    tty_start "$name" 160 "env HOME=$t/home XDG_DATA_HOME= TERM=xterm $KAM repl $*; echo REPL-EXITED-\$?; sleep 60"
}
screen() { tmux -S "$sock" capture-pane -p -S -200 -t "$1"; }
screen_joined() { tmux -S "$sock" capture-pane -J -p -S -200 -t "$1"; }   # wrapped lines joined
wait_for() {
    i=0
    while [ $i -lt "${3:-100}" ]; do
        screen "$1" | grep -q -- "$2" && return 0
        sleep 0.1; i=$((i + 1))
    done
    echo "timed out waiting for: $2"; screen "$1"; return 1
}
keys() { w=$1; shift; tmux -S "$sock" send-keys -t "$w" "$@"; }
