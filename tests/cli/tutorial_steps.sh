#!/bin/sh
# tutorial_steps.sh — docs/tutorial.md works exactly as written:
#  * every step file docs/tutorial/step*.kam checks clean (exit 0, with
#    --werror) and its tests pass; step 9's tests cover 100%;
#  * every ```kam snippet of the tutorial appears, line for line, in a
#    step file;
#  * every `$ kam ...` command of its ```console blocks runs from the
#    repository's top folder with the exit status it shows (0, or the
#    `# exit N` written after it), and each output line shown under it
#    (but `...`) is a line of its output (trailing blanks ignored). Lines
#    typed at a `kam> ` prompt are fed to the REPL on standard input; the
#    banner a terminal would show first is not checked;
#  * commands that evaluate accounts say --as-of 2026-06-30;
#  * the failing-test output in its ```text block is what kam test prints;
#  * step 9 is examples/key_accounts.kam plus the service_demands flag;
#  * step 11 is examples/lifecycle.kam.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
doc="$ROOT/docs/tutorial.md"
steps="$ROOT/docs/tutorial"
failed=0
fail() { echo "tutorial_steps: $*" >&2; failed=1; }

# --- the step files ----------------------------------------------------------
n=0
for f in "$steps"/step*.kam; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    "$KAM" check --werror "$f" >"$tmp/out" 2>&1 || { fail "kam check $f: exit $?"; head -20 "$tmp/out" >&2; }
    [ -s "$tmp/out" ] && { fail "kam check $f printed something"; head -20 "$tmp/out" >&2; }
    "$KAM" test "$f" >"$tmp/out" 2>&1 || { fail "kam test $f: exit $?"; head -20 "$tmp/out" >&2; }
done
[ "$n" -eq 11 ] || fail "expected 11 step files, found $n"
"$KAM" test --coverage --threshold 100 "$steps/step9.kam" >"$tmp/out" 2>&1 ||
    { fail "step9.kam: tests below 100% coverage"; tail -20 "$tmp/out" >&2; }

