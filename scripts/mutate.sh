#!/bin/sh
# mutate.sh — mutation testing (`make mutate`): applies a fixed list of
# small source mutations across lang/, runtime/ and stdlib/ (flipped
# comparisons, off-by-one, swapped operands, dropped conditions, wrong
# folding), one at a time, to a COPY of the tree (the working tree is never
# touched), builds each mutant and runs a quick suite, stopping at its first
# failing test: the spec policies (tests/spec, via tests/cli/spec_policies.sh),
# tests/unit/test_vm_ops.c, the golden tests, then the other unit tests,
# then the CLI tests of the portfolio passes' shortcuts (pass_plain_adds.sh,
# pass_batch.sh).
# A mutant that makes a test fail is killed; one that passes everything
# survived. Prints "N killed, N survived" and each survivor's description;
# docs/testing.md records the score.
#
# Each mutation replaces a literal text that must occur exactly once in its
# file; one that does not (the source changed) is reported "did not apply",
# and so is one that no longer builds: both make the script fail, so the
# list stays honest. Exit 0 when every mutation applied and at least
# MUTATE_MIN percent (default 95) were killed, else 1.
#   MUTATE_ONLY=N   run only mutation number N (as listed by MUTATE_LIST=1)
#   MUTATE_LIST=1   list the mutations without running them
#   VERBOSE=1       show which test killed each mutant
set -u
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
min=${MUTATE_MIN:-95}
only=${MUTATE_ONLY:-}
CC=${CC:-cc}

