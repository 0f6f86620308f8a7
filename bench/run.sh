#!/usr/bin/env bash
# shellcheck disable=SC2317
# bench/run.sh: times kam against the hand-written C program and against
# jq and SQLite doing the same work (bench/bench.kam on generated accounts).
#
#   bench/run.sh [N]          N records, default 1000000
#   RUNS=5 bench/run.sh N     timed runs per contender, median reported
#   KAM=path bench/run.sh     the kam binary to time (default build/kam)
#
# Builds bench/gen.c and bench/handwritten.c into build/bench/, generates
# build/bench/accounts-N.{csv,jsonl} (kept for the next run with the same N,
# redone when gen.c is newer), checks that every contender prints exactly
# what handwritten prints, then times each one and prints a table of median
# seconds, records per second and the ratio to handwritten.
#
# Exit status: 0 when every contender that ran agreed with handwritten,
# 1 on a mismatch or a contender failure, 2 on usage errors.
set -euo pipefail
export LC_ALL=C # a '.' decimal point in every number we print

usage() {
    echo "usage: bench/run.sh [N]" >&2
    exit 2
}

N=${1:-1000000}
[[ $N =~ ^[1-9][0-9]*$ ]] || usage
[[ $# -le 1 ]] || usage
RUNS=${RUNS:-5}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || usage
AS_OF=2026-06-30
KAM=${KAM:-build/kam}

cd "$(dirname "$0")/.."
OUT=build/bench
mkdir -p "$OUT"
CC=${CC:-cc}
CFLAGS=(-std=c11 -Wall -Wextra -Werror -O2)

"$CC" "${CFLAGS[@]}" bench/gen.c -o "$OUT/gen"
"$CC" "${CFLAGS[@]}" bench/handwritten.c -o "$OUT/handwritten"

CSV=$OUT/accounts-$N.csv
JSONL=$OUT/accounts-$N.jsonl
for fmt in csv jsonl; do
    data=$OUT/accounts-$N.$fmt
    if [[ ! -s $data || bench/gen.c -nt $data ]]; then
        echo "generating $data ..." >&2
        "$OUT/gen" "$N" --format "$fmt" > "$data.tmp"
        mv "$data.tmp" "$data"
    fi
done

# The contenders: each writes its CSV to the file named by $1. They are
# called as "run_$name", which shellcheck cannot see (hence SC2317 above).
run_handwritten() { "$OUT/handwritten" "$CSV" --as-of "$AS_OF" > "$1"; }
run_kam() { "$KAM" run bench/bench.kam "$CSV" --format csv --as-of "$AS_OF" > "$1"; }
run_jq() { jq -n -r -f bench/ref.jq --arg as_of "$AS_OF" "$JSONL" > "$1"; }
run_sqlite3() {
    sqlite3 :memory: \
        -cmd ".import --csv \"$CSV\" account" \
        -cmd "CREATE TABLE param AS SELECT '$AS_OF' AS as_of, 0.10 AS growth_floor" \
        < bench/ref.sql > "$1"
}

# Wall-clock seconds since the epoch, with microseconds.
now() {
    if [[ -n ${EPOCHREALTIME:-} ]]; then
        echo "${EPOCHREALTIME/,/.}"
    else
        date +%s.%N
    fi
}

# The median of the numbers on stdin.
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

contenders=(handwritten)
notes=()
if [[ -x $KAM ]]; then
    contenders+=(kam)
else
    notes+=("kam: skipped, $KAM does not exist yet (build it, then run again)")
fi
if command -v jq > /dev/null; then
    contenders+=(jq)
else
    notes+=("jq: skipped, not installed")
fi
if command -v sqlite3 > /dev/null; then
    contenders+=(sqlite3)
else
    notes+=("sqlite3: skipped, not installed")
fi

status=0
declare -A verdict median_s
for c in "${contenders[@]}"; do
    out=$OUT/out-$c.csv
    # First run: correctness (and a warm cache for the timed runs).
    if ! "run_$c" "$out" 2> "$OUT/err-$c.txt"; then
        verdict[$c]=FAILED
        status=1
        echo "!!! $c FAILED (exit status non-zero); stderr in $OUT/err-$c.txt:" >&2
        head -5 "$OUT/err-$c.txt" >&2
        [[ $c != handwritten ]] || exit 1 # no yardstick, nothing to compare
        continue
    fi
    if [[ $c != handwritten ]] && ! cmp -s "$out" "$OUT/out-handwritten.csv"; then
        verdict[$c]=MISMATCH
        status=1
        echo "!!! MISMATCH: $c's output differs from handwritten's; first differences:" >&2
        diff "$OUT/out-handwritten.csv" "$out" | head -10 >&2 || true
    else
        verdict[$c]=ok
    fi
    times=()
    for ((i = 0; i < RUNS; i++)); do
        t0=$(now)
        if ! "run_$c" "$out" 2> /dev/null; then
            verdict[$c]=FAILED
            status=1
            echo "!!! $c FAILED on timed run $((i + 1))" >&2
            continue 2
        fi
        t1=$(now)
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
    done
    median_s[$c]=$(printf '%s\n' "${times[@]}" | median)
    echo "$c: ${times[*]}" >&2
done

cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2> /dev/null || true)
echo
echo "bench/bench.kam on $N records ($(du -h "$CSV" | cut -f1) CSV, $(du -h "$JSONL" | cut -f1) JSONL)," \
    "--as-of $AS_OF, median of $RUNS runs${cpu:+, $cpu}"
echo
base=${median_s[handwritten]:-}
printf '%-12s %10s %14s %10s  %s\n' contender seconds records/s "vs hand" output
printf '%-12s %10s %14s %10s  %s\n' ----------- ------- --------- ------- ------
for c in "${contenders[@]}"; do
    if [[ -z ${median_s[$c]:-} ]]; then
        printf '%-12s %10s %14s %10s  %s\n' "$c" - - - "${verdict[$c]}"
        continue
    fi
    awk -v c="$c" -v t="${median_s[$c]}" -v n="$N" -v b="$base" -v v="${verdict[$c]}" 'BEGIN {
        printf "%-12s %10.3f %14.0f %9.1fx  %s\n", c, t, n / t, (b > 0 ? t / b : 0), v }'
done
for note in "${notes[@]}"; do
    echo "note: $note"
done
exit $status
