# fuzz.mk — fuzzing and valgrind targets, included from the Makefile (after
# its own variables: it uses BUILD, SRC_BASE, SRC_LANG, SRC_RUNTIME, SRC_STDLIB and the
# rules that generate $(BUILD)/gen/parser.c and lexer.c).
#
#   make fuzz                  build the five libFuzzer harnesses and run each
#                              for FUZZ_SECONDS (default 60), FUZZ_JOBS at once
#   make fuzz FUZZ_SECONDS=300 FUZZ_TARGETS="policy csv"
#   make fuzz-build            only build them (build/fuzz/fuzz_*)
#   make fuzz-regress          run every saved crash (fuzz/regressions/) once
#   make valgrind              build/kam under valgrind over the check goldens
#                              and some run goldens: "N passed, N failed"
#
# Harnesses are built with clang's libFuzzer, ASan and UBSan from the
# sources (not libkam.a, which is built without coverage instrumentation).
# Seeds: fuzz/seeds/<name>/ (hand-written), the policies, CSV and JSON
# files of examples/ and tests/ (copied into build/fuzz/seeds/<name>/), and
# fuzz/regressions/<name>/ (every crash found so far). New inputs found go
# to build/fuzz/corpus/<name>/, crashes to build/fuzz/crashes/<name>/.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 2
FUZZ_TARGETS ?= policy csv jsonl repl lsp
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# KAM_ARENA_SEPARATE: each arena allocation its own malloc (base/arena.c),
# so ASan's red zones separate strings such as enum member names
# KAM_FUZZING: cli/repl_cmds.c aborts on an expression checked without a type
FUZZ_BASE    := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -std=c11 -DKAM_ARENA_SEPARATE -DKAM_FUZZING \
                -DKAM_ROOT='"$(CURDIR)"' -I$(BUILD)/gen -Ibase -Ilang -Iruntime -Istdlib -Iinclude -Icli
# the house warnings, without -Werror: a clang-only warning must not stop fuzzing
FUZZ_CFLAGS  := $(FUZZ_BASE) -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
                -Wwrite-strings
# flex/bison output: the Makefile relaxes the same warnings for it
FUZZ_GENFLAGS := $(FUZZ_BASE) -Wall -Wextra -Wno-unused-function -Wno-sign-compare -Wno-unused-parameter

FUZZ_LIB_SRC := $(SRC_BASE) $(SRC_LANG) $(SRC_RUNTIME) $(SRC_STDLIB) $(SRC_API)
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o) \
                $(FUZZ_DIR)/obj/gen/parser.o $(FUZZ_DIR)/obj/gen/lexer.o
# the REPL harness: the REPL's dispatch (repl_cmds.c), the session and what
# they call, not main.c or repl.c (readline)
FUZZ_CLI_OBJ := $(addprefix $(FUZZ_DIR)/obj/cli/,cli.o repl_cmds.o session.o format.o run.o run_par.o outfile.o report.o progress.o coverage.o explain.o explain_change.o)

# the language server harness: its transport, features and JSON values
FUZZ_LSP_OBJ := $(addprefix $(FUZZ_DIR)/obj/cli/,lsp_server.o lsp_features.o lsp_doc.o lsp_json.o)

FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-seeds fuzz-regress valgrind

$(FUZZ_DIR)/obj/gen/%.o: $(BUILD)/gen/%.c $(BUILD)/gen/parser.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_GENFLAGS) -c $< -o $@

$(FUZZ_DIR)/obj/%.o: %.c $(BUILD)/gen/parser.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/fuzz_policy $(FUZZ_DIR)/fuzz_csv $(FUZZ_DIR)/fuzz_jsonl: \
		$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_input.h $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(LDLIBS)

$(FUZZ_DIR)/fuzz_repl: fuzz/fuzz_repl.c $(FUZZ_CLI_OBJ) $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_CLI_OBJ) $(FUZZ_LIB_OBJ) $(LDLIBS) -pthread

