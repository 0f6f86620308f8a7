#!/bin/sh
# fmt_idempotent_and_safe.sh — kam fmt on every policy that checks clean
# (examples/*.kam but mistakes.kam, tests/golden/check/ok_*.kam,
# tests/golden/run/*.kam, tests/golden/test/*.kam): formatting twice gives
# what formatting once gives; the formatted file still checks clean, with
# as many warnings; `kam test` gives the same results; and `kam run` gives
# byte-for-byte the same output on the bundled data (the example with
# examples/accounts.csv, and every golden run test's own command line,
# semantics.kam with semantics.csv --as-of 2026-06-30 among them).
# Works on copies of the folders: imports are relative (some in a circle).
# Against the sanitizer build (KAM_TEST_SANITIZED=1, tests/run.sh) every
# file is still formatted and checked, but kam test and kam run are
# compared on every 8th file only (and on the three named at the end).
# kam-test: long
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "fmt_idempotent_and_safe: $*" >&2; failed=1; }

mkdir -p "$tmp/w/tests/golden" "$tmp/out"
cp -R "$ROOT/examples" "$tmp/w/examples"
for d in check run test; do cp -R "$ROOT/tests/golden/$d" "$tmp/w/tests/golden/$d"; done
cd "$tmp/w" || exit 1

# The results of `kam test`, without line numbers (lines move).
test_results() {
    "$KAM" test "$1" 2>&1 | grep -E '^(PASS|FAIL) |passed,' | sed 's/ ([^()]*:[0-9]*)$//'
}

# Runs a golden test's command line (NAME.args, from its folder).
run_args() {
    a=$(cat "$1")
    (cd "$(dirname "$1")" && eval "\"$KAM\" $a" </dev/null 2>"$2.err"; echo "exit $?" >>"$2.err")
}

n=0
for f in examples/*.kam tests/golden/check/ok_*.kam tests/golden/run/*.kam tests/golden/test/*.kam; do
    [ -e "$f" ] || continue
    case "$f" in */mistakes.kam) continue ;; esac
    "$KAM" check "$f" >/dev/null 2>"$tmp/check0" || continue
    n=$((n + 1))
    base="$tmp/out/$(echo "$f" | tr / _)"
    deep=1
    if [ -n "${KAM_TEST_SANITIZED:-}" ] && [ $((n % 8)) -ne 0 ]; then
        case "$f" in examples/key_accounts.kam|tests/golden/run/semantics.kam|*/ok_salesops_one_line_style.kam) ;;
        *) deep= ;; esac
    fi
    [ -n "$deep" ] && test_results "$f" >"$base.test0"
    args="${f%.kam}.args"
    if [ -n "$deep" ] && [ -e "$args" ] && grep -q '^run ' "$args"; then run_args "$args" "$base.run0" >"$base.run0"; fi
    if [ "$f" = examples/key_accounts.kam ]; then
        for fmt in csv table; do
            "$KAM" run "$f" examples/accounts.csv --as-of 2026-06-30 --format $fmt >"$base.ex0.$fmt" 2>&1
        done
        "$KAM" run "$f" examples/accounts.csv --as-of 2026-06-30 --summary >"$base.sum0" 2>&1
    fi

    # once, in place, twice
    "$KAM" fmt "$f" >"$base.once" 2>"$tmp/err" || { fail "$f: kam fmt failed: $(cat "$tmp/err")"; continue; }
    "$KAM" fmt -w "$f" 2>"$tmp/err" || { fail "$f: kam fmt -w failed: $(cat "$tmp/err")"; continue; }
    cmp -s "$f" "$base.once" || fail "$f: kam fmt -w wrote something other than kam fmt prints"
    "$KAM" fmt "$f" >"$base.twice" 2>"$tmp/err" || { fail "$f: formatting the formatted file failed: $(cat "$tmp/err")"; continue; }
    cmp -s "$base.once" "$base.twice" || fail "$f: not idempotent:
$(diff "$base.once" "$base.twice" | head -20)"
    "$KAM" fmt --check "$f" >"$tmp/diff" 2>&1 || fail "$f: --check says the formatted file is not formatted:
$(head -20 "$tmp/diff")"

    # the same policy
    "$KAM" check "$f" >/dev/null 2>"$tmp/check1" || fail "$f: the formatted file does not check:
$(head -20 "$tmp/check1")"
    w0=$(grep -c ': warning: ' "$tmp/check0")
    w1=$(grep -c ': warning: ' "$tmp/check1")
    [ "$w0" = "$w1" ] || fail "$f: $w0 warnings before formatting, $w1 after"
    if [ -n "$deep" ]; then
        test_results "$f" >"$base.test1"
        cmp -s "$base.test0" "$base.test1" || fail "$f: kam test results differ:
$(diff "$base.test0" "$base.test1" | head -20)"
    fi
    if [ -e "$base.run0" ]; then
        run_args "$args" "$base.run1" >"$base.run1"
        cmp -s "$base.run0" "$base.run1" || fail "$f: kam $(cat "$args"): output differs after formatting"
        # messages may cite policy lines, which move
        sed 's/\.kam:[0-9]*:[0-9]*/.kam:L:C/g' "$base.run0.err" >"$base.e0"
        sed 's/\.kam:[0-9]*:[0-9]*/.kam:L:C/g' "$base.run1.err" >"$base.e1"
        cmp -s "$base.e0" "$base.e1" || fail "$f: kam $(cat "$args"): messages or exit status differ"
    fi
    if [ "$f" = examples/key_accounts.kam ]; then
        for fmt in csv table; do
            "$KAM" run "$f" examples/accounts.csv --as-of 2026-06-30 --format $fmt >"$base.ex1.$fmt" 2>&1
            cmp -s "$base.ex0.$fmt" "$base.ex1.$fmt" || fail "$f: kam run --format $fmt differs after formatting"
        done
        "$KAM" run "$f" examples/accounts.csv --as-of 2026-06-30 --summary >"$base.sum1" 2>&1
        cmp -s "$base.sum0" "$base.sum1" || fail "$f: kam run --summary differs after formatting"
    fi
done

# enough files were tried, and the ones that matter most among them
[ "$n" -ge 40 ] || fail "only $n policies checked clean and were formatted"
for must in examples_key_accounts.kam tests_golden_run_semantics.kam tests_golden_check_ok_salesops_one_line_style.kam; do
    [ -e "$tmp/out/$must.once" ] || fail "$must was not formatted"
done
[ -s "$tmp/out/tests_golden_run_semantics.kam.run0" ] || fail "semantics.kam was not run"
grep -q '^exit 0$' "$tmp/out/tests_golden_run_semantics.kam.run0.err" || fail "semantics.kam did not run cleanly"
[ -s "$tmp/out/examples_key_accounts.kam.ex0.csv" ] || fail "the example was not run"
exit $failed
