# examples/embed.c, built against libkam.a through include/kam.h, evaluates
# accounts and a what-if.
set -u
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
lib="$(dirname "$KAM")/libkam.a"
${CC:-cc} -std=c11 -Wall -Wextra -Werror -I"$ROOT/include" -o "$t/embed" "$ROOT/examples/embed.c" "$lib" -lsqlite3 -lzip -lexpat -lxlsxwriter -lm $(case "$KAM" in */san/*) echo -fsanitize=address,undefined;; esac) || exit 1
"$t/embed" "$ROOT/examples/key_accounts.kam" > "$t/out" || { cat "$t/out"; exit 1; }
cat > "$t/want" <<'OUT'
ACME: fit 55, key account yes, tier gold, stage early_kam, dedicated manager yes
SMALLCO: fit 0, key account no, tier standard, stage uncoupling, dedicated manager no
what if the growth floor were 8%?
ACME: fit 80, key account yes, tier gold, stage early_kam, dedicated manager yes
OUT
diff "$t/want" "$t/out" || exit 1
# a broken policy gives diagnostics, not a crash
printf 'record r { id: string key }\nlet x = nope\n' > "$t/bad.kam"
"$t/embed" "$t/bad.kam" 2> "$t/err" && { echo "broken policy accepted"; exit 1; }
grep -q "unknown name 'nope'" "$t/err" || { cat "$t/err"; exit 1; }
exit 0
