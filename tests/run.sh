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
    for dir in tests/golden/*/; do
        for src in "$dir"*.kam; do
            [ -e "$src" ] || continue
            name=$(basename "$src" .kam)
            [ -e "$dir$name.out" ] || [ -e "$dir$name.err" ] || [ -n "${UPDATE:-}" ] || continue
            if [ -e "$dir$name.args" ]; then args=$(cat "$dir$name.args"); else args="check $name.kam"; fi
            (cd "$dir" && eval "\"$kam\" $args" >"$tmp/out" 2>"$tmp/err" </dev/null; echo "exit $?" >>"$tmp/err")
            if [ -n "${UPDATE:-}" ] && [ "$tag" != san ]; then
                cp "$tmp/out" "$dir$name.out"; cp "$tmp/err" "$dir$name.err"
            fi
            if cmp -s "$tmp/out" "$dir$name.out" && cmp -s "$tmp/err" "$dir$name.err"; then
                pass "$tag golden $dir$name"
            else
                fail "$tag golden $dir$name" "$(diff "$dir$name.out" "$tmp/out"; diff "$dir$name.err" "$tmp/err")"
            fi
        done
    done

    section_end
    section_start "CLI tests against $kam"
    # CLI tests: tests/cli/*.sh, run with KAM set; exit 0 = pass. They run
    # KAM_TEST_JOBS at a time (default 2), except those marked
    # "# kam-test: serial" (timing, a terminal), which run alone afterwards.
    i=0
    cli_pids=""
    for t in tests/cli/*.sh; do
        [ -e "$t" ] || continue
        grep -q '^# kam-test: serial' "$t" && continue
        # the unit tests' background job counts as one more
        limit=${KAM_TEST_JOBS:-2}
        kill -0 "$unit_pid" 2>/dev/null && limit=$((limit + 1))
        while [ "$(jobs -p | wc -l)" -ge "$limit" ]; do sleep 0.05; done
        (KAM="$kam" ROOT="$root" sh "$t" >"$tmp/cli.$i.out" 2>&1; echo $? >"$tmp/cli.$i.rc") &
        cli_pids="$cli_pids $!"
        i=$((i + 1))
    done
    # shellcheck disable=SC2086
    wait $cli_pids
    for t in tests/cli/*.sh; do
        [ -e "$t" ] || continue
        grep -q '^# kam-test: serial' "$t" || continue
        KAM="$kam" ROOT="$root" sh "$t" >"$tmp/cli.$i.out" 2>&1; echo $? >"$tmp/cli.$i.rc"
        i=$((i + 1))
    done
    # the results, in the order they ran
    i=0
    for pass_ in parallel serial; do
        for t in tests/cli/*.sh; do
            [ -e "$t" ] || continue
            if grep -q '^# kam-test: serial' "$t"; then [ "$pass_" = serial ] || continue
            else [ "$pass_" = parallel ] || continue; fi
            out=$(cat "$tmp/cli.$i.out")
            rc=$(cat "$tmp/cli.$i.rc")
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
    done
    section_end
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
