# kam report on the command line: the page is self-contained (nothing that
# could load from the network, no script), everything from the data and the
# policy is escaped, the what-if counts what kam diff counts, the output is
# deterministic and written whole or not at all, bad options exit 2, data
# errors exit 3 with the report written and the count shown.
set -u
t=$(mktemp -d)
trap 'chmod -R u+w "$t" 2>/dev/null; rm -rf "$t"' EXIT
cd "$t" || exit 2
name=report_cli
. "$ROOT/tests/cli/lib/expect.sh"
failed=0
P="$ROOT/examples/key_accounts.kam"; D="$ROOT/examples/accounts.csv"
G="$ROOT/tests/golden/report"
no() { echo "$name: $*" >&2; failed=1; }

# --- self-contained: nothing that loads anything, no script
"$KAM" report "$P" "$D" --as-of 2026-06-30 -o ex.html || no "the example report failed"
"$KAM" report "$G/page_html.kam" "$G/page_html.csv" --as-of 2026-06-30 --set floor=5% -o esc.html 2>/dev/null
[ $? -eq 3 ] || no "a report with a record left out should exit 3"
for f in ex.html esc.html; do
    [ -s "$f" ] || { no "$f not written"; continue; }
    grep -qi -e 'http://' -e 'https://' -e '//[a-z0-9.-]*\.[a-z]' "$f" && no "$f names a network address"
    grep -qi -e '<script' -e '<iframe' -e '<object' -e '<embed' -e '<img' -e '@import' "$f" && no "$f has script or embedded content"
    grep -qi 'src=' "$f" && no "$f has a src= attribute"
    grep -o -i 'url([^)]*' "$f" | grep -v -q -i 'url(data:' && no "$f has a url() that is not data:"
    grep -o -i '<link[^>]*>' "$f" | grep -v -q 'href="data:,"' && no "$f links to something"
    grep -q '@media print' "$f" && grep -q 'break-inside:avoid' "$f" || no "$f has no print stylesheet"
    grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$f" || no "$f has no CSP"
done

# --- escaping: the key <script>alert(1)</script>, B&Q, a title with <
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' esc.html || no "the key with <script> is not escaped"
grep -q 'B&amp;Q' esc.html || no "B&Q is not escaped"
grep -q '<h1>Growth &lt;review&gt; &amp; risks</h1>' esc.html || no "the title is not escaped"
grep -q 'revenue under 10k &lt;watch&gt; &amp; call' esc.html || no "the flag text is not escaped"
# descriptions, labels, terms and the display name ("Acme & <b>Sons</b>") stay text
grep -q '<b>Sons</b>' esc.html && no "the display name's markup is not escaped"
grep -q '<span class="note">Acme &amp; &lt;b&gt;Sons&lt;/b&gt;</span>' esc.html || no "the display name is not in the key list"
grep -q '<span class="dn">Acme &amp; &lt;b&gt;Sons&lt;/b&gt;</span>' esc.html || no "the display name is not on the card"
grep -q 'Key &amp; &lt;b&gt;account&lt;/b&gt; (<code>key_account</code>)' esc.html || no "the select's description is not shown"
grep -q 'Account &lt;manager&gt; — SLA &lt;hours&gt; 4, note &quot;call &amp; &lt;b&gt;&quot;' esc.html ||
    no "the account's terms are not shown (escaped)"
