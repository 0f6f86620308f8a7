#!/usr/bin/env bash
# bench/repl.sh CSV — issue 16's REPL and explain/diff rows for bench/run.sh's
# goals table ("| row | measured | goal |"), on the accounts in CSV:
#   REPL start: `kam repl bench/bench.kam CSV` with an empty script (CPU, peak memory)
#   :diff after :set, :sweep over 10 values: the command's own CPU as the
#     REPL's :timer says it (every thread's), and the script's CPU less the
#     start's (which also counts what the what-if leaves to free at exit)
#   kam explain --id, kam diff --set: CPU against kam run -j 1 (and peak memory)
# The six commands are timed in RUNS (default 3) interleaved rounds, each
# round running each of them once (in the order above, reversed every other
# round), so that drift of a shared machine hits them alike. The start's
# CPU and every peak memory are the medians of their runs; each difference
# (script less start) and each ratio (explain or diff over run) is the
# median of the per-round ones (A_i - B_i, A_i / B_i), not one of medians.
# CPU is user + system from /usr/bin/time (GNU time), which also gives the
# peak resident size; without it the rows say so. KAM= the binary (default
# build/kam).
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
printf ':set growth_floor = 8%%\n:timer on\n:diff\n' > "$t/setdiff"
printf ':timer on\n:sweep growth_floor 5%%..14%% step 1%%\n' > "$t/sweep"
key=$(awk -F, 'NR == 2 { print $1; exit }' "$CSV")

# measure NAME: one timed run of NAME's command, its CPU seconds and peak
# KiB appended to $t/NAME.cpu and $t/NAME.mem (a line a round)
measure() {
    local in=/dev/null args
    case $1 in
        start) args=(repl "$P" "$CSV" "${ASOF[@]}") in=$t/empty ;;
        setdiff | sweep) args=(repl "$P" "$CSV" "${ASOF[@]}") in=$t/$1 ;;
        run) args=(run "$P" "$CSV" "${ASOF[@]}" -j 1 --format csv) ;;
        explain) args=(explain "$P" "$CSV" "${ASOF[@]}" --id "$key") ;;
        diff) args=(diff "$P" "$CSV" "${ASOF[@]}" --set growth_floor=8% --format csv) ;;
    esac
    /usr/bin/time -f '%U %S %M' -o "$t/time" "$KAM" "${args[@]}" > /dev/null 2> "$t/err" < "$in" || {
        echo "bench/repl.sh: $KAM ${args[*]} failed:" >&2
        head -5 "$t/err" >&2
        return 1
    }
    awk '{ printf "%.3f\n", $1 + $2 }' "$t/time" >> "$t/$1.cpu"
    awk '{ print $3 }' "$t/time" >> "$t/$1.mem"
    # the command's own CPU, as the REPL's :timer says it (every thread's)
    case $1 in
        setdiff | sweep) awk '/^time: / { c = $5 } END { if (c != "") print c }' "$t/err" >> "$t/$1.cmd" ;;
    esac
}
names=(start setdiff sweep run explain diff)
declare -A failed
status=0
for n in "${names[@]}"; do : > "$t/$n.cpu"; : > "$t/$n.mem"; : > "$t/$n.cmd"; done
for ((i = 0; i < RUNS; i++)); do
    order=()
    for n in "${names[@]}"; do
        if ((i % 2)); then order=("$n" "${order[@]}"); else order+=("$n"); fi
    done
    for n in "${order[@]}"; do
        [[ -z ${failed[$n]:-} ]] || continue
        measure "$n" || { failed[$n]=1 status=1; }
    done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
# med NAME KIND: the median of NAME's cpu or mem figures; nothing if it failed
med() { [[ -n ${failed[$1]:-} ]] || median < "$t/$1.$2"; }
# pairs OP A B: the median of A_i - B_i (OP -) or A_i / B_i (OP /) over
# the rounds' CPU seconds; nothing if either failed
pairs() {
    [[ -z ${failed[$2]:-} && -z ${failed[$3]:-} ]] || return 0
    paste -d ' ' "$t/$2.cpu" "$t/$3.cpu" |
        awk -v op="$1" '{ if (op == "-") print $1 - $2; else if ($2 > 0) print $1 / $2 }' | median
}
ms() { awk -v d="$1" 'BEGIN { if (d == "") printf "-"; else { if (d < 0) d = 0; printf "%.0f ms", d * 1000 } }'; }
x() { awk -v r="$1" 'BEGIN { if (r == "") printf "-"; else printf "%.2fx", r }'; }
mib() { awk -v k="$1" 'BEGIN { if (k == "") printf "-"; else printf "%.0f MiB", k / 1024 }'; }
cpu_start=$(med start cpu)
row "REPL start / memory (bench.kam)" "${cpu_start:-?} s cpu, $(mib "$(med start mem)")" "<= 0.8 s, 200 MB"
row "REPL :diff after :set (:timer cpu; less start)" \
    "$(ms "$(med setdiff cmd)"); $(ms "$(pairs - setdiff start)")" "<= 100 ms"
row "REPL :sweep, 10 values (:timer cpu; less start)" \
    "$(ms "$(med sweep cmd)"); $(ms "$(pairs - sweep start)")" "<= 0.6 s"
row "kam explain --id / kam run -j 1" "$(x "$(pairs / explain run)") cpu, $(mib "$(med explain mem)")" "<= 1.2x, flat"
row "kam diff --set / kam run -j 1" "$(x "$(pairs / diff run)") cpu, $(mib "$(med diff mem)")" "<= 1.2x, flat"
exit $status