work=$(mktemp -d "${TMPDIR:-/tmp}/kam-mutate.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT INT TERM
tree="$work/tree"
mkdir -p "$tree"

# The copy: sources, tests and what they read, and build/ for an incremental
# first build (the sanitizer and fuzz builds are left out).
if [ -z "${MUTATE_LIST:-}" ]; then
    echo "mutate: copying the tree to $tree"
    tar -C "$root" --exclude=./.git --exclude=./build/san --exclude=./build/fuzz \
        --exclude=./build/tests -cf - . | tar -C "$tree" -xf - || exit 2
fi

# apply FILE OLD NEW: replaces the one occurrence of OLD in FILE.
cat >"$work/apply.py" <<'EOF'
import sys
path, old, new = sys.argv[1:4]
with open(path, encoding="utf-8") as f:
    text = f.read()
n = text.count(old)
if n != 1:
    print("found %d times, not once" % n)
    sys.exit(1)
with open(path, "w", encoding="utf-8") as f:
    f.write(text.replace(old, new))
EOF

log="$work/log"
build() {
    make -C "$tree" -j2 BUILD=build build/kam build/libkam.a >"$log" 2>&1
}

# The quick suite, in the tree, stopping at the first failure; prints what
# failed. Each step has a time limit (a mutant may loop).
unit() {   # unit NAME: builds and runs tests/unit/NAME.c against the mutant
    bin="$work/$1"
    $CC -std=c11 -O0 -g -Ibase -Ilang -Iruntime -Istdlib -Iinclude -Ibuild/gen -o "$bin" \
        "tests/unit/$1.c" build/libkam.a -lsqlite3 -lzip -lexpat -lxlsxwriter -lm >"$log" 2>&1 || { echo "unit $1 (does not build)"; return 1; }
    timeout 60 "$bin" "$tree/tests" >"$log" 2>&1
    rc=$?
    if [ "$rc" -ne 0 ] || grep -q '^FAIL ' "$log"; then
        echo "unit $1: $(grep -m1 '^FAIL ' "$log")"
        return 1
    fi
    return 0
}

quick_suite() (
    cd "$tree" || exit 2
    kam="$tree/build/kam"
    if ! SPEC_FIRST_FAIL=1 KAM="$kam" ROOT="$tree" timeout 120 sh tests/cli/spec_policies.sh >"$log" 2>&1; then
        echo "spec: $(head -1 "$log")"
        exit 1
    fi
    unit test_vm_ops || exit 1
    for dir in tests/golden/*/; do
        for src in "$dir"*.kam; do
            [ -e "$src" ] || continue
            name=$(basename "$src" .kam)
            [ -e "$dir$name.out" ] || [ -e "$dir$name.err" ] || continue
            if [ -e "$dir$name.args" ]; then args=$(cat "$dir$name.args"); else args="check $name.kam"; fi
            (cd "$dir" && eval "timeout 20 \"$kam\" $args" >"$work/out" 2>"$work/err" </dev/null; echo "exit $?" >>"$work/err")
            if ! cmp -s "$work/out" "$dir$name.out" || ! cmp -s "$work/err" "$dir$name.err"; then
                echo "golden $dir$name"
                exit 1
            fi
        done
    done
    for t in tests/unit/test_*.c; do
        name=$(basename "$t" .c)
        [ "$name" = test_vm_ops ] && continue
        unit "$name" || exit 1
    done
    # the portfolio passes' shortcuts, checked against the VM's way
    for t in pass_plain_adds pass_batch; do
        if ! KAM="$kam" timeout 120 sh "tests/cli/$t.sh" >"$log" 2>&1; then
            echo "cli $t: $(head -1 "$log")"
            exit 1
        fi
    done
    exit 0
)

n=0
killed=0
survived=0
broken=0
survivors=""
problems=""

# mutant FILE OLD NEW DESCRIPTION
mutant() {
    n=$((n + 1))
    if [ -n "${MUTATE_LIST:-}" ]; then
        printf '%3d  %-20s %s\n' "$n" "$1" "$4"
        return
    fi
    [ -n "$only" ] && [ "$only" != "$n" ] && return
    f="$tree/$1"
    cp -p "$f" "$work/orig"
    if ! why=$(python3 "$work/apply.py" "$f" "$2" "$3"); then
        broken=$((broken + 1))
        problems="$problems
  #$n $1: $4: did not apply ($why)"
        printf '%3d  did not apply  %s: %s\n' "$n" "$1" "$4"
        return
    fi
    if ! build; then
        broken=$((broken + 1))
        problems="$problems
  #$n $1: $4: did not build"
        printf '%3d  did not build  %s: %s\n' "$n" "$1" "$4"
        sed 's/^/       /' "$log" | grep -m3 'error' 
    elif what=$(quick_suite); then
        survived=$((survived + 1))
        survivors="$survivors
  #$n $1: $4"
        printf '%3d  SURVIVED       %s: %s\n' "$n" "$1" "$4"
    else
        killed=$((killed + 1))
        printf '%3d  killed         %s: %s%s\n' "$n" "$1" "$4" "${VERBOSE:+ ($what)}"
    fi
    cp "$work/orig" "$f"
    touch "$f"      # newer than the mutant's object: rebuilt next time
}

if [ -z "${MUTATE_LIST:-}" ]; then
    echo "mutate: building and running the quick suite on the unmutated copy"
    if ! build; then cat "$log"; echo "mutate: the unmutated tree does not build" >&2; exit 2; fi
    if ! what=$(quick_suite); then
        echo "mutate: the quick suite fails without any mutation: $what" >&2
        exit 2
    fi
fi

# ---------------------------------------------------------------- the list
# (the first five are the ones measured in issue 12)

# runtime/vm.c: the interpreter
mutant runtime/vm.c \
    'CASE(JFLE_N): if (!(RG(in->a).u.num <= RG(in->b).u.num))' \
    'CASE(JFLE_N): if (!(RG(in->a).u.num < RG(in->b).u.num))' \
    'the <= jump tested as <'
mutant lang/compile.c \
    'if (call_e->where) cond(&g, call_e->where, false, &out);' \
    ';' \
    'a portfolio pass ignores an aggregate'"'"'s where filter'
mutant lang/compile.c \
    '    return more;' \
    '    return more && 0;' \
    'a portfolio pass leaves out what its code reads beyond the rules'"'"' reads (rank arguments, groups)'
mutant lang/compile.c \
    'case OP_SUB: *out = val_num(x - y);' \
    'case OP_SUB: *out = val_num(x + y);' \
    'constant folding turns x - y into x + y'
mutant base/date.c \
    'if (td < fd) months--;' \
    'if (td < fd) months -= 0;' \
    'date_months_between loses its day-of-month adjustment'
mutant runtime/vm.c \
    'RG(in->a).u.num - RG(in->b).u.num, "a difference"' \
    'RG(in->a).u.num + RG(in->b).u.num, "a difference"' \
    'subtraction adds'
mutant lang/check.c \
    'if ((lm && r.flex) || (rm && l.flex)) return ty_make(TY_MONEY);' \
    'if (lm || rm) return ty_make(TY_MONEY);' \
    'the checker lets money mix with ratios in + and -'

mutant runtime/vm.c \
    'CASE(LE_N): RG(in->d) = val_int(RG(in->a).u.num <= RG(in->b).u.num)' \
    'CASE(LE_N): RG(in->d) = val_int(RG(in->a).u.num < RG(in->b).u.num)' \
    'LE_N computes <'
mutant runtime/vm.c \
    'CASE(LT_N): RG(in->d) = val_int(RG(in->a).u.num < RG(in->b).u.num)' \
    'CASE(LT_N): RG(in->d) = val_int(RG(in->a).u.num <= RG(in->b).u.num)' \
    'LT_N computes <='
mutant runtime/vm.c \
    'CASE(JFGE_N): if (!(RG(in->a).u.num >= RG(in->b).u.num))' \
    'CASE(JFGE_N): if (!(RG(in->a).u.num > RG(in->b).u.num))' \
    'the >= jump tested as >'
mutant runtime/vm.c \
    'CASE(GE_I): RG(in->d) = val_int(RG(in->a).u.i >= RG(in->b).u.i)' \
    'CASE(GE_I): RG(in->d) = val_int(RG(in->a).u.i > RG(in->b).u.i)' \
    'GE_I (dates) computes >'
mutant runtime/vm.c \
    'CASE(JFEQ_I): if (RG(in->a).u.i != RG(in->b).u.i)' \
    'CASE(JFEQ_I): if (RG(in->a).u.i == RG(in->b).u.i)' \
    'the member == jump inverted'
mutant runtime/vm.c \
    'RG(in->d) = val_int((x < in->x) & (y < in->x) & (x REL y));' \
    'RG(in->d) = val_int((x < in->x) & (x REL y));' \
    'stage ordering forgets that the right side may be final'
mutant runtime/vm.c \
    'CASE(LT_S): RG(in->d) = val_int(str_cmp(RG(in->a), RG(in->b)) < 0)' \
    'CASE(LT_S): RG(in->d) = val_int(str_cmp(RG(in->a), RG(in->b)) <= 0)' \
    'string < computes <='
mutant runtime/vm.c \
    'return (a.len > b.len) - (a.len < b.len);' \
    'return 0;' \
    'strings compare equal to their prefixes'
mutant runtime/vm.c \
    'if (RG(in->a).u.num == 0) {       /* 0 / 0' \
    'if (RG(in->a).u.num != 0) {       /* 0 / 0' \
    'division by zero: 0 / 0 and x / 0 swapped'
mutant runtime/vm.c \
    'if (in->op == OP_DATE_SUB) days = -days;' \
    ';' \
    'date - days adds'
mutant runtime/vm.c \
    'RG(in->d) = val_num((double)(RG(in->a).u.i - RG(in->b).u.i));' \
    'RG(in->d) = val_num((double)(RG(in->b).u.i - RG(in->a).u.i));' \
    'date - date with its operands swapped'
mutant runtime/vm.c \
    'CASE(COALESCE): RG(in->d) = RG(in->a).missing ? RG(in->b) : RG(in->a);' \
    'CASE(COALESCE): RG(in->d) = RG(in->a).missing ? RG(in->a) : RG(in->b);' \
    '?? takes the wrong side'
mutant runtime/vm.c \
    'RG(in->d) = val_int(RG(in->a).missing != 0);' \
    'RG(in->d) = val_int(RG(in->a).missing == 0);' \
    'is missing inverted'
mutant runtime/vm.c \
    'CASE(NOT): RG(in->d) = val_int(!RG(in->a).u.i);' \
    'CASE(NOT): RG(in->d) = val_int(RG(in->a).u.i);' \
    'not does nothing'
mutant runtime/vm.c \
    'CASE(JT): if (RG(in->a).u.i) ip = code + in->b;' \
    'CASE(JT): if (!RG(in->a).u.i) ip = code + in->b;' \
    'JT jumps on false'
mutant runtime/vm.c \
    'CASE(STAGE_FROM): RG(in->d) = val_int(RG(in->a).u.i < in->x);' \
    'CASE(STAGE_FROM): RG(in->d) = val_int(RG(in->a).u.i <= in->x);' \
    'any -> also leaves the first final stage'
mutant runtime/vm.c \
    'int c = strcmp(x->key, y->key);' \
    'int c = strcmp(y->key, x->key);' \
    'limit ties broken by descending key'
mutant runtime/vm.c \
    'if (x->by != y->by) return x->by > y->by ? -1 : 1;' \
    'if (x->by != y->by) return x->by < y->by ? -1 : 1;' \
    'limit keeps the lowest'
mutant runtime/vm.c \
    'if ((double)in_group > n) continue;' \
    'if ((double)in_group > n + 1) continue;' \
    'limit keeps one too many'
mutant runtime/vm.c \
    'if (v[mid] <= x) lo = mid + 1;' \
    'if (v[mid] < x) lo = mid + 1;' \
    'rank counts ties as above'
mutant runtime/vm.c \
    'if (v[mid] < x) lo = mid + 1;' \
    'if (v[mid] <= x) lo = mid + 1;' \
    'percentile counts ties as below'
mutant runtime/vm.c \
    'return val_num(1.0 + (double)count_above(s->vals, s->nvals, arg.u.num));' \
    'return val_num((double)count_above(s->vals, s->nvals, arg.u.num));' \
    'rank starts at 0'
mutant runtime/vm.c \
    'return val_num(s->sum / (double)s->count);' \
    'return val_num(s->sum / (double)(s->count + 1));' \
    'avg divides by one too many'
mutant runtime/vm.c \
    'if (x < s->min) s->min = x;' \
    'if (x > s->min) s->min = x;' \
    'min aggregate keeps the largest'
mutant runtime/vm.c \
    'if (arg.u.i) s->count++;' \
    's->count++;' \
    'count(cond) ignores its condition'
mutant runtime/vm.c \
    'if (RG(in->b).u.i) vm_agg_add(vm, in->x, RG(in->a));' \
    'vm_agg_add(vm, in->x, RG(in->a));' \
    'an aggregate ignores its where filter'
mutant runtime/vm.c \
    'CASE(LIMIT_ADD):
            if (RG(in->a).u.i) {' \
    'CASE(LIMIT_ADD):
            if (1) {' \
    'a limit ranks records whose select is false'

mutant runtime/vm.c \
    'STAGE_CMP(LE_ST, <=)' \
    'STAGE_CMP(LE_ST, <)' \
    'stage <= computes <'
mutant runtime/vm.c \
    'val_int(rx_search(re, RG(in->a).u.str, RG(in->a).len, work))' \
    'val_int(!rx_search(re, RG(in->a).u.str, RG(in->a).len, work))' \
    'matches() inverted'
mutant runtime/vm.c \
    'keep_or_int(&RG(in->d), !take, bits);' \
    'keep_or_int(&RG(in->d), false, bits);' \
    'a fused score weight (ADD_IF) is added whether its condition holds or not'
mutant runtime/vm.c \
    'X(NE, !=) X(LT, <)' \
    'X(NE, ==) X(LT, <)' \
    'a fused != (OR_N, AND_N, a comparison and its jump) computes =='

# base/date.c: the calendar
mutant base/date.c \
    'return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;' \
    'return y % 4 == 0;' \
    'every fourth year is a leap year (1900, 2100)'
mutant base/date.c \
    'return m == 2 && is_leap(y) ? 29 : dm[m - 1];' \
    'return m == 2 && is_leap(y) ? 28 : dm[m - 1];' \
    'February never has 29 days'
mutant base/date.c \
    'd < 1 || d > days_in_month(y, m))' \
    'd < 1 || d > days_in_month(y, m) + 1)' \
    'a month has a day too many'

# stdlib/: the built-ins
mutant stdlib/dates.h \
    '- (y * 12 + m) - (cx->today_d < day);' \
    '- (y * 12 + m) - (cx->today_d + 1 < day);' \
    'months_since: a month is complete a day early'
mutant stdlib/dates.h \
    '- (y * 12 + m) - (cx->today_d < day);' \
    '- (y * 12 + m);' \
    'months_since loses its day-of-month adjustment'
mutant stdlib/dates.c \
    '*d = val_num((double)(a[1].u.i - a[0].u.i));' \
    '*d = val_num((double)(a[0].u.i - a[1].u.i));' \
    'days_between with its operands swapped'
mutant stdlib/dates.h \
    'return val_num((double)(today - a->u.i));' \
    'return val_num((double)(today - a->u.i - 1));' \
    'days_since off by one'
mutant stdlib/math.c \
    'if (a[i].u.num < m) m = a[i].u.num;' \
    'if (a[i].u.num > m) m = a[i].u.num;' \
    'min() gives the largest'
mutant stdlib/math.c \
    'for (int i = 1; i < n; i++)
        if (a[i].u.num > m) m = a[i].u.num;' \
    'for (int i = 1; i < n - 1; i++)
        if (a[i].u.num > m) m = a[i].u.num;' \
    'max() skips its last argument'
mutant stdlib/math.c \
    '*d = val_num(x < lo ? lo : x > hi ? hi : x);' \
    '*d = val_num(x < lo ? lo : x > hi ? lo : x);' \
    'clamp() above the range gives the low end'
mutant stdlib/math.c \
    '*d = val_num(round(x));' \
    '*d = val_num(floor(x + 0.5));' \
    'round() half up instead of away from zero'
mutant stdlib/math.c \
    '*d = val_num(ceil(a[0].u.num));' \
    '*d = val_num(floor(a[0].u.num) + 1);' \
    'ceil() of a whole number is one more'
mutant stdlib/math.c \
    '*d = val_num(fabs(a[0].u.num));' \
    '*d = val_num(a[0].u.num);' \
    'abs() keeps the sign'
mutant stdlib/str.c \
    "if (upper && c >= 'a' && c <= 'z')" \
    "if (upper && c > 'a' && c <= 'z')" \
    "upper() misses 'a'"
mutant stdlib/str.c \
    "if (!upper && c >= 'A' && c <= 'Z')" \
    "if (!upper && c >= 'A' && c < 'Z')" \
    "lower() misses 'Z'"
mutant stdlib/str.c \
    'if (((unsigned char)a[0].u.str[i] & 0xC0) != 0x80) count++;' \
    'count++;' \
    'len() counts bytes'
mutant stdlib/str.c \
    'int found = lp == 0;' \
    'int found = 0;' \
    'contains(s, "") is false'
mutant stdlib/str.c \
    'i <= ls - lp; i++)' \
    'i < ls - lp; i++)' \
    'contains() misses a part at the end'
mutant stdlib/str.c \
    '*d = val_int(a[1].len <= a[0].len &&' \
    '*d = val_int(a[1].len < a[0].len &&' \
    'starts_with(s, s) is false'
mutant stdlib/registry.c \
    '{"ceil", std_ceil,' \
    '{"ceil", std_floor,' \
    'ceil bound to floor'

# lang/: the checker and the compiler
mutant lang/check.c \
    'if (lm && rm) return ty_make(TY_NUMBER);' \
    'if (lm && rm) return ty_make(TY_MONEY);' \
    'money / money is money'
mutant lang/check.c \
    'if (l.kind == TY_INT && r.kind == TY_INT) return ty_make(TY_INT);' \
    'if (l.kind == TY_INT && r.kind == TY_INT) return ty_make(TY_NUMBER);' \
    'int * int is a number'
mutant lang/check.c \
    'return (a.kind == TY_MONEY) == (b.kind == TY_MONEY);' \
    'return true;' \
    'money compares with ratios'
mutant lang/compile.c \
    'case OP_LE_N: *out = val_int(x <= y);' \
    'case OP_LE_N: *out = val_int(x < y);' \
    'constant folding of <= computes <'
mutant lang/compile.c \
    'case OP_DIV: if (y == 0) return false; *out = val_num(x / y);' \
    'case OP_DIV: if (y == 0) return false; *out = val_num(y / x);' \
    'constant folding of / swaps its operands'
mutant lang/compile.c \
    '[OPX_LE] = OPX_GT' \
    '[OPX_LE] = OPX_GE' \
    'the negated <= branch tests >='
mutant lang/compile.c \
    'cond(g, e->a, !when, out);' \
    'cond(g, e->a, when, out);' \
    'not in a condition is dropped'
mutant lang/compile.c \
    'r = knum(g, -const_val(g, ra).u.num);' \
    'r = knum(g, const_val(g, ra).u.num);' \
    'folding unary minus drops the sign'
mutant lang/compile.c \
    'emit(g, cmp_op(OPX_LE, e->a->ty), x, r, ra, hi);' \
    'emit(g, cmp_op(OPX_LT, e->a->ty), x, r, ra, hi);' \
    'between excludes its high end'
mutant lang/compile.c \
    'else if (ta.kind == TY_DATE) op = e->op == OPX_ADD ? OP_DATE_ADD : OP_DATE_SUB;' \
    'else if (ta.kind == TY_DATE) op = e->op == OPX_ADD ? OP_DATE_SUB : OP_DATE_ADD;' \
    'date + days and date - days swapped'
mutant lang/compile.c \
    'int j = emit(g, e->op == OPX_AND ? OP_JF : OP_JT, 0, 0, r, 0);' \
    'int j = emit(g, e->op == OPX_AND ? OP_JT : OP_JF, 0, 0, r, 0);' \
    'and / or values short-circuit the wrong way'
mutant lang/compile.c \
    'OP_EQ_I, OP_NE_I, OP_LT_ST, OP_LE_ST, OP_GT_ST, OP_GE_ST' \
    'OP_EQ_I, OP_NE_I, OP_LE_ST, OP_LT_ST, OP_GT_ST, OP_GE_ST' \
    'stage < and <= swapped'
mutant lang/compile.c \
    'emit(g, OP_ADD, 0, dst, dst, rw);' \
    'emit(g, OP_SUB, 0, dst, dst, rw);' \
    'a score subtracts its weights'
mutant lang/compile.c \
    'cond(g, b->cond, false, &next);' \
    'cond(g, b->cond, true, &next);' \
    'a tier branch taken when its condition is false'
mutant lang/compile.c \
    'emit(g, OP_STAGE_FROM, en->norder, rt, fr, 0);' \
    'emit(g, OP_STAGE_FROM, en->norder + 1, rt, fr, 0);' \
    'any -> leaves the first final stage'
mutant lang/compile.c \
    'emit(g, cmp_op(OPX_EQ, e->a->ty), 0, r, ra, rb);' \
    'emit(g, cmp_op(OPX_NE, e->a->ty), 0, r, ra, rb);' \
    'in tests each member with !='
mutant lang/parser.y \
    '| MINUS_BOL NUMBER              { $$ = ast_expr(A, EX_NUMBER, @$); $$->num = -$2; }' \
    '| MINUS_BOL NUMBER              { $$ = ast_expr(A, EX_NUMBER, @$); $$->num = $2; }' \
    'a negative score weight counts as positive'
mutant lang/parser.y \
    '{ $$ = ast_binary(A, OPX_SUB, $1, $3, @$); }' \
    '{ $$ = ast_binary(A, OPX_SUB, $3, $1, @$); }' \
    'a - b parsed as b - a'
mutant api/engine.c \
    '    for (int i = 0; i < nadds; i++)
        if (R[adds[i]->b].u.i) vm_agg_add' \
    '    for (int i = 1; i < nadds; i++)
        if (R[adds[i]->b].u.i) vm_agg_add' \
    'a pass of plain adds leaves out its first aggregate'
mutant api/engine.c \
    'if (owner[r] != u) continue;' \
    'if (owner[r] != u || r != sym->slot) continue;' \
    'what-ifs by difference compare a frontier rule'"'"'s value but not its terms'
mutant api/engine.c \
    'if (reads[u][r] && changed[r]) front[u] = in[u] = true;' \
    'if (reads[u][r] && changed[r]) in[u] = true;' \
    'what-ifs by difference run the frontier but compare nothing'
mutant api/engine.c \
    'if (vm_run(vm, c->unit_pc[d->run[i]]) != 0) return 0;' \
    'if (vm_run(vm, c->unit_pc[d->run[i]]) != 0) return 1;' \
    'a record whose frontier fails under the what-if counts as unchanged'
mutant api/engine.c \
    'if (d->ref_e && unit_reads_state(c, c->unit_pc[u], agg_changed, lim_changed)) front[u] = in[u] = true;' \
    'if (d->ref_e && unit_reads_state(c, c->unit_pc[u], agg_changed, lim_changed)) in[u] = true;' \
    'a what-if that redoes a pass leaves the rules reading its aggregates out of the comparison'
mutant runtime/reader_csv.c \
    'm |= (uint64_t)(unsigned)_mm256_movemask_epi8(e) << (32 * i);' \
    'm |= (uint64_t)(unsigned)_mm256_movemask_epi8(e) << (31 * i);' \
    'the AVX2 block scan puts the second 32 bytes'"'"' marks one bit off'
mutant runtime/reader_csv.c \
    'for (;; p += 32) {' \
    'for (;; p += 33) {' \
    'the AVX2 skip of a record'"'"'s rest steps over a byte every 32'
mutant runtime/reader_csv_plain.h \
    'r->line += (long)n;' \
    'r->line += (long)n - (n > 3);' \
    'a run of records read at once for a sum loses a line in the count'
mutant runtime/reader_csv_plain.h \
    'if ((long)nf == key || conv[nf]) goto done;' \
    'if ((long)nf == key) goto done;' \
    'a run of records read at once takes a quoted number it cannot convert'
mutant api/engine.c \
    'if (e->left_out && eng_left_out(e, ordinal + i)) continue;' \
    'if (e->left_out && eng_left_out(e, ordinal + i + 1)) continue;' \
    'a run of records summed at once skips the wrong record left out'
mutant api/engine.c \
    'if (R[adds[a]->b].u.i) vm_agg_add_values(vm, adds[a]->x, cols[col[a]], n);' \
    'if (R[adds[a]->b].u.i) vm_agg_add_values(vm, adds[a]->x, cols[col[a]], n - 1);' \
    'a run of records summed add by add leaves its last record out'
mutant cli/session.c \
    'for (int i = 0; i < n; i++) tmp[j][i] = (double)((const int32_t *)c->v)[r0 + i];' \
    'for (int i = 0; i < n; i++) tmp[j][i] = (double)((const int32_t *)c->v)[r0 + i + (i > 0)];' \
    'the session'"'"'s column sums read a 32-bit column one record off'
mutant cli/cmd_diff.c \
    'counts_regs(&A->k, A);' \
    '(void)0;' \
    'kam diff --set does not count the old side'"'"'s selects of a record found the same'
mutant lang/parser.y \
    '| LE    { $$ = OPX_LE; }' \
    '| LE    { $$ = OPX_LT; }' \
    '<= parsed as <'

# ---------------------------------------------------------------- verdict
[ -n "${MUTATE_LIST:-}" ] && exit 0
total=$((killed + survived))
pct=0
[ "$total" -gt 0 ] && pct=$((killed * 100 / total))
echo
[ -n "$survivors" ] && printf 'survivors:%s\n' "$survivors"
[ -n "$problems" ] && printf 'mutations that could not be tried:%s\n' "$problems"
echo "$killed killed, $survived survived ($pct% killed of $total; $broken did not apply or build)"
[ "$broken" -eq 0 ] && [ "$pct" -ge "$min" ] && [ "$total" -gt 0 ]
