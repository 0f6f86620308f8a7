#!/usr/bin/env bash
# shellcheck disable=SC2317
# bench/run.sh: times kam against the hand-written C program and against
# jq, SQLite and DuckDB doing the same work (bench/bench.kam on generated
# accounts), then reports issue 16's goals, each with its ratio.
#
#   bench/run.sh [N]          N records, default 1000000
#   RUNS=5 bench/run.sh N     timed rounds (a run of each fast contender), medians
#   SLOW_RUNS=3               timed runs of each of jq, sqlite3 and DuckDB
#   KAM=path bench/run.sh     the kam binary to time (default build/kam)
#   KAM_DUCKDB=path           the DuckDB client (default build/kam-duckdb;
#                             skipped when it does not exist)
#   INSTR_N=100000            accounts for the instruction counts (callgrind,
#                             when valgrind is installed); INSTR_N=0: none
#
# Builds bench/gen.c, bench/handwritten.c and bench/csv_read_bench.c into
# build/bench/, generates build/bench/accounts-N.{csv,jsonl,csv-quoted} (the
# last the CSV with every string in quotes; kept for the
# next run with the same N, redone when gen.c is newer), checks that every
# contender prints exactly what its reference prints (handwritten's output;
# for the policy with one more avg(), kam's), then times them and prints a
# table of median wall and CPU seconds (user + system) and the ratios to
# handwritten, then the goals table.
#
# The machine may be shared and its speed drift, so the fast contenders
# (handwritten, kam -j 1, kam on every core, kam --out, kam+avg, kam on the
# quoted CSV) are timed in RUNS
# interleaved rounds: each round times each of them once (in the listed
# order, reversed every other round), after one untimed run of each (the
# correctness check, which also warms the cache). Each ratio is then the
# median of the per-round ratios (A_i / B_i, run against run of the same
# round), not the ratio of the medians: wall/hand and cpu/hand, kam's goals
# against handwritten, one avg()'s cost (kam+avg over kam -j 1) and the
# quoted file's (kam quoted over kam -j 1). The
# slow ones (jq, sqlite3, DuckDB) come after, each timed SLOW_RUNS times
# in a row, every run paired with a handwritten run just before it; their
# ratios are the median over those pairs. The wall and cpu columns are
# each contender's own medians (handwritten's: of its rounds only).
#
# Exit status: 0 when every contender that ran agreed with its reference,
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
SLOW_RUNS=${SLOW_RUNS:-3} # jq, sqlite3 and DuckDB take seconds to minutes a run
[[ $SLOW_RUNS =~ ^[1-9][0-9]*$ ]] || usage
AS_OF=2026-06-30
KAM=${KAM:-build/kam}
DUCKDB=${KAM_DUCKDB:-build/kam-duckdb}

cd "$(dirname "$0")/.."
OUT=build/bench
mkdir -p "$OUT"
CC=${CC:-cc}
CFLAGS=(-std=c11 -Wall -Wextra -Werror -O2)

"$CC" "${CFLAGS[@]}" bench/gen.c -o "$OUT/gen"
"$CC" "${CFLAGS[@]}" bench/handwritten.c -o "$OUT/handwritten"
"$CC" "${CFLAGS[@]}" -Ibase -Iruntime bench/csv_read_bench.c runtime/reader_csv.c base/arena.c base/mapfile.c \
    base/date.c -o "$OUT/csv_read_bench"

CSV=$OUT/accounts-$N.csv
JSONL=$OUT/accounts-$N.jsonl
QCSV=$OUT/accounts-$N.csv-quoted   # the same accounts, every string in quotes
for fmt in csv jsonl csv-quoted; do
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
# kam writes its output as the hand-written program does (standard output
# redirected to the file: `>`); kam_out with --out, which also writes a
# temporary file, flushes it to the disk (fsync) and renames it over the
# file, so that no reader ever sees a partial output: its own row, not a
# goal's.
run_kam_j1() { "$KAM" run bench/bench.kam "$CSV" --format csv --as-of "$AS_OF" -j 1 > "$1"; }
run_kam() { "$KAM" run bench/bench.kam "$CSV" --format csv --as-of "$AS_OF" > "$1"; }
run_kam_out() { "$KAM" run bench/bench.kam "$CSV" --format csv --as-of "$AS_OF" --out "$1"; }
run_kam_avg() { "$KAM" run bench/bench_avg.kam "$CSV" --format csv --as-of "$AS_OF" -j 1 > "$1"; }
# the same accounts from a file that quotes every text, word, bool and date
# (as many exports do): its own row, not a goal's
run_kam_quoted() { "$KAM" run bench/bench.kam "$QCSV" --input csv --format csv --as-of "$AS_OF" -j 1 > "$1"; }
run_jq() { jq -n -r -f bench/ref.jq --arg as_of "$AS_OF" "$JSONL" > "$1"; }
run_sqlite3() {
    sqlite3 :memory: \
        -cmd ".import --csv \"$CSV\" account" \
        -cmd "CREATE TABLE param AS SELECT '$AS_OF' AS as_of, 0.10 AS growth_floor" \
        < bench/ref.sql > "$1"
}
duckdb_with() {
    "$DUCKDB" -c "SET VARIABLE csv = '$CSV'" \
        -c "CREATE TABLE param AS SELECT DATE '$AS_OF' AS as_of, 0.10 AS growth_floor, $2 AS with_avg" \
        bench/ref_duckdb.sql > "$1"
}
run_duckdb() { duckdb_with "$1" false; }
run_duckdb_avg() { duckdb_with "$1" true; }

