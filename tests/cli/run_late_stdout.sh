# A record found late (pass one counted it, pass two cannot read it) makes
# kam run do both passes again without it and throw away what pass two
# wrote the first time. Wherever standard output goes, what arrives must be
# exactly the final output: the same as a run on the data without that
# record, with the same messages and exit status. Checked for CSV and JSON
# Lines, on one worker and on two (small chunks), with stdout a pipe, a
# regular file (written in place and cut back: the first try's output is
# longer than the final one), a file after some lines already written, a
# file opened for appending, a file opened read-write over longer contents,
# a file shared with stderr, /dev/null, and --out. Also: stdout closed or
# /dev/full is a write error (exit 2), never a silent success.
set -u
case $KAM in /*) ;; *) KAM=$(pwd)/$KAM ;; esac
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
cd "$t" || exit 1

cat >late.kam <<'KAM'
record account {
  id: string key
  revenue: money
  since: date
}
flag above "revenue above the portfolio's average" when revenue > avg(revenue)
flag old "an account since before 2020" when since < 2020-01-01
KAM
# A01700 has a huge negative revenue (pass one's average takes it) and an
# impossible date (only pass two reads it): on the first try every account
# is above the average, on the second about half
awk 'BEGIN {
    print "id,revenue,since" > "late.csv"
    print "id,revenue,since" > "clean.csv"
    print "id,revenue,since" > "fixed.csv"
    for (i = 0; i < 3000; i++) {
        id = sprintf("A%05d", i)
        rev = 1000 + (i * 37) % 5000
        d = sprintf("20%02d-0%d-1%d", 10 + i % 15, 1 + i % 9, i % 10)
        if (i == 1700) {
            printf "%s,-900000000,2019-02-30\n", id > "late.csv"
            printf "%s,-900000000,2019-02-28\n", id > "fixed.csv"
            printf "{\"id\":\"%s\",\"revenue\":-900000000,\"since\":\"2019-02-30\"}\n", id > "late.jsonl"
            printf "{\"id\":\"%s\",\"revenue\":-900000000,\"since\":\"2019-02-28\"}\n", id > "fixed.jsonl"
            continue
        }
        line = sprintf("%s,%d,%s", id, rev, d)
        print line > "late.csv"; print line > "clean.csv"; print line > "fixed.csv"
        js = sprintf("{\"id\":\"%s\",\"revenue\":%d,\"since\":\"%s\"}", id, rev, d)
        print js > "late.jsonl"; print js > "clean.jsonl"; print js > "fixed.jsonl"
    }
}' || exit 1

fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

for f in csv jsonl; do
    # the final output: the run on the data without the late record
    "$KAM" run late.kam clean.$f --format $f >expect.$f 2>clean.err || { bad "$f: the clean run failed"; cat clean.err; continue; }
    [ -s expect.$f ] || { bad "$f: no output"; continue; }
    # the first try's output (A01700 readable, not written) is longer, so
    # a file written in place must be cut back
    "$KAM" run late.kam fixed.$f --format $f 2>/dev/null | grep -v A01700 >first.$f
    [ "$(wc -c <first.$f)" -gt "$(wc -c <expect.$f)" ] || bad "$f: the first try is not longer; the test proves nothing"
    for j in 1 2; do
        run() { KAM_CHUNK_BYTES=4096 "$KAM" run -j $j late.kam late.$f --format $f "$@"; }
        w="$f -j $j"
        run >ref.out 2>ref.err
        rc=$?
        [ $rc -eq 3 ] || bad "$w: exit $rc, not 3"
        cmp -s ref.out expect.$f || bad "$w: stdout as a file is not exactly the final output ($(wc -c <ref.out) bytes, not $(wc -c <expect.$f))"
        grep -q 'late\.'$f':.*field "since": expected a date' ref.err || bad "$w: no message for the late record"
        [ "$(grep -c . ref.err)" -eq 2 ] || { bad "$w: messages"; cat ref.err; }
        grep -q '^kam: 1 of 3000 records had errors and were left out of the output$' ref.err || bad "$w: no count"

        run 2>pipe.err | cat >pipe.out
        cmp -s pipe.out expect.$f || bad "$w: stdout as a pipe differs"
        cmp -s pipe.err ref.err || bad "$w: messages differ with a pipe"

        { echo "a line before"; run; } >pre.out 2>/dev/null
        { echo "a line before"; cat expect.$f; } | cmp -s - pre.out || bad "$w: output after a line already in the file differs"

        echo "old contents" >app.out
        run >>app.out 2>/dev/null
        { echo "old contents"; cat expect.$f; } | cmp -s - app.out || bad "$w: appended output differs"

        # read-write, not truncated: the output over the start, the rest kept
        awk 'BEGIN { for (i = 0; i < 20000; i++) print "old line", i }' >rw.out
        cp rw.out rw.old
        run 1<>rw.out 2>/dev/null
        n=$(wc -c <expect.$f)
        { cat expect.$f; tail -c +$((n + 1)) rw.old; } | cmp -s - rw.out || bad "$w: 1<> output differs"

        # shared with stderr: the held message first, then the output, then the count
        run >both.out 2>&1
        { head -1 ref.err; cat expect.$f; tail -1 ref.err; } | cmp -s - both.out || bad "$w: stdout and stderr in one file differ"

        run >/dev/null 2>null.err
        rc=$?
        [ $rc -eq 3 ] || bad "$w: exit $rc to /dev/null"
        cmp -s null.err ref.err || bad "$w: messages differ to /dev/null"

        rm -f out.$f
        run --out out.$f 2>out.err
        cmp -s out.$f expect.$f || bad "$w: --out differs"
        cmp -s out.err ref.err || bad "$w: messages differ with --out"

        run 2>closed.err >&-
        rc=$?
        [ $rc -eq 2 ] || bad "$w: exit $rc with stdout closed, not 2"
        grep -q '^kam: writing the output failed: ' closed.err || { bad "$w: no write error with stdout closed"; cat closed.err; }
        if [ -w /dev/full ]; then
            run >/dev/full 2>full.err
            rc=$?
            [ $rc -eq 2 ] || bad "$w: exit $rc to /dev/full, not 2"
            grep -q '^kam: writing the output failed: No space left on device' full.err || { bad "$w: no write error to /dev/full"; cat full.err; }
        fi
    done
done
[ $fails -eq 0 ] || exit 1
exit 0
