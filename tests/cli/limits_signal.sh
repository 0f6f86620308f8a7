#!/bin/sh
# kam-test: serial (timing or a terminal: run alone, not beside other tests)
# limits_signal.sh — SIGTERM and SIGINT while `kam run --out FILE` is
# writing: kam says it was interrupted and exits 128+signal; FILE is not
# there (or, if it was, still holds its old contents) and no temporary
# .FILE.kam-tmp-PID-XXXXXX is left: a run that did not finish leaves
# nothing. (tests/cli/out_safety.sh tries the other signals.) The
# data comes through a FIFO that is kept open, so the signal always lands
# mid-run, with no timing race. See docs/limits.md.
set -u
command -v mkfifo >/dev/null 2>&1 || { echo "skipped: no mkfifo"; exit 77; }
tmp=$(mktemp -d) || exit 1
writer=
trap '[ -n "$writer" ] && kill "$writer" 2>/dev/null; rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1

cat >p.kam <<'KAM'
record account {
  id: string key
  revenue: money
}
select big when revenue > 1M
KAM

# SIGINT is ignored in a background job of a non-interactive shell; env
# --default-signal (coreutils 8.31+) gives kam the default back.
if env --default-signal=INT true 2>/dev/null; then
    sigs="TERM INT" dflt="env --default-signal=INT"
else
    sigs="TERM" dflt=""
fi

# run SIGNAL OLD: kam run --out out/res.csv (res.csv holding OLD first, if
# OLD is not empty), the signal once kam has started writing.
run() {
    sig=$1 old=$2
    rm -rf out data
    mkdir out
    [ -n "$old" ] && printf '%s\n' "$old" >out/res.csv
    mkfifo data
    # 20000 records, then the FIFO stays open: kam waits for more
    ( awk 'BEGIN { print "id,revenue"; for (i = 0; i < 20000; i++) printf "A%d,%d\n", i, i * 100 }'
      exec sleep 60 ) >data &
    writer=$!
    $dflt "$KAM" run p.kam data --input csv --format csv --out out/res.csv \
        >/dev/null 2>err </dev/null &
    pid=$!
    # wait (at most 10 s) for kam's temporary file, named or (O_TMPFILE)
    # not: it is running then
    n=0
    while [ "$n" -lt 200 ] && ! ls -a out | grep -q 'kam-tmp' &&
        ! ls -l "/proc/$pid/fd" 2>/dev/null | grep -q '/out/'; do
        sleep 0.05
        n=$((n + 1))
    done
    sleep 0.2
    kill -"$sig" "$pid"
    { wait "$pid"; } 2>/dev/null
    rc=$?
    kill "$writer" 2>/dev/null
    { wait "$writer"; } 2>/dev/null
    writer=
    case $sig in TERM) want=143 ;; INT) want=130 ;; esac
    if [ "$rc" -ne "$want" ]; then
        echo "limits_signal: SIG$sig during --out: exit $rc, want $want" >&2
        failed=1
    fi
    grep -q "^kam: interrupted by SIG$sig; out/res.csv was not written\$" err ||
        { echo "limits_signal: SIG$sig during --out: no message:" >&2; cat err >&2; failed=1; }
    if [ -n "$old" ]; then
        [ "$(cat out/res.csv 2>/dev/null)" = "$old" ] ||
            { echo "limits_signal: SIG$sig during --out: FILE's old contents changed" >&2; failed=1; }
    elif [ -e out/res.csv ]; then
        echo "limits_signal: SIG$sig during --out: a partial FILE was left ($(wc -c <out/res.csv) bytes)" >&2
        failed=1
    fi
    if ls -a out | grep -q 'tmp'; then
        echo "limits_signal: SIG$sig during --out: a temporary file was left: $(ls out)" >&2
        failed=1
    fi
    grep -q -e Sanitizer -e 'runtime error' err && { echo "limits_signal: sanitizer report" >&2; cat err >&2; failed=1; }
}

for sig in $sigs; do
    run "$sig" ""
    run "$sig" "old contents"
done
exit $failed
