#!/bin/sh
# kam-test: serial (timing or a terminal: run alone, not beside other tests)
# out_safety.sh — `kam run --out FILE` never destroys data: FILE naming the
# data, the policy or an import (by name, hard link or symlink, or as
# standard input) is refused with exit 2 and the file is untouched; a read
# that stops early (an unclosed quote at the end of a large CSV) leaves an
# existing report as it was (exit 3, the line named); stale temporaries of a
# killed run are removed (a live run's are kept); a dangling symlink is
# written through; a setuid bit is not copied; SIGKILL, SIGQUIT, SIGUSR1,
# SIGALRM mid-run leave nothing behind (after the next run); a FIFO is
# written directly. See docs/cli.md (--out) and docs/limits.md.
set -u
command -v mkfifo >/dev/null 2>&1 || { echo "skipped: no mkfifo"; exit 77; }
tmp=$(mktemp -d) || exit 1
writer=
trap '[ -n "$writer" ] && kill "$writer" 2>/dev/null; rm -rf "$tmp"' EXIT
name=out_safety
failed=0
cd "$tmp" || exit 1
. "$ROOT/tests/cli/lib/expect.sh"

cat >p.kam <<'KAM'
import "lib/common.kam"
record account {
  id: string key
  revenue: money
}
select big when revenue > floor
KAM
mkdir lib
printf 'const floor = 1000000\n' >lib/common.kam
printf 'id,revenue\nA,2000000\nB,5\n' >d.csv
cp d.csv d.orig; cp p.kam p.orig; cp lib/common.kam common.orig

same() {    # same FILE ORIG WHAT: FILE still holds ORIG's bytes (put back if not)
    cmp -s "$1" "$2" || { echo "$name: $3: $1 changed" >&2; failed=1; cp "$2" "$1"; }
}

# 1. the target is an input
expect 2 '^kam: --out d.csv is the data file: ' "--out = data" run p.kam d.csv --out d.csv
same d.csv d.orig "--out = data"
expect 2 '^kam: --out p.kam is the policy: ' "--out = policy" run p.kam d.csv --out p.kam
same p.kam p.orig "--out = policy"
expect 2 'is a file the policy imports' "--out = import" run p.kam d.csv --out lib/common.kam
same lib/common.kam common.orig "--out = import"
ln d.csv hard.csv
expect 2 '^kam: --out hard.csv is the same file as the data file d.csv \(a link to it\)' \
    "--out = a hard link to the data" run p.kam d.csv --out hard.csv
same d.csv d.orig "--out = hard link"
ln -s lib/common.kam soft.kam
expect 2 'same file as a file the policy imports lib/common.kam' \
    "--out = a symlink to the import" run p.kam d.csv --out soft.kam
same lib/common.kam common.orig "--out = symlink"
"$KAM" run p.kam - --out d.csv <d.csv >out 2>err
rc=$?
[ "$rc" -eq 2 ] && grep -q 'is the file standard input reads' err ||
    { echo "$name: --out = the file on stdin: exit $rc" >&2; cat err >&2; failed=1; }
same d.csv d.orig "--out = stdin's file"
ls -a | grep -q kam-tmp && { echo "$name: a refused run left a temporary file" >&2; failed=1; }

# 2. reading that stops early: an unclosed quote near the end of 60,000
# records leaves the existing report untouched
awk 'BEGIN { print "id,revenue"; for (i = 0; i < 60000; i++) printf "A%d,%d\n", i, i * 100
             print "\"Z,5"; for (i = 0; i < 10; i++) printf "B%d,%d\n", i, i }' >big.csv
"$KAM" run p.kam d.csv --out report.csv || { echo "$name: a good run failed" >&2; failed=1; }
cp report.csv report.orig
expect 3 '^kam: big.csv:60002: field 1: unterminated quoted field: .*runs to the end of the input' \
    "unclosed quote at the end" run p.kam big.csv --out report.csv
grep -q '^kam: reading stopped there, before the end of the data; report.csv was not written$' err ||
    { echo "$name: unclosed quote: no 'was not written'" >&2; cat err >&2; failed=1; }
same report.csv report.orig "unclosed quote"
# the same with --on-error skip: still a failure, not a quiet 0
expect 3 'reading stopped there' "unclosed quote, --on-error skip" \
    run p.kam big.csv --on-error skip --out report.csv
same report.csv report.orig "unclosed quote, skip"
# to stdout: the rows already went out, the status says they are not all
expect 3 'the output stops after 60000 records' "unclosed quote to stdout" run p.kam big.csv
# one bad value is that record's problem: the rest is written, exit 3
printf 'id,revenue\nA,2000000\nB,x\nC,7\n' >onebad.csv
expect 3 '1 of 3 records had errors' "one bad value" run p.kam onebad.csv --out report.csv
[ "$(wc -l <report.csv)" -eq 3 ] || { echo "$name: one bad value: the good records were not written" >&2; failed=1; }
cp report.orig report.csv