grep -q 'data-k="terms.manager.note.values.call &amp; &lt;b&gt;" data-v="2"' esc.html || no "a text term's value key is not escaped"
grep -q '<td>key &lt;accounts&gt; &amp; co</td>' esc.html || no "the tier branch's label is not shown"
grep -q 'prospect → partner: trust &lt;established&gt;' esc.html || no "the transition's label is not shown"
grep -q '<td><code>manager.hours</code></td><td>8</td><td>4</td>' esc.html || no "the what-if does not show the changed term"
"$KAM" diff "$G/page_html.kam" "$G/page_html.csv" --as-of 2026-06-30 --set floor=5% --format table >pdiff.txt 2>/dev/null
want=$(sed -n 's/^\([0-9]*\) of [0-9]* accounts changed.*/\1/p' pdiff.txt)
got=$(sed -n 's/.*data-k="whatif.changed" data-v="\([0-9]*\)".*/\1/p' esc.html)
[ -n "$want" ] && [ "$want" = "$got" ] || no "with a changed term the what-if says $got accounts change, kam diff $want"
grep -q 'Priority support — SLA hours 4' ex.html || no "the example's key accounts do not show their terms"
grep -q 'data-k="terms.custom_pricing.max_discount.min" data-v="0.12">12%<' ex.html || no "a percent term's lowest value is not 12%"
"$KAM" report "$G/page_md.kam" "$G/page_md.csv" --as-of 2026-06-30 --format md >esc.md 2>/dev/null
grep -q '<' esc.md && no "the Markdown has a raw <"

# --- the figures left out are shown, and the report still written
grep -q 'data-k="records_left_out" data-v="1"' esc.html || no "the left-out count is not shown"

# --- a term whose value is 1 is a term, not an entitlement of its own
printf 'record account {\n  id: string key\n  revenue: money\n}\nselect big when revenue > 1M\nentitle seats when big with { n: 1 }\n' >one.kam
printf 'id,revenue\nA,2000000\n' >one.csv
"$KAM" report one.kam one.csv --as-of 2026-06-30 --format md >one.md 2>/dev/null || no "the report with a term of 1 failed"
grep -q '| seats — n 1 |' one.md || no "the key list does not show seats with its term n 1"
grep -q 'seats\\.n\|seats.n' one.md && no "the term seats.n is listed as an entitlement"

# --- data that cannot be read to its end: no report at all
printf 'id,revenue\nA,2000000\n"B,7\nC,9\n' >stops.csv
printf 'record account {\n  id: string key\n  revenue: money\n}\nselect big when revenue > 1M\n' >stops.kam
expect 3 "no report" "data that stops early" report stops.kam stops.csv -o stops.html
[ -e stops.html ] && no "a report of data that stops early was written"

# --- the what-if counts what kam diff counts
"$KAM" report "$P" "$D" --as-of 2026-06-30 --set key_threshold=50 -o wi.html || no "the what-if report failed"
"$KAM" diff "$P" "$D" --as-of 2026-06-30 --set key_threshold=50 --format table >diff.txt
want=$(sed -n 's/^\([0-9]*\) of [0-9]* accounts changed.*/\1/p' diff.txt)
got=$(sed -n 's/.*data-k="whatif.changed" data-v="\([0-9]*\)".*/\1/p' wi.html)
[ -n "$want" ] && [ "$want" = "$got" ] || no "the what-if says $got accounts change, kam diff $want"
sel=$(sed -n 's/^key_account: \([0-9]*\) -> \([0-9]*\).*/\1 \2/p' diff.txt)
gsel="$(sed -n 's/.*data-k="whatif.key_account.before" data-v="\([0-9]*\)".*/\1/p' wi.html) $(sed -n 's/.*data-k="whatif.key_account.after" data-v="\([0-9]*\)".*/\1/p' wi.html)"
[ "$sel" = "$gsel" ] || no "key_account before/after: report '$gsel', kam diff '$sel'"
rows=$(grep -c '<tr><td rowspan=' wi.html)
[ "$rows" = "$want" ] || no "the what-if lists $rows accounts, not $want"
[ "$(grep -c 'id="what-if"' ex.html)" = 0 ] || no "a what-if section without --set"

