#!/bin/sh
# data_changed_while_read.sh — a data file that another program changes
# while kam reads it gives no answer: cut short under kam's mapping of it,
# the SIGBUS is turned into a message naming the file and exit 3; grown,
# the reader's check at the end of the file says it changed (exit 3). In
# both, an --out file is not written. kam is stopped (SIGSTOP) once the
# file is mapped, the file changed, kam let go on (SIGCONT): nothing is
# left to timing but kam finishing before it is stopped, which is retried.
# See docs/limits.md and docs/design.md ("A regular CSV file is mapped").
set -u
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
cc=${CC:-cc}
command -v "$cc" >/dev/null || { echo "no C compiler to build bench/gen.c"; exit 77; }
$cc -O2 -o "$t/gen" "$ROOT/bench/gen.c" || exit 1
"$t/gen" 300000 5 > "$t/full.csv" || exit 1
[ -r /proc/self/maps ] || { echo "no /proc/PID/maps to see when kam has mapped its file"; exit 77; }
fail=0

# a policy without portfolio passes: the file is read once
cat > "$t/once.kam" <<'KAM'
record account {
  id: string key
  annual_revenue: money
}
select big when annual_revenue > 1M
KAM

# attempt POLICY CHANGE: runs kam on a fresh copy, changes it as CHANGE
# says once kam has mapped it; sets rc, and stopped=1 if kam was stopped
# in time
attempt() {
    cp "$t/full.csv" "$t/data.csv"
    rm -f "$t/out.csv"
    "$KAM" run "$1" "$t/data.csv" --as-of 2026-06-30 -j 1 \
        --out "$t/out.csv" 2>"$t/err" &
    pid=$!
    until grep -q "$t/data.csv" /proc/$pid/maps 2>/dev/null; do
        kill -0 $pid 2>/dev/null || break
    done
    stopped=0
    if kill -STOP $pid 2>/dev/null; then
        # stopped in time unless it had already exited (a zombie)
        grep -q "$t/data.csv" /proc/$pid/maps 2>/dev/null && stopped=1
        case $2 in
        cut) truncate -s 100 "$t/data.csv" ;;
        grow) echo "A9999999,Late Ltd,smb,1,0.1,0.1,0.1,1,false,false,1,false,early_kam,2025-01-01,1,1,1,0.1," >> "$t/data.csv" ;;
        esac
        kill -CONT $pid
    fi
    wait $pid
    rc=$?
}

# check POLICY CHANGE MESSAGE: exit 3, MESSAGE on stderr, no --out file
check() {
    tries=0
    while :; do
        attempt "$1" "$2"
        [ $stopped = 1 ] && break
        tries=$((tries + 1))
        [ $tries -lt 5 ] || { echo "$2: kam finished before it could be stopped, 5 times"; exit 77; }
    done
    what="$(basename "$1") $2"
    if [ $rc -ne 3 ]; then
        echo "$what: exit $rc, want 3"; sed 's/^/  /' "$t/err" | head -5; fail=1
    elif ! grep -q "$3" "$t/err"; then
        echo "$what: stderr lacks \"$3\":"; sed 's/^/  /' "$t/err" | head -5; fail=1
    elif [ -e "$t/out.csv" ]; then
        echo "$what: the --out file was written"; fail=1
    fi
}

B=$ROOT/bench/bench.kam
# cut short: the SIGBUS, whichever pass is reading
check "$t/once.kam" cut "^kam: $t/data.csv: the file shrank while it was being read (another program truncated or rewrote it); kam stopped"
check "$B" cut "^kam: $t/out.csv was not written"
# grown: read once, the reader's check at the end of the file; read by
# passes, the next pass's open finds another version
check "$t/once.kam" grow "data.csv:[0-9]*: the file changed while it was being read (from [0-9]* to [0-9]* bytes): the records read may mix two versions of it"
check "$B" grow "data.csv: the file changed after kam began reading it (what was read before is another version); no result was given"

# and left alone, the same file gives its answer
cp "$t/full.csv" "$t/data.csv"
"$KAM" run "$ROOT/bench/bench.kam" "$t/data.csv" --as-of 2026-06-30 -j 1 --out "$t/out.csv" 2>"$t/err"
rc=$?
[ $rc -eq 0 ] && [ -s "$t/out.csv" ] || { echo "unchanged: exit $rc"; cat "$t/err"; fail=1; }
exit $fail
