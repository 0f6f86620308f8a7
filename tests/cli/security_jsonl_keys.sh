#!/bin/sh
# kam-test: serial (timing or a terminal: run alone, not beside other tests)
# security_jsonl_keys.sh — JSON Lines keys crafted to collide in the
# reader's duplicate-key hash table (all 99,000 keys of a line land in one
# run of slots) must not make the check quadratic: twelve such 2 MB lines
# took about 100 s before the check fell back to sorting, and take well
# under a second now. Not a timing assertion: `timeout 30` only catches the
# quadratic case, which is minutes away. A duplicate among colliding keys
# is still found and named. See docs/limits.md.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1
command -v timeout >/dev/null 2>&1 || { echo "security_jsonl_keys: no timeout(1)"; exit 77; }

cat >p.kam <<'KAM'
record account {
  id: string key
}
select named when len(id) > 0
KAM

# Each row: the first 14 bytes of a 16-byte key, and the low 2 bits that
# byte 15 must have; byte 16 is free. Every key so built hashes to the same
# slot of a table of up to 2^18 slots (worked out from key_hash).
cat >rows <<'ROWS'
AAAAAA!(BBBGEB2
AAAAAA!+BBBOGB2
AAAAAA!,BBB'@B2
AAAAAA!-BBB_CB2
AAAAAA!/BBB/BB2
AAAAAA!1BBB?FB2
AAAAAA!2BBBWAB2
AAAAAA!4BBBgEB2
AAAAAA!6BBB7DB2
AAAAAA!7BBBoGB2
AAAAAA!>BBBwAB2
AAAAAA!HBBBG@B2
AAAAAA!KBBBOBB2
AAAAAA!LBBB'GB2
AAAAAA!MBBB_FB2
AAAAAA!OBBB/AB2
AAAAAA!QBBB?EB2
AAAAAA!RBBBWDB2
AAAAAA!TBBBg@B2
AAAAAA!VBBB7CB2
AAAAAA!WBBBoBB2
AAAAAA!^BBBwDB2
AAAAAA!hBBBGGB2
AAAAAA!kBBBOAB2
AAAAAA!lBBB'BB2
AAAAAA!mBBB_EB2
AAAAAA!oBBB/DB2
AAAAAA!qBBB?@B2
AAAAAA!rBBBWCB2
AAAAAA!tBBBgGB2
AAAAAA!vBBB7FB2
AAAAAA!wBBBoAB2
AAAAAA!~BBBwCB2
AAAAAA(!BBZYFB1
AAAAAA(#BBZ)AB1
AAAAAA(&BBZQDB1
AAAAAA((BBZa@B1
AAAAAA(*BBZ1CB1
AAAAAA(+BBZiBB1
AAAAAA(-BBZyFB1
AAAAAA(2BBZqDB1
AAAAAA(<BBZAEB1
AAAAAA(?BBZIGB1
AAAAAA(@BBZ!BB1
AAAAAA(ABBZYEB1
AAAAAA(CBBZ)DB1
AAAAAA(EBBZ9@B1
AAAAAA(FBBZQCB1
AAAAAA(HBBZaGB1
AAAAAA(JBBZ1FB1
ROWS

# keys LINES [DUP]: LINES copies of one object with 99,000 colliding keys
# (and DUP, a repeat of the first key, at the end if given)
keys() {
    awk -v lines="$1" -v dup="${2:-}" '
    BEGIN {
        for (c = 33; c < 127; c++)
            if (c != 34 && c != 92 && c != 37) { ok = ok sprintf("%c", c); code[sprintf("%c", c)] = c }
    }
    { row[NR] = $0 }
    END {
        for (l = 1; l <= lines; l++) {
            printf "{"; n = 0
            for (r = 1; r <= NR && n < 99000; r++) {
                head = substr(row[r], 1, 14); low = substr(row[r], 15, 1) + 0
                for (i = 1; i <= length(ok) && n < 99000; i++) {
                    c6 = substr(ok, i, 1)
                    if (code[c6] % 4 != low) continue
                    for (j = 1; j <= length(ok) && n < 99000; j++) {
                        k = head c6 substr(ok, j, 1)
                        if (n == 0) first = k
                        printf "%s\"%s\":1", n ? "," : "", k; n++
                    }
                }
            }
            if (dup != "") printf ",\"%s\":2", first
            printf ",\"id\":\"A%d\"}\n", l
        }
    }' rows
}

keys 12 >wide.jsonl
timeout 30 "$KAM" run p.kam wide.jsonl >out 2>err
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "security_jsonl_keys: 12 lines of colliding keys: exit $rc (124: timed out)" >&2
    head -c 300 err >&2
    failed=1
elif [ "$(wc -l <out)" -ne 13 ]; then
    echo "security_jsonl_keys: 12 lines of colliding keys: $(wc -l <out) output lines, want 13" >&2
    failed=1
fi

keys 1 dup >dup.jsonl
timeout 30 "$KAM" run p.kam dup.jsonl >out 2>err
rc=$?
if [ "$rc" -ne 3 ] || ! grep -q 'dup.jsonl:1: duplicate key "AAAAAA!(BBBGEB&!" (members 1 and 99001 of the object)' err; then
    echo "security_jsonl_keys: a duplicate among colliding keys: exit $rc" >&2
    head -c 300 err >&2
    failed=1
fi
exit $failed