# --- split the tutorial into snippets and commands --------------------------
# k.N: the Nth kam snippet; c.N.cmd / c.N.in / c.N.exp: the Nth command, the
# REPL input typed after it, the output lines shown; t.N: the Nth text block.
awk -v dir="$tmp" '
function closeall() { if (cf != "") { close(cf); close(inf); close(ef) } }
/^```/ {
    if (!inblock) {
        inblock = 1; lang = substr($0, 4)
        if (lang == "kam") { nk++; kf = dir "/k." nk; printf "" > kf }
        if (lang == "text") { nt++; tf = dir "/t." nt; printf "" > tf }
    } else {
        inblock = 0
        if (lang == "kam") close(kf)
        if (lang == "text") close(tf)
    }
    next
}
!inblock { next }
lang == "kam" { print > kf; next }
lang == "text" { print > tf; next }
lang == "console" {
    if (substr($0, 1, 2) == "$ ") {
        closeall(); nc++
        cf = dir "/c." nc ".cmd"; inf = dir "/c." nc ".in"; ef = dir "/c." nc ".exp"
        print substr($0, 3) > cf; printf "" > inf; printf "" > ef
        repl = (substr($0, 3) ~ /^kam repl /); prompted = 0
        next
    }
    if (substr($0, 1, 5) == "kam> ") { print substr($0, 6) > inf; prompted = 1; next }
    if ($0 == "..." || $0 == "") next
    if (repl && !prompted) next           # the banner, shown on a terminal only
    sub(/[ \t]+$/, ""); print > ef
}
END { closeall() }
' "$doc"

nk=$(ls "$tmp" | grep -c '^k\.')
nc=$(ls "$tmp" | grep -c '^c\..*\.cmd$')
[ "$nk" -ge 10 ] || fail "only $nk kam snippets found in docs/tutorial.md"
[ "$nc" -ge 20 ] || fail "only $nc commands found in docs/tutorial.md"

# --- every snippet is in a step file -----------------------------------------
i=1
while [ "$i" -le "$nk" ]; do
    found=0
    for f in "$steps"/step*.kam; do
        if awk 'NR == FNR { b[++n] = $0; next } { l[++m] = $0 }
                END { for (i = 1; i + n - 1 <= m; i++) { for (j = 1; j <= n; j++) if (l[i + j - 1] != b[j]) break
                                                        if (j > n) exit 0 }
                      exit 1 }' "$tmp/k.$i" "$f"; then
            found=1; break
        fi
    done
    [ "$found" -eq 1 ] || { fail "kam snippet $i is in no step file:"; head -5 "$tmp/k.$i" >&2; }
    i=$((i + 1))
done

# --- every command runs as shown ----------------------------------------------
seen=""
i=1
while [ "$i" -le "$nc" ]; do
    cmd=$(cat "$tmp/c.$i.cmd")
    want=0
    case "$cmd" in *"# exit "*) want=$(printf '%s\n' "$cmd" | sed 's/.*# exit \([0-9]*\).*/\1/') ;; esac
    case "$cmd" in
    "kam "* | *"| kam "*) ;;
    *) fail "command $i does not run kam: $cmd" ;;
    esac
    for sub in check test "run" --summary explain diff repl graph; do
        case " $cmd " in *" $sub "*) seen="$seen $sub" ;; esac
    done
    case "$cmd" in
    *"kam run "* | *"kam explain "* | *"kam diff "* | *"kam repl "*)
        case "$cmd" in *"--as-of 2026-06-30"*) ;; *) fail "command $i has no --as-of 2026-06-30: $cmd" ;; esac ;;
    esac
    run=$(printf '%s\n' "$cmd" | sed 's/^kam /"$KAM" /; s/| kam /| "$KAM" /g')
    (cd "$ROOT" && KAM="$KAM" sh -c "$run") <"$tmp/c.$i.in" >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "exit $rc, want $want: $cmd"; head -20 "$tmp/out" >&2
    fi
    sed 's/[ 	]*$//' "$tmp/out" >"$tmp/outs"
    while IFS= read -r line; do
        grep -Fxq -e "$line" "$tmp/outs" || { fail "$cmd: no output line: $line"; }
    done <"$tmp/c.$i.exp"
    i=$((i + 1))
done
for sub in check test run --summary explain diff repl graph; do
    case "$seen " in *" $sub "*) ;; *) fail "the tutorial shows no 'kam $sub' command" ;; esac
done

# --- the failing test shown is what kam test prints ---------------------------
sed 's/expect kam_stage == partnership/expect kam_stage == synergistic/' "$steps/step9.kam" >"$tmp/policy.kam"
(cd "$tmp" && "$KAM" test policy.kam --run partnership) >"$tmp/out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "the failing test example exits $rc, want 1"
cmp -s "$tmp/out" "$tmp/t.1" || { fail "the failing test output differs:"; diff "$tmp/t.1" "$tmp/out" >&2; }

# --- step 9 is the shipped example plus one flag -------------------------------
rules() { sed -n '/^policy /,/^# --- examples that must hold/p' "$1" | grep -v '^# --- examples'; }
rules "$ROOT/examples/key_accounts.kam" >"$tmp/example"
rules "$steps/step9.kam" | grep -v 'service_demands\|entitled(multifunctional_team) and not profitable' >"$tmp/step9"
cmp -s "$tmp/example" "$tmp/step9" || { fail "step9.kam's rules differ from examples/key_accounts.kam:"; diff "$tmp/example" "$tmp/step9" >&2; }

# --- step 11 is the life-cycle example -----------------------------------------
cmp -s "$ROOT/examples/lifecycle.kam" "$steps/step11.kam" ||
    fail "docs/tutorial/step11.kam differs from examples/lifecycle.kam"

exit $failed