# What each contender's output must equal: handwritten's, except for the
# policy with one more avg(), which no other program here computes but
# DuckDB (checked against kam's answer).
declare -A ref=([kam_avg]=- [duckdb_avg]=kam_avg)
label() {
    case $1 in
        kam_j1) echo "kam -j 1" ;;
        kam) echo "kam -j $(nproc 2> /dev/null || echo '?')" ;;
        kam_out) echo "kam --out" ;;
        kam_avg) echo "kam+avg -j 1" ;;
        kam_quoted) echo "kam quoted -j 1" ;;
        duckdb_avg) echo "duckdb+avg" ;;
        *) echo "$1" ;;
    esac
}

# The median of the numbers on stdin.
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

contenders=(handwritten)
notes=()
if [[ -x $KAM ]]; then
    contenders+=(kam_j1 kam kam_out kam_avg kam_quoted)
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
if [[ -x $DUCKDB ]]; then
    contenders+=(duckdb)
    [[ -x $KAM ]] && contenders+=(duckdb_avg)
else
    notes+=("duckdb: skipped, $DUCKDB does not exist (the SQL engine tests build it: make test)")
fi

status=0
# walls[c], cpus[c]: c's timed runs' wall and CPU seconds, space-separated,
# in round order; walls[hw:c], cpus[hw:c]: for a slow contender c, the
# handwritten run timed just before each of c's runs (its pair).
declare -A verdict walls cpus
TIMEFORMAT='%R %U %S'

# check C: C's first, untimed run (which also warms the cache), its output
# compared with its reference's. Fails when C failed (then it is not timed).
check() {
    local c=$1 out=$OUT/out-$1.csv r
    if ! "run_$c" "$out" 2> "$OUT/err-$c.txt"; then
        verdict[$c]=FAILED
        status=1
        echo "!!! $c FAILED (exit status non-zero); stderr in $OUT/err-$c.txt:" >&2
        head -5 "$OUT/err-$c.txt" >&2
        [[ $c != handwritten ]] || exit 1 # no yardstick, nothing to compare
        return 1
    fi
    r=${ref[$c]:-handwritten}
    if [[ $c == handwritten || $r == - ]]; then
        verdict[$c]=ok
    elif [[ ${verdict[$r]:-} != ok ]]; then
        verdict[$c]="unchecked ($r did not run)"
    elif ! cmp -s "$out" "$OUT/out-$r.csv"; then
        verdict[$c]=MISMATCH
        status=1
        echo "!!! MISMATCH: $c's output differs from $r's; first differences:" >&2
        diff "$OUT/out-$r.csv" "$out" | head -10 >&2 || true
    else
        verdict[$c]="ok (= $r)"
    fi
}

# timed C N [KEY]: one timed run of C (its Nth), its seconds appended to
# walls[KEY] and cpus[KEY] (KEY defaults to C); on a failure C is FAILED
# and those times are dropped.
timed() {
    local c=$1 k=${3:-$1} t w u s
    if ! t=$({ time "run_$c" "$OUT/out-$c.csv" 2> /dev/null; } 2>&1); then
        verdict[$c]=FAILED
        status=1
        echo "!!! $c FAILED on timed run $2" >&2
        unset "walls[$k]" "cpus[$k]"
        return 1
    fi
    read -r w u s <<< "$t"
    walls[$k]+=" $w"
    cpus[$k]+=" $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }')"
}

is_slow() { case $1 in jq | sqlite3 | duckdb*) return 0 ;; esac; return 1; }
fast=() slow=()
for c in "${contenders[@]}"; do
    if is_slow "$c"; then
        slow+=("$c")
    elif check "$c"; then
        fast+=("$c")
    fi
done
# The fast ones in rounds: round i times each once, in the listed order
# when i is even and in the reverse order when it is odd, so that drift of
# the machine hits all of them alike and no one always follows another.
for ((i = 0; i < RUNS; i++)); do
    order=()
    for c in "${fast[@]}"; do
        if ((i % 2)); then order=("$c" "${order[@]}"); else order+=("$c"); fi
    done
    for c in "${order[@]}"; do
        [[ ${verdict[$c]} == FAILED ]] || timed "$c" $((i + 1)) || true
    done