$(FUZZ_DIR)/fuzz_lsp: fuzz/fuzz_lsp.c $(FUZZ_LSP_OBJ) $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LSP_OBJ) $(FUZZ_LIB_OBJ) $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# Seeds from the tree, copied flat (libFuzzer reads directories, not globs).
fuzz-seeds:
	@rm -rf $(FUZZ_DIR)/seeds
	@mkdir -p $(FUZZ_DIR)/seeds/policy $(FUZZ_DIR)/seeds/csv $(FUZZ_DIR)/seeds/jsonl $(FUZZ_DIR)/seeds/repl $(FUZZ_DIR)/seeds/lsp
	@n=0; for f in examples/*.kam $$(find tests -name '*.kam'); do n=$$((n+1)); \
	    cp "$$f" $(FUZZ_DIR)/seeds/policy/$$n-$$(basename "$$f"); done
	@n=0; for f in examples/*.csv $$(find tests -name '*.csv' -size -64k); do n=$$((n+1)); \
	    cp "$$f" $(FUZZ_DIR)/seeds/csv/$$n-$$(basename "$$f"); done
	@n=0; for f in $$(find tests \( -name '*.jsonl' -o -name '*.json' \) -size -64k); do n=$$((n+1)); \
	    cp "$$f" $(FUZZ_DIR)/seeds/jsonl/$$n-$$(basename "$$f"); done
	@n=0; for f in $$(find tests -name '*.txt' -path '*repl*'); do n=$$((n+1)); \
	    cp "$$f" $(FUZZ_DIR)/seeds/repl/$$n-$$(basename "$$f"); done

# Each harness for FUZZ_SECONDS, FUZZ_JOBS at a time; fails if any crashed
# (the crash files are then in build/fuzz/crashes/NAME/ and the log says
# which). Minimize one with:
#   build/fuzz/fuzz_NAME -minimize_crash=1 -runs=100000 CRASH-FILE
fuzz: fuzz-build fuzz-seeds
	@mkdir -p $(FUZZ_DIR)/logs
	@for t in $(FUZZ_TARGETS); do mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/crashes/$$t fuzz/regressions/$$t; done
	@echo "fuzzing $(FUZZ_TARGETS) for $(FUZZ_SECONDS)s each, $(FUZZ_JOBS) at a time (logs in $(FUZZ_DIR)/logs)"
	@printf '%s\n' $(FUZZ_TARGETS) | xargs -P $(FUZZ_JOBS) -I{} sh -c '\
	    case {} in policy) opt="-dict=fuzz/kam.dict -max_len=16384" ;; repl) opt="-dict=fuzz/kam.dict -max_len=4096" ;; lsp) opt="-dict=fuzz/json.dict -max_len=16384" ;; \
	        csv) opt="-dict=fuzz/csv.dict -max_len=65536" ;; jsonl) opt="-dict=fuzz/json.dict -max_len=65536" ;; *) opt= ;; esac; \
	    $(FUZZ_DIR)/fuzz_{} -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	        $$opt -artifact_prefix=$(FUZZ_DIR)/crashes/{}/ -print_final_stats=1 \
	        $(FUZZ_DIR)/corpus/{} fuzz/seeds/{} $(FUZZ_DIR)/seeds/{} fuzz/regressions/{} \
	        >$(FUZZ_DIR)/logs/{}.log 2>&1; \
	    rc=$$?; \
	    runs=$$(grep -o "stat::number_of_executed_units: *[0-9]*" $(FUZZ_DIR)/logs/{}.log | grep -o "[0-9]*$$"); \
	    if [ $$rc -eq 0 ]; then echo "fuzz_{}: $${runs:-?} executions, no crash"; \
	    else echo "fuzz_{}: CRASH (exit $$rc) after $${runs:-?} executions; see $(FUZZ_DIR)/logs/{}.log"; \
	        grep -m1 -A12 "ERROR:\|runtime error\|deadly signal\|timeout" $(FUZZ_DIR)/logs/{}.log | sed "s/^/    /"; exit 1; fi'

# The saved crashes, once each: a fixed bug stays fixed.
fuzz-regress: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	    files=$$(find fuzz/regressions/$$t -type f 2>/dev/null); \
	    [ -z "$$files" ] && continue; \
	    $(FUZZ_DIR)/fuzz_$$t -runs=1 $$files >$(FUZZ_DIR)/regress-$$t.log 2>&1 \
	        && echo "fuzz_$$t: $$(echo $$files | wc -w) regression inputs pass" \
	        || { echo "fuzz_$$t: a regression input fails, see $(FUZZ_DIR)/regress-$$t.log"; exit 1; }; \
	done

# build/kam under valgrind: every check golden (its .args, run from its
# folder as tests/run.sh does) and the run/repl/data goldens; a test fails
# when valgrind reports an error or a leak (exit 99). kam's own exit status
# is not judged here: tests/run.sh does that.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
valgrind: $(BUILD)/kam
	@command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 2; }
	@root=$$(pwd); passed=0; failed=0; \
	for src in tests/golden/check/*.kam tests/golden/run/*.kam tests/golden/data/*.kam tests/golden/repl/*.kam; do \
	    dir=$$(dirname $$src); name=$$(basename $$src .kam); \
	    [ -e $$dir/$$name.err ] || continue; \
	    if [ -e $$dir/$$name.args ]; then args=$$(cat $$dir/$$name.args); else args="check $$name.kam"; fi; \
	    (cd $$dir && eval "$(VALGRIND) --log-file=$$root/$(BUILD)/valgrind.log \"$$root/$(BUILD)/kam\" $$args" \
	        >/dev/null 2>&1 </dev/null); rc=$$?; \
	    if [ $$rc -eq 99 ]; then failed=$$((failed+1)); echo "FAIL valgrind $$src"; \
	        sed 's/^/     /' $(BUILD)/valgrind.log | head -30; \
	    else passed=$$((passed+1)); fi; \
	done; \
	rm -f $(BUILD)/valgrind.log; \
	echo "$$passed passed, $$failed failed"; [ $$failed -eq 0 ]

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
