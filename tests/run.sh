#!/bin/sh
# run.sh — the kam test runner: golden tests (a command and its exact
# stdout, stderr and exit status), CLI tests (shell scripts) and unit tests
# (C programs printing PASS/FAIL lines, and SKIP for a check the machine
# cannot make, such as one for a CPU feature it lacks: counted as skipped,
# even with REQUIRE_ALL), against each kam binary given.
# Ends with one line "N passed, N failed, N skipped"; exits 1 on any failure.
# A CLI test that cannot run here (a missing tool) exits 77 and prints why:
# it counts as skipped, never as passed. With REQUIRE_ALL=1 (CI, where every
# tool is installed) a skip counts as a failure.
# UPDATE=1 rewrites the golden files from the current output, for review.
set -u
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
BUILD=${BUILD:-build}
CC=${CC:-cc}
passed=0
failed=0
skipped=0
skips=""
failures=""
tmp=$(mktemp -d)
# Under the sanitizer build, UBSan traps (Makefile, SAN_CFLAGS): ASan then
# reports the trap (SIGILL) with its stack and source line.
ASAN_OPTIONS="handle_sigill=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export ASAN_OPTIONS
trap 'rm -rf "$tmp"' EXIT INT TERM

pass() { passed=$((passed + 1)); [ -n "${VERBOSE:-}" ] && echo "ok   $1"; return 0; }
fail() { failed=$((failed + 1)); failures="$failures
  $1"; printf '\nFAIL %s\n' "$1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /' | head -40; return 0; }

# What is running, as it goes: one line per section with its counts.
section_start() { s_pass=$passed; s_fail=$failed; s_skip=$skipped; s_t0=$(date +%s); printf '%s ... ' "$1"; }
section_end() { echo "$((passed - s_pass)) passed, $((failed - s_fail)) failed, $((skipped - s_skip)) skipped ($(( $(date +%s) - s_t0 )) s)"; }

# Unit tests: tests/unit/test_*.c, built against the library (again only
# when the test or the library is newer). They run in the background,
# beside the golden and CLI tests (much of which waits on terminals and
# timers); their results are collected at the end.
# wait_slot N PIDS SECONDS: waits until fewer than N of PIDS still run,
# looking every SECONDS. (dash cannot count its jobs through a pipe:
# $(jobs -p | wc -l) is 0 there, so every test used to start at once.)
wait_slot() {
    while :; do
        n=0
        for p in $2; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done
        [ "$n" -lt "$1" ] && return
        sleep "$3"
    done
}

run_units() {
    i=0
    for t in tests/unit/test_*.c; do
        [ -e "$t" ] || continue
        name=$(basename "$t" .c)
        bin="$BUILD/tests/$name"
        mkdir -p "$BUILD/tests"
        : >"$tmp/unit.$i.cc"
        if [ -x "$bin" ] && [ "$bin" -nt "$t" ] && [ "$bin" -nt "$BUILD/libkam.a" ]; then
            :
        elif ! $CC -std=c11 -Wall -Wextra -Werror -O1 -g -fsanitize=address,undefined \
            -Ibase -Ilang -Iruntime -Istdlib -Iinclude -I"$BUILD/gen" -o "$bin" "$t" "$BUILD/libkam.a" \
            -lsqlite3 -lzip -lexpat -lxlsxwriter -lm 2>"$tmp/unit.$i.cc"; then
            [ -s "$tmp/unit.$i.cc" ] || echo "the compiler failed" >"$tmp/unit.$i.cc"
            i=$((i + 1))
            continue
        fi
        "$bin" "$root/tests" >"$tmp/unit.$i.out" 2>&1
        echo $? >"$tmp/unit.$i.rc"
        i=$((i + 1))
    done
}
run_units &
unit_pid=$!

for kam in "$@"; do
    case "$kam" in /*) ;; *) kam="$root/$kam" ;; esac
    tag=$(basename "$(dirname "$kam")")
    section_start "golden tests against $kam"

    # Golden tests: tests/golden/AREA/NAME.kam, run as `kam $(cat NAME.args)`
    # (default: check NAME.kam) from that folder; expected NAME.out (stdout)
    # and NAME.err (stderr, then "exit N").
    # They run KAM_TEST_JOBS at a time; the results are compared in order.
    goldens=$(for dir in tests/golden/*/; do
        for src in "$dir"*.kam; do
            [ -e "$src" ] || continue
            name=$(basename "$src" .kam)
            [ -e "$dir$name.out" ] || [ -e "$dir$name.err" ] || [ -n "${UPDATE:-}" ] || continue
            echo "$dir$name"
        done
    done)
    i=0
    g_pids=""
    for g in $goldens; do
        dir=$(dirname "$g")/ name=$(basename "$g")
        if [ -e "$g.args" ]; then args=$(cat "$g.args"); else args="check $name.kam"; fi
        limit=${KAM_TEST_JOBS:-2}
        kill -0 "$unit_pid" 2>/dev/null && limit=$((limit + 1))
        wait_slot "$limit" "$g_pids $unit_pid" 0.01
        (cd "$dir" && eval "\"$kam\" $args" >"$tmp/g.$i.out" 2>"$tmp/g.$i.err" </dev/null; echo "exit $?" >>"$tmp/g.$i.err") &
        g_pids="$g_pids $!"
        i=$((i + 1))
    done
    # shellcheck disable=SC2086
    wait $g_pids
    i=0
    for g in $goldens; do
        if [ -n "${UPDATE:-}" ] && [ "$tag" != san ]; then
            cp "$tmp/g.$i.out" "$g.out"; cp "$tmp/g.$i.err" "$g.err"
        fi
        if cmp -s "$tmp/g.$i.out" "$g.out" && cmp -s "$tmp/g.$i.err" "$g.err"; then
            pass "$tag golden $g"
        else
            fail "$tag golden $g" "$(diff "$g.out" "$tmp/g.$i.out"; diff "$g.err" "$tmp/g.$i.err")"
        fi
        i=$((i + 1))
    done

    section_end
    section_start "CLI tests against $kam"
    # CLI tests: tests/cli/*.sh, run with KAM set; exit 0 = pass. They run
    # KAM_TEST_JOBS at a time (default 2): first those marked
    # "# kam-test: long" (so that no long one starts last and runs alone),
    # then the others; those marked "# kam-test: serial" (timing, a
    # terminal) run alone afterwards. Against the sanitizer build
    # (a binary in a folder named san*) KAM_TEST_SANITIZED=1 is set: the
    # tests that repeat one check over many inputs take a sample there
    # (docs/testing.md), the whole set running against the normal build.
    case "$tag" in san*) sanitized=1 ;; *) sanitized= ;; esac
    long=$(grep -l '^# kam-test: long' tests/cli/*.sh)
    serial=$(grep -l '^# kam-test: serial' tests/cli/*.sh)
    order=$(for t in $long; do echo "$t"; done
        for t in tests/cli/*.sh; do
            [ -e "$t" ] || continue
            case " $(echo $long $serial) " in *" $t "*) ;; *) echo "$t" ;; esac
        done)
    i=0
    cli_pids=""
    for t in $order; do
        # the unit tests' background job counts as one more
        limit=${KAM_TEST_JOBS:-2}
        kill -0 "$unit_pid" 2>/dev/null && limit=$((limit + 1))
        wait_slot "$limit" "$cli_pids $unit_pid" 0.05
        (t0=$(date +%s); KAM="$kam" ROOT="$root" KAM_TEST_SANITIZED="$sanitized" sh "$t" >"$tmp/cli.$i.out" 2>&1
         echo $? >"$tmp/cli.$i.rc"; echo $(( $(date +%s) - t0 )) >"$tmp/cli.$i.s")  &
        cli_pids="$cli_pids $!"
        i=$((i + 1))
    done
    # shellcheck disable=SC2086
    wait $cli_pids
    for t in $serial; do
        t0=$(date +%s)
        KAM="$kam" ROOT="$root" KAM_TEST_SANITIZED="$sanitized" sh "$t" >"$tmp/cli.$i.out" 2>&1; echo $? >"$tmp/cli.$i.rc"
        echo $(( $(date +%s) - t0 )) >"$tmp/cli.$i.s"
        i=$((i + 1))
    done
    # the results, in the order they started
    i=0
    slow=""
    for t in $order $serial; do
        out=$(cat "$tmp/cli.$i.out")
        rc=$(cat "$tmp/cli.$i.rc")
        slow="$slow$(cat "$tmp/cli.$i.s") $(basename "$t")
"
        i=$((i + 1))
        if [ "$rc" -eq 0 ]; then
            pass "$tag cli $t"
        elif [ "$rc" -eq 77 ] && [ -z "${REQUIRE_ALL:-}" ]; then
            skipped=$((skipped + 1))
            skips="$skips
  $tag cli $t: $(printf '%s' "$out" | tail -1)"
        elif [ "$rc" -eq 77 ]; then
            fail "$tag cli $t (skipped, but REQUIRE_ALL is set)" "$out"
        else
            fail "$tag cli $t" "$out"
        fi
    done
    section_end
    printf '  the slowest: %s\n' "$(printf '%s' "$slow" | sort -rn | head -5 | sed 's/^\([0-9]*\) \(.*\)/\2 \1 s/' | paste -sd, - | sed 's/,/, /g')"
done
section_start "unit tests"
wait "$unit_pid"
i=0
for t in tests/unit/test_*.c; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .c)
    if [ -s "$tmp/unit.$i.cc" ]; then
        fail "unit $name (does not build)" "$(cat "$tmp/unit.$i.cc")"
        i=$((i + 1))
        continue
    fi
    if [ ! -s "$tmp/unit.$i.rc" ]; then     # not run (a file added while the suite ran)
        fail "unit $name (did not run)" "tests/unit held another list of tests when the unit tests started"
        i=$((i + 1))
        continue
    fi
    rc=$(cat "$tmp/unit.$i.rc")
    p=$(grep -c '^PASS ' "$tmp/unit.$i.out")
    f=$(grep -c '^FAIL ' "$tmp/unit.$i.out")
    k=$(grep -c '^SKIP ' "$tmp/unit.$i.out")
    passed=$((passed + p))
    if [ "$k" -gt 0 ]; then     # a check this machine cannot make (a CPU feature)
        skipped=$((skipped + k))
        skips="$skips
$(grep '^SKIP ' "$tmp/unit.$i.out" | sed "s/^SKIP /  unit $name: /")"
    fi
    if [ "$f" -gt 0 ] || [ "$rc" -ne 0 ] || [ "$p" -eq 0 ]; then
        [ "$f" -eq 0 ] && f=1
        failed=$((failed + f))
        printf '\nFAIL unit %s (exit %s)\n' "$name" "$rc"
        grep -v '^PASS ' "$tmp/unit.$i.out" | head -40 | sed 's/^/     /'
        failures="$failures
  unit $name"
    fi
    i=$((i + 1))
done

section_end
# No test may replace a device it writes to (an output that renames its
# temporary file over /dev/null would): every later run would break.
if [ ! -c /dev/null ]; then
    fail "/dev/null is no longer a character device (a test replaced it)" "$(ls -l /dev/null)"
fi
[ -t 1 ] && printf '%-70s\r' ""
[ "$skipped" -gt 0 ] && printf 'skipped:%s\n' "$skips"
[ "$failed" -gt 0 ] && printf 'failures:%s\n' "$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