done
for c in "${fast[@]}"; do
    [[ ${verdict[$c]} == FAILED ]] || echo "$c: wall${walls[$c]}; cpu${cpus[$c]}" >&2
done
# The slow ones one after the other, each run paired with a handwritten run
# just before it.
for c in "${slow[@]}"; do
    check "$c" || continue
    for ((i = 0; i < SLOW_RUNS; i++)); do
        [[ ${verdict[handwritten]} == FAILED ]] || timed handwritten "paired with $c" "hw:$c" || true
        timed "$c" $((i + 1)) || continue 2
    done
    echo "$c: wall${walls[$c]}; cpu${cpus[$c]}; handwritten's cpu${cpus[hw:$c]:-}" >&2
done

# pair_median A B: the median of the ratios A_i / B_i of two lists of
# seconds (space-separated, the same length); nothing when there is none.
pair_median() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        n = split(a, x, " ")
        if (split(b, y, " ") != n) exit
        for (i = 1; i <= n; i++)
            if (x[i] > 0 && y[i] > 0) r[++k] = x[i] / y[i]
        if (!k) exit
        for (i = 2; i <= k; i++) { # insertion sort
            v = r[i]
            for (j = i - 1; j >= 1 && r[j] > v; j--) r[j + 1] = r[j]
            r[j + 1] = v
        }
        print (k % 2) ? r[(k + 1) / 2] : (r[k / 2] + r[k / 2 + 1]) / 2
    }'
}

# A median ratio as "1.23x" and as "+23%"; "-" when there is none.
as_x() { awk -v r="$1" 'BEGIN { if (r != "") printf "%.2fx", r; else printf "-" }'; }
as_pct() { awk -v r="$1" 'BEGIN { if (r != "") printf "%+.0f%%", (r - 1) * 100; else printf "-" }'; }
# hand C wall|cpu: C's ratio to handwritten, the median of C's runs each
# over the handwritten run of its round (for a slow contender, of its pair).
hand() {
    local a b k=handwritten
    is_slow "$1" && k=hw:$1
    if [[ $2 == wall ]]; then
        a=${walls[$1]:-} b=${walls[$k]:-}
    else
        a=${cpus[$1]:-} b=${cpus[$k]:-}
    fi
    as_x "$(pair_median "$a" "$b")"
}

# wall[c], cpu[c]: the medians of c's timed runs.
declare -A wall cpu
for c in "${contenders[@]}"; do
    [[ -n ${walls[$c]:-} ]] || continue
    read -ra ts <<< "${walls[$c]}"
    wall[$c]=$(printf '%s\n' "${ts[@]}" | median)
    read -ra ts <<< "${cpus[$c]}"
    cpu[$c]=$(printf '%s\n' "${ts[@]}" | median)
done

cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2> /dev/null || true)
echo
echo "bench/bench.kam on $N records ($(du -h "$CSV" | cut -f1) CSV, $(du -h "$JSONL" | cut -f1) JSONL)," \
    "--as-of $AS_OF, median of $RUNS runs ($SLOW_RUNS for jq, sqlite3, DuckDB), $(nproc 2> /dev/null || echo '?') cores${cpu_model:+, $cpu_model}"
echo
printf '%-14s %8s %8s %12s %9s %9s  %s\n' contender "wall s" "cpu s" records/s "wall/hand" "cpu/hand" output
printf '%-14s %8s %8s %12s %9s %9s  %s\n' ---------- ------ ----- --------- --------- -------- ------
for c in "${contenders[@]}"; do
    if [[ -z ${wall[$c]:-} ]]; then
        printf '%-14s %8s %8s %12s %9s %9s  %s\n' "$(label "$c")" - - - - - "${verdict[$c]}"
        continue
    fi
    printf '%-14s %8.3f %8.3f %12.0f %9s %9s  %s\n' "$(label "$c")" "${wall[$c]}" "${cpu[$c]}" \
        "$(awk -v n="$N" -v t="${wall[$c]}" 'BEGIN { print n / t }')" \
        "$(hand "$c" wall)" "$(hand "$c" cpu)" "${verdict[$c]}"
done
for note in "${notes[@]}"; do
    echo "note: $note"
done

# The CSV reader alone (split, nothing converted): the ceiling for any pass.
echo
echo "CSV reader alone (bench/csv_read_bench, every field; then the 4 leading ones):"
"$OUT/csv_read_bench" "$CSV" | sed 's/^/  /'
"$OUT/csv_read_bench" "$CSV" 4 | sed 's/^/  /'