# --- deterministic; the default date is today
"$KAM" report "$P" "$D" --as-of 2026-06-30 -o ex2.html && cmp -s ex.html ex2.html || no "two runs differ"
"$KAM" report "$P" "$D" --format md >today.md
grep -q "as of $(date +%Y-%m-%d)" today.md || no "without --as-of the date is not today"
"$KAM" report "$P" "$D" --as-of 2026-06-30 -o - >stdout.html && cmp -s ex.html stdout.html || no "-o - differs from -o FILE"

# --- bad options and inputs
expect 2 "unknown option" "an unknown option" report "$P" "$D" --bogus
expect 2 "html or md" "--format pdf" report "$P" "$D" --format pdf
expect 2 "no data file" "no data" report "$P"
expect 2 "too many" "three files" report "$P" "$D" "$D"
expect 2 "does not apply" "--on-error" report "$P" "$D" --on-error skip
expect 2 "file name" "-o without a name" report "$P" "$D" -o
expect 2 "not money" "--revenue not money" report "$P" "$D" --revenue trust
expect 2 "" "--set of no param" report "$P" "$D" --set nosuch=1 -o x.html
expect 2 "" "a --where that does not check" report "$P" "$D" --where "trust +" -o x.html
expect 2 "" "no such data file" report "$P" nosuch.csv -o x.html
printf 'record a { id: string key }\nselect s when nosuch\n' >bad.kam
expect 1 "" "a policy with errors" report bad.kam "$D" -o x.html
[ -e x.html ] && no "a failed report left x.html"

# --- written whole or not at all
expect 2 "" "-o in a missing folder" report "$P" "$D" -o nosuch/r.html
mkdir ro && chmod a-w ro
if [ "$(id -u)" != 0 ]; then
    expect 2 "" "-o in a read-only folder" report "$P" "$D" -o ro/r.html
fi
[ -z "$(ls ro)" ] || no "a partial file in the read-only folder: $(ls ro)"
cp "$D" data.csv
expect 2 "data file" "-o the data file" report "$P" data.csv -o data.csv
cmp -s "$D" data.csv || no "the data file was overwritten"
echo old >keep.html
expect 2 "" "a failing report over an existing file" report "$P" "$D" --set nosuch=1 -o keep.html
[ "$(cat keep.html)" = old ] || no "a failed report changed the existing file"
ls -a | grep -q '\.tmp\|kam-' && no "temporary files left: $(ls -a)"

# --- HTML is not written to a terminal (a hint instead)
if command -v script >/dev/null; then
    script -qec "$KAM report $P $D" /dev/null >tty.out 2>&1 </dev/null
    grep -q -- "-o report.html" tty.out || no "no hint on a terminal: $(head -c 300 tty.out)"
    grep -q '<html' tty.out && no "HTML written to a terminal"
fi
# --- counts of a thousand and more read alike in HTML and Markdown (1,200)
awk -F, 'NR == 1 { print; next } { for (k = 0; k < 10; k++) { r = $0; sub(/^[^,]*/, $1 "-" k, r); print r } }' "$D" >big.csv
"$KAM" report "$P" big.csv --as-of 2026-06-30 --set key_threshold=0 --format md -o big.md || no "the 1,200-account report failed"
"$KAM" report "$P" big.csv --as-of 2026-06-30 --set key_threshold=0 -o big.html || no "the 1,200-account HTML report failed"
n=$("$KAM" diff "$P" big.csv --as-of 2026-06-30 --set key_threshold=0 --format csv 2>/dev/null | cut -d, -f1 | sed 1d | sort -u | wc -l)
[ "$n" -ge 1000 ] || no "the what-if should change over 1,000 accounts, kam diff says $n"
want=$(printf "%'d" "$n" 2>/dev/null | grep , || echo "$n" | sed 's/\(.*\)\([0-9]\{3\}\)$/\1,\2/')
grep -q "$want accounts change outcome" big.md || no "Markdown what-if count is not $want: $(grep 'change outcome' big.md | head -c 200)"
grep -q "$want" big.html || no "HTML what-if count $want not found"
exit $failed
