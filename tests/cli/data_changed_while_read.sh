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

# kam diff: its sessions read the file, then it is read again record by
# record. Changed in between (kam diff stops itself there:
# KAM_TEST_STOP_BEFORE_STREAM), the records read again are not the version
# the sessions' portfolio pass averaged: kam diff must refuse (exit 3), or
# give the answer of the file as it now is (its first, careful attempt
# starts over). The change keeps every key and the size: one revenue a
# thousand times larger, which moves the average and so which accounts
# the what-if changes; a mix of the two versions shows.
cat > "$t/avg.kam" <<'KAM'
record account {
  id: string key
  annual_revenue: money
}
param floor = 1
select big when annual_revenue > avg(annual_revenue) * floor
KAM
big=$(awk -F, 'NR > 1 && length($4) == 12 && $4 ~ /^[0-9]+\.[0-9][0-9]$/ { print NR; exit }' "$t/full.csv")
[ -n "$big" ] || { echo "no revenue of 12 characters to change in place"; exit 1; }
edit() {    # that revenue, its point dropped: 1000 times larger, the same length
    sed "${big}s/^\([^,]*,[^,]*,[^,]*,[0-9]*\)\.\([0-9][0-9]\),/\1\20,/" "$t/data.csv" > "$t/edited.csv"
    cat "$t/edited.csv" > "$t/data.csv"     # in place: the same file
}
diff_stopped() {    # CHANGE...: runs kam diff, doing CHANGE while it is stopped; sets rc
    cp "$t/full.csv" "$t/data.csv"
    KAM_TEST_STOP_BEFORE_STREAM=1 "$KAM" diff --set floor=2 --format csv "$t/avg.kam" "$t/data.csv" \
        --as-of 2026-06-30 >"$t/diff.csv" 2>"$t/err" &
    pid=$!
    i=0
    until [ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" = T ]; do
        kill -0 $pid 2>/dev/null || break
        i=$((i + 1)); [ $i -lt 20000 ] || break
    done
    "$@"
    kill -CONT $pid
    wait $pid
    rc=$?
}
cp "$t/full.csv" "$t/data.csv"
edit
[ "$(wc -c < "$t/data.csv")" = "$(wc -c < "$t/full.csv")" ] && ! cmp -s "$t/data.csv" "$t/full.csv" ||
    { echo "the edit did not keep the size or changed nothing"; exit 1; }
"$KAM" diff --set floor=2 --format csv "$t/avg.kam" "$t/full.csv" --as-of 2026-06-30 >"$t/before.csv" 2>/dev/null
"$KAM" diff --set floor=2 --format csv "$t/avg.kam" "$t/data.csv" --as-of 2026-06-30 >"$t/after.csv" 2>/dev/null
cmp -s "$t/before.csv" "$t/after.csv" && { echo "the edit does not change kam diff's answer: the test would prove nothing"; exit 1; }
for change in edit "touch -d 2001-01-01 $t/data.csv" true; do
    diff_stopped $change
    "$KAM" diff --set floor=2 --format csv "$t/avg.kam" "$t/data.csv" --as-of 2026-06-30 >"$t/fresh.csv" 2>"$t/fresh.err"
    frc=$?
    if [ $rc -eq 3 ] && grep -q "data.csv: the file changed after kam began reading it" "$t/err"; then
        :   # refused
    elif [ $rc -ne $frc ] || ! cmp -s "$t/diff.csv" "$t/fresh.csv"; then
        echo "kam diff, the file changed ($change) before the records are read again: exit $rc, not the answer for the file as it is (exit $frc)"
        diff "$t/diff.csv" "$t/fresh.csv" | head -4 | sed 's/^/  /'; fail=1
    fi
done

# and left alone, the same file gives its answer
cp "$t/full.csv" "$t/data.csv"
"$KAM" run "$ROOT/bench/bench.kam" "$t/data.csv" --as-of 2026-06-30 -j 1 --out "$t/out.csv" 2>"$t/err"
rc=$?
[ $rc -eq 0 ] && [ -s "$t/out.csv" ] || { echo "unchanged: exit $rc"; cat "$t/err"; fail=1; }
exit $fail