# Instructions executed (callgrind) by kam -j 1 and handwritten on the
# same INSTR_N accounts: unlike the times, the machine's load does not
# move them, so they say what a change did when the times cannot. Each
# output is checked as above, against handwritten's.
INSTR_N=${INSTR_N:-100000}
[[ $INSTR_N =~ ^[0-9]+$ ]] || usage
instructions() { # FILE CMD...: the instructions CMD executes, its output in FILE
    local file=$1
    shift
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2> "$OUT/instr.err" > "$file" ||
        return 1
    awk '/Collected :/ { n = $NF } END { if (n == "") exit 1; print n }' "$OUT/instr.err"
}
if [[ $INSTR_N -gt 0 ]] && command -v valgrind > /dev/null; then
    icsv=$OUT/accounts-$INSTR_N.csv
    if [[ ! -s $icsv || bench/gen.c -nt $icsv ]]; then
        "$OUT/gen" "$INSTR_N" --format csv > "$icsv.tmp" && mv "$icsv.tmp" "$icsv"
    fi
    echo
    echo "Instructions (callgrind, $INSTR_N accounts, the same CSV for both):"
    if ih=$(instructions "$OUT/instr-hand.csv" "$OUT/handwritten" "$icsv" --as-of "$AS_OF") &&
        ik=$(instructions "$OUT/instr-kam.csv" "$KAM" run bench/bench.kam "$icsv" --format csv \
            --as-of "$AS_OF" -j 1) && cmp -s "$OUT/instr-hand.csv" "$OUT/instr-kam.csv"; then
        awk -v k="$ik" -v h="$ih" -v n="$INSTR_N" 'BEGIN {
            printf "  kam -j 1      %14.0f  %6.0f an account  %.3fx\n", k, k / n, k / h
            printf "  handwritten   %14.0f  %6.0f an account\n", h, h / n }'
    else
        echo "  not measured: a run under callgrind failed or the outputs differ ($OUT/instr.err)"
        status=1
    fi
fi

# Issue 16's goals, each with its ratio. The REPL rows are measured by
# bench/repl.sh when it exists (it prints its own rows in this table's
# format: "| row | measured | goal |"); until then they are listed as not
# measured here.
goal_row() { printf '| %-50s | %-32s | %-12s |\n' "$1" "$2" "$3"; }
echo
echo "Goals (issue 16), on this machine, $N accounts:"
echo
goal_row "row" "measured" "goal"
goal_row "---" "---" "---"
if [[ -n ${cpu[kam_j1]:-} ]]; then
    goal_row "kam run -j 1 / bench/handwritten.c" \
        "$(hand kam_j1 cpu) cpu, $(hand kam_j1 wall) wall" "<= 1.2x"
fi
if [[ -n ${wall[kam]:-} ]]; then
    goal_row "kam run (all $(nproc 2> /dev/null || echo '?') cores) / bench/handwritten.c" \
        "$(hand kam wall) wall" "<= 0.65x"
fi
if [[ -n ${wall[kam_out]:-} && -n ${wall[kam]:-} ]]; then
    goal_row "kam run --out (all cores) / bench/handwritten.c" \
        "$(hand kam_out wall) wall; $(as_x "$(pair_median "${walls[kam_out]}" "${walls[kam]}")") of \`>\`" "(no goal)"
fi
if [[ -n ${cpu[kam_avg]:-} && -n ${cpu[kam_j1]:-} ]]; then
    goal_row "one avg() added (bench_avg.kam / bench.kam, -j 1)" \
        "$(as_pct "$(pair_median "${cpus[kam_avg]}" "${cpus[kam_j1]}")") cpu, $(as_pct "$(pair_median "${walls[kam_avg]}" "${walls[kam_j1]}")") wall" "<= +10%"
fi
if [[ -n ${cpu[kam_quoted]:-} && -n ${cpu[kam_j1]:-} ]]; then
    goal_row "every string quoted in the CSV (-j 1) / bare" \
        "$(as_x "$(pair_median "${cpus[kam_quoted]}" "${cpus[kam_j1]}")") cpu; file $(awk -v a="$(stat -c %s "$QCSV")" -v b="$(stat -c %s "$CSV")" 'BEGIN { printf "%.2fx", a / b }')" "(no goal)"
fi
if [[ -n ${cpu[duckdb]:-} ]]; then
    goal_row "DuckDB (1 thread) / bench/handwritten.c" \
        "$(hand duckdb cpu) cpu, ${verdict[duckdb]}" "(comparison)"
fi
if [[ -x bench/repl.sh ]]; then
    KAM=$KAM bench/repl.sh "$CSV" || status=1
else
    for row in "REPL start / memory" "REPL :diff after :set" "REPL :sweep, 10 values" \
        "kam explain --id / kam diff from the shell"; do
        goal_row "$row" "not measured here yet" "see issue 16"
    done
fi
exit $status
