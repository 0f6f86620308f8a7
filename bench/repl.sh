#!/usr/bin/env bash
# bench/repl.sh CSV — issue 16's REPL and explain/diff rows for bench/run.sh's
# goals table ("| row | measured | goal |"), on the accounts in CSV:
#   REPL start: `kam repl bench/bench.kam CSV` with an empty script (CPU, peak memory)
#   :diff after :set, :sweep over 10 values: the script's CPU less the start's
#   kam explain --id, kam diff --set: CPU against kam run -j 1 (and peak memory)
# Each figure is the median of RUNS (default 3) runs. CPU is user + system
# from /usr/bin/time (GNU time), which also gives the peak resident size;
# without it the rows say so. KAM= the binary (default build/kam).
set -u
CSV=${1:?usage: bench/repl.sh CSV}
KAM=${KAM:-build/kam}
RUNS=${RUNS:-3}
P=bench/bench.kam
ASOF=(--as-of 2026-06-30)
row() { printf '| %-50s | %-32s | %-12s |\n' "$1" "$2" "$3"; }
if [[ ! -x /usr/bin/time ]]; then
    for r in "REPL start / memory" "REPL :diff after :set" "REPL :sweep, 10 values" \
        "kam explain --id / kam diff from the shell"; do
        row "$r" "not measured: no /usr/bin/time" "see issue 16"
    done
    exit 0
fi
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
: > "$t/empty"
printf ':set growth_floor = 8%%\n:diff\n' > "$t/setdiff"
printf ':sweep growth_floor 5%%..14%% step 1%%\n' > "$t/sweep"
key=$(awk -F, 'NR == 2 { print $1; exit }' "$CSV")

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
# measure NAME CMD...: medians of CPU seconds and peak KiB into cpu_NAME, mem_NAME
measure() {
    local name=$1
    shift
    local i
    : > "$t/$name.cpu"
    : > "$t/$name.mem"
    for ((i = 0; i < RUNS; i++)); do
        /usr/bin/time -f '%U %S %M' -o "$t/time" "$@" > /dev/null 2> "$t/err" < "${STDIN:-/dev/null}" || {
            echo "bench/repl.sh: $* failed:" >&2
            head -5 "$t/err" >&2
            return 1
        }
        awk '{ printf "%.3f\n", $1 + $2 }' "$t/time" >> "$t/$name.cpu"
        awk '{ print $3 }' "$t/time" >> "$t/$name.mem"
    done
    printf -v "cpu_$name" '%s' "$(median < "$t/$name.cpu")"
    printf -v "mem_$name" '%s' "$(median < "$t/$name.mem")"
}
status=0
STDIN=$t/empty measure start "$KAM" repl "$P" "$CSV" "${ASOF[@]}" || status=1
STDIN=$t/setdiff measure setdiff "$KAM" repl "$P" "$CSV" "${ASOF[@]}" || status=1
STDIN=$t/sweep measure sweep "$KAM" repl "$P" "$CSV" "${ASOF[@]}" || status=1
measure run "$KAM" run "$P" "$CSV" "${ASOF[@]}" -j 1 --format csv || status=1
measure explain "$KAM" explain "$P" "$CSV" "${ASOF[@]}" --id "$key" || status=1
measure diff "$KAM" diff "$P" "$CSV" "${ASOF[@]}" --set growth_floor=8% --format csv || status=1
less() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = 0; printf "%.0f ms", d * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }
row "REPL start / memory (bench.kam)" "${cpu_start:-?} s cpu, $(mib "${mem_start:-0}")" "<= 0.8 s, 200 MB"
row "REPL :diff after :set (cpu less the start)" "$(less "${cpu_setdiff:-0}" "${cpu_start:-0}")" "<= 100 ms"
row "REPL :sweep, 10 values (cpu less the start)" "$(less "${cpu_sweep:-0}" "${cpu_start:-0}")" "<= 0.6 s"
row "kam explain --id / kam run -j 1" "$(ratio "${cpu_explain:-0}" "${cpu_run:-0}") cpu, $(mib "${mem_explain:-0}")" "<= 1.2x, flat"
row "kam diff --set / kam run -j 1" "$(ratio "${cpu_diff:-0}" "${cpu_run:-0}") cpu, $(mib "${mem_diff:-0}")" "<= 1.2x, flat"
exit $status
