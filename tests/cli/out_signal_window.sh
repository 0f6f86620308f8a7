#!/bin/sh
# kam-test: serial (timing or a terminal: run alone, not beside other tests)
# out_signal_window.sh — SIGTERM at 24 moments spread over a whole `kam
# run --out FILE` (from start-up to past the rename): FILE always holds
# either its old contents or the complete new output, never part of it, and
# what kam says matches: with the old contents it exits 143 ("was not
# written", or nothing if the signal came before it installed its
# handlers); with the new output it exits 0 and never says "was not
# written" (a signal after the rename is noted as such). The moments are
# spread, not aimed, so each run does not hit every window; the unit test
# tests/unit/test_outfile.c hits the rename window deterministically.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1

cat >p.kam <<'KAM'
record account {
  id: string key
  revenue: money
}
select big when revenue > 1M
KAM
awk 'BEGIN { print "id,revenue"; for (i = 0; i < 50000; i++) printf "A%d,%d\n", i, i * 100 }' >d.csv
"$KAM" run p.kam d.csv --format csv >full.csv || { echo "a plain run failed"; exit 1; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(now_ms)
"$KAM" run p.kam d.csv --out res.csv || { echo "a plain --out run failed"; exit 1; }
span=$(($(now_ms) - t0 + 5))
seen_old=0 seen_new=0
i=0
while [ "$i" -lt 24 ]; do
    # moments from 0 to 1.15 times a run's length
    delay=$((span * i * 115 / 2400))
    echo old >res.csv
    "$KAM" run p.kam d.csv --out res.csv 2>err &
    pid=$!
    sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
    kill -TERM "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    rc=$?
    if [ "$(cat res.csv)" = old ]; then
        seen_old=$((seen_old + 1))
        if [ "$rc" -ne 143 ]; then
            echo "out_signal_window: old contents kept, but exit $rc (delay ${delay} ms)" >&2
            failed=1
        elif [ -s err ] && ! grep -q '^kam: interrupted by SIGTERM; res.csv was not written$' err; then
            echo "out_signal_window: old contents kept, message:" >&2; cat err >&2; failed=1
        fi
    elif cmp -s res.csv full.csv; then
        seen_new=$((seen_new + 1))
        if [ "$rc" -ne 0 ] || grep -q 'not written' err; then
            echo "out_signal_window: the new output is in place, but exit $rc and:" >&2
            cat err >&2
            failed=1
        fi
    else
        echo "out_signal_window: res.csv is neither old nor complete ($(wc -c <res.csv) bytes, delay ${delay} ms)" >&2
        failed=1
    fi
    if ls -a | grep -q tmp; then
        echo "out_signal_window: a temporary file is left: $(ls -a | grep tmp)" >&2
        failed=1
        rm -f ./.*tmp* ./*tmp*
    fi
    i=$((i + 1))
done
[ "$failed" -eq 0 ] && echo "out_signal_window: $seen_old interrupted, $seen_new complete (a run takes ${span} ms)"
exit $failed