# 3. stale temporaries: a dead run's goes, a live one's stays, other
# files' stay
sh -c 'exit 0' &
dead=$!
wait "$dead"
touch ".report.csv.kam-tmp-$dead-aB3dE9" ".report.csv.kam-tmp-$$-aB3dE9" ".other.csv.kam-tmp-$dead-aB3dE9"
expect 0 "removed .report.csv.kam-tmp-$dead-aB3dE9, left by an earlier run" "stale temporary" \
    run p.kam d.csv --out report.csv
[ -e ".report.csv.kam-tmp-$dead-aB3dE9" ] && { echo "$name: a stale temporary was not removed" >&2; failed=1; }
[ -e ".report.csv.kam-tmp-$$-aB3dE9" ] || { echo "$name: a live run's temporary was removed" >&2; failed=1; }
[ -e ".other.csv.kam-tmp-$dead-aB3dE9" ] || { echo "$name: another file's temporary was removed" >&2; failed=1; }
rm -f .*.kam-tmp-*

# 4. symlinks: a dangling one is written through (the link stays a link);
# an existing one has its file replaced
mkdir sub
ln -s sub/new.csv dangling.csv
expect 0 '' "dangling symlink" run p.kam d.csv --out dangling.csv
[ -L dangling.csv ] || { echo "$name: the dangling symlink was replaced by a file" >&2; failed=1; }
same sub/new.csv report.orig "dangling symlink (the file it names)"
ln -s report.csv link.csv
echo old >report.csv
expect 0 '' "symlink to a file" run p.kam d.csv --out link.csv
[ -L link.csv ] || { echo "$name: the symlink was replaced by a file" >&2; failed=1; }
same report.csv report.orig "symlink to a file"
ln -s loop1 loop2; ln -s loop2 loop1
expect 2 '^kam: cannot write loop1: Too many levels of symbolic links' "symlink loop" \
    run p.kam d.csv --out loop1

# 5. permission bits: kept, but never setuid, setgid or sticky
chmod 6755 report.csv
expect 0 '' "setuid target" run p.kam d.csv --out report.csv
mode=$(stat -c %a report.csv)
[ "$mode" = 755 ] || { echo "$name: a setuid target became mode $mode, want 755" >&2; failed=1; }
chmod 640 report.csv
"$KAM" run p.kam d.csv --out report.csv
mode=$(stat -c %a report.csv)
[ "$mode" = 640 ] || { echo "$name: a 640 target became mode $mode" >&2; failed=1; }

# 6. signals kam cannot catch (SIGKILL) or did not use to (SIGQUIT,
# SIGUSR1, SIGALRM) mid-run: the target keeps its contents and, once the
# next run is done, no temporary is left
# SIGQUIT is ignored in a background job of a non-interactive shell; env
# --default-signal (coreutils 8.31+) gives kam the default back.
if env --default-signal=QUIT true 2>/dev/null; then
    sigs="KILL QUIT USR1 ALRM" dflt="env --default-signal=QUIT"
else
    sigs="KILL USR1 ALRM" dflt=""
fi
for sig in $sigs; do
    rm -f data
    mkfifo data
    ( cat d.csv; exec sleep 60 ) >data &
    writer=$!
    echo old >report.csv
    $dflt "$KAM" run p.kam data --input csv --out report.csv >/dev/null 2>err </dev/null &
    pid=$!
    n=0
    while [ "$n" -lt 200 ] && ! ls -a | grep -q 'kam-tmp' &&
        ! ls -l "/proc/$pid/fd" 2>/dev/null | grep -q "kam-tmp\|/#[0-9]* (deleted)"; do
        sleep 0.05
        n=$((n + 1))
    done
    sleep 0.1
    kill -"$sig" "$pid"
    { wait "$pid"; } 2>/dev/null
    kill "$writer" 2>/dev/null
    { wait "$writer"; } 2>/dev/null
    writer=
    [ "$(cat report.csv)" = old ] || { echo "$name: SIG$sig changed the target" >&2; failed=1; }
    if [ "$sig" != KILL ]; then
        grep -q "^kam: interrupted by SIG$sig; report.csv was not written\$" err ||
            { echo "$name: SIG$sig: no message" >&2; cat err >&2; failed=1; }
    fi
    "$KAM" run p.kam d.csv --out report.csv 2>/dev/null
    if ls -a | grep -q tmp; then
        echo "$name: SIG$sig: a temporary file is left after the next run: $(ls -a | grep tmp)" >&2
        failed=1
    fi
done

# 7. a FIFO is written directly, not renamed over
rm -f fifo
mkfifo fifo
cat fifo >fromfifo &
reader=$!
expect 0 '' "--out a FIFO" run p.kam d.csv --out fifo
n=0
while [ "$n" -lt 100 ] && kill -0 "$reader" 2>/dev/null; do sleep 0.05; n=$((n + 1)); done
kill "$reader" 2>/dev/null
wait "$reader"
[ -p fifo ] || { echo "$name: the FIFO was replaced" >&2; failed=1; }
same fromfifo report.orig "--out a FIFO"

exit $failed
