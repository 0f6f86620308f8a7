# kam's commands agree with each other on random policies (the policies and
# accounts of tests/property/sql_random.py: every construct, ties, missing
# and unreadable values): kam run -j 1 against -j 2 with tiny chunks and
# against standard input, kam explain --id, kam diff --set and the REPL's
# counts (tests/property/random_agree.py says what exactly). RANDOM_AGREE_N
# seeds (default 40) from RANDOM_AGREE_FIRST (default 1); a failure prints
# its seed: tests/property/random_agree.py --seed S reproduces it. Against
# the sanitizer build (KAM_TEST_SANITIZED=1, tests/run.sh) 10 seeds.
# kam-test: long
if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3
elif command -v python3 >/dev/null; then py=python3
else echo "skipped: no python3"; exit 77; fi
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
"$py" "$ROOT/tests/property/random_agree.py" --kam "$KAM" --seeds "${RANDOM_AGREE_N:-$([ -n "${KAM_TEST_SANITIZED:-}" ] && echo 10 || echo 40)}" \
    --first "${RANDOM_AGREE_FIRST:-1}" >"$t/out" 2>&1 || { grep -v '^PASS' "$t/out" | head -60; exit 1; }
exit 0
