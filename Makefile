# kam — build, test, install.
#   make            build build/kam (installs flex/bison etc. if missing)
#   make test       the whole test suite, normal build and under ASan+UBSan
#   make mutate     mutation testing: how many planted bugs the suite catches
#   make demo       check and run the bundled example; write its report
#   make editors-deps  the npm packages of the editor tests (network, once)
#   make vsix       the VS Code extension, build/kam.vsix (after editors-deps)
#   make sql-deps   DuckDB's library for the SQL engine tests (network, once)
#   make install    PREFIX=/usr/local (binary in $(PREFIX)/bin/kam)
# Honours CC, CFLAGS, CPPFLAGS, LDFLAGS, PREFIX, DESTDIR.

CC      ?= cc
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local
BUILD   ?= build

WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wwrite-strings
# flex and bison output trips a few of the stricter warnings
GENWARN := -std=c11 -Wall -Wextra -Werror -Wno-unused-function -Wno-sign-compare \
           -Wno-unused-parameter
# Each layer sees only itself and the layers below it (docs/design.md,
# "Layers"; tests/cli/layers.sh checks the includes themselves):
# base -> stdlib -> runtime -> lang -> api -> cli.
INC_base    := -Ibase
INC_stdlib  := $(INC_base) -Istdlib
INC_runtime := $(INC_stdlib) -Iruntime
INC_lang    := $(INC_runtime) -Ilang -I$(BUILD)/gen
INC_api     := $(INC_lang) -Iapi -Iinclude
INC_cli     := $(INC_api) -Icli
INC_gen     := $(INC_lang)
LDLIBS  := -lsqlite3 -lzip -lexpat -lxlsxwriter -lm
CLI_LIBS := -lreadline -pthread

SRC_BASE    := base/arena.c base/date.c base/decimal.c base/mapfile.c base/numfmt.c base/srcfile.c
SRC_LANG    := lang/diag.c lang/ast.c lang/types.c lang/check.c lang/stages.c lang/order.c lang/load.c lang/compile.c lang/schema.c lang/fmt.c lang/query.c lang/sql.c lang/sql_regex.c
SRC_RUNTIME := runtime/vm.c runtime/disasm.c runtime/reader_csv.c \
               runtime/reader.c runtime/writer.c runtime/json.c runtime/reader_jsonl.c \
               runtime/reader_sqlite.c runtime/reader_pct.c runtime/rx.c runtime/reader_xlsx.c \
               runtime/writer_xlsx.c runtime/vm_batch.c
SRC_API     := api/engine.c api/kam.c
SRC_STDLIB  := stdlib/registry.c stdlib/math.c stdlib/dates.c stdlib/str.c
SRC_CLI     := cli/main.c cli/cli.c cli/cmd_check.c cli/cmd_run.c cli/cmd_disasm.c cli/run.c \
               cli/run_par.c cli/outfile.c cli/session.c cli/format.c cli/repl.c cli/repl_cmds.c cli/explain.c cli/explain_change.c cli/cmd_explain.c cli/cmd_diff.c cli/cmd_graph.c cli/report.c cli/progress.c cli/coverage.c cli/cmd_test.c cli/cmd_fmt.c \
               cli/cmd_report.c cli/cmd_sql.c cli/report_render.c cli/report_html.c cli/report_md.c \
               cli/cmd_lsp.c cli/lsp_server.c cli/lsp_features.c cli/lsp_doc.c cli/lsp_json.c
GEN         := $(BUILD)/gen/parser.c $(BUILD)/gen/lexer.c

LIB_SRC := $(SRC_BASE) $(SRC_LANG) $(SRC_RUNTIME) $(SRC_STDLIB) $(SRC_API)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/parser.o $(BUILD)/obj/gen/lexer.o
CLI_OBJ := $(SRC_CLI:%.c=$(BUILD)/obj/%.o)

.PHONY: all test test-fast sanitize demo bench install uninstall clean deps

all: $(BUILD)/kam $(BUILD)/libkam.a

deps: $(BUILD)/.deps-ok

$(BUILD)/.deps-ok: scripts/deps.sh
	@CC="$(CC)" sh scripts/deps.sh
	@mkdir -p $(BUILD) && touch $@

# what the tests use besides the build (jq, tmux, sqlite3, python3)
$(BUILD)/.test-deps-ok: scripts/deps.sh
	@CC="$(CC)" sh scripts/deps.sh test
	@mkdir -p $(BUILD) && touch $@

# The editor support's npm packages (docs/testing.md): vscode-languageclient
# (bundled in the .vsix), @vscode/vsce and vscode-tmgrammar-test, at the
# versions editors/vscode/package-lock.json pins. `npm ci` needs the network:
# `make test` tries it once (when npm is here and the lock file is new to
# this build); if that fails, the editors_* tests skip, naming this target.
# npm writes node_modules/.package-lock.json last.
.PHONY: editors-deps vsix
editors-deps: editors/vscode/node_modules/.package-lock.json

editors/vscode/node_modules/.package-lock.json: editors/vscode/package.json editors/vscode/package-lock.json
	cd editors/vscode && npm ci --no-audit --no-fund --ignore-scripts

# packaging reads only node_modules: no network here
$(BUILD)/.editors-try: editors/vscode/package.json editors/vscode/package-lock.json
	@mkdir -p $(BUILD)
	@if command -v npm >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory editors-deps >&2 || \
	    echo "kam: npm ci failed (offline?): the editor tests will be skipped; later: make editors-deps" >&2; \
	fi; touch $@

vsix: editors/vscode/node_modules/.package-lock.json
	@mkdir -p $(BUILD)
	cd editors/vscode && node_modules/.bin/vsce package --skip-license --allow-missing-repository \
	    -o $(abspath $(BUILD))/kam.vsix </dev/null

# The SQL engine tests (tests/cli/sql_engines.sh, docs/testing.md) run the
# queries of `kam sql` in DuckDB through build/kam-duckdb, a small C client
# (tests/sql/duckdb_client.c) that loads the libduckdb.so npm's
# @duckdb/node-bindings-linux-x64 ships, at the version
# tests/sql/duckdb/package-lock.json pins. Like editors-deps: `npm ci` needs
# the network, `make test` tries it once, and without it the DuckDB part of
# the tests skips, naming this target.
.PHONY: sql-deps
DUCKDB_LIB := tests/sql/duckdb/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so
sql-deps: tests/sql/duckdb/node_modules/.package-lock.json

tests/sql/duckdb/node_modules/.package-lock.json: tests/sql/duckdb/package.json tests/sql/duckdb/package-lock.json
	cd tests/sql/duckdb && npm ci --no-audit --no-fund --ignore-scripts

$(BUILD)/.sql-try: tests/sql/duckdb/package.json tests/sql/duckdb/package-lock.json
	@mkdir -p $(BUILD)
	@if command -v npm >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory sql-deps >&2 || \
	    echo "kam: npm ci failed (offline?): the DuckDB engine tests will be skipped; later: make sql-deps" >&2; \
	fi; touch $@

# no DuckDB header or library at build time: it is loaded when it runs
# ($$KAM_DUCKDB_LIB, else the path below)
$(BUILD)/kam-duckdb: tests/sql/duckdb_client.c
	@mkdir -p $(BUILD)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -DKAM_DUCKDB_DEFAULT_LIB='"$(abspath $(DUCKDB_LIB))"' \
	    -o $@ $< -ldl

# `make V=1` shows the full commands
Q := $(if $(V),,@)

$(BUILD)/gen/parser.c $(BUILD)/gen/parser.h: lang/parser.y $(BUILD)/.deps-ok
	@mkdir -p $(BUILD)/gen
	@$(if $(V),,echo "  BISON   $<")
	$(Q)bison -Wall -Werror -d -o $(BUILD)/gen/parser.c lang/parser.y

$(BUILD)/gen/lexer.c $(BUILD)/gen/lexer.h: lang/lexer.l $(BUILD)/gen/parser.h
	@mkdir -p $(BUILD)/gen
	@$(if $(V),,echo "  FLEX    $<")
	$(Q)flex -o $(BUILD)/gen/lexer.c --header-file=$(BUILD)/gen/lexer.h lang/lexer.l


# The compiler and flags a build was made with: when they change (the
# sanitizer build's flags, say), its objects are made again.
FLAGS_NOW := $(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)
ifneq ($(file <$(BUILD)/.flags),$(FLAGS_NOW))
$(shell mkdir -p $(BUILD))
$(file >$(BUILD)/.flags,$(FLAGS_NOW))
endif

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c $(BUILD)/gen/parser.h $(BUILD)/.flags
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(GENWARN) $(CPPFLAGS) $(INC_gen) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.c $(BUILD)/gen/parser.h $(BUILD)/.flags
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(WARN) $(CPPFLAGS) $(INC_$(firstword $(subst /, ,$*))) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libkam.a: $(LIB_OBJ)
	@$(if $(V),,echo "  AR      $@")
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/kam: $(CLI_OBJ) $(BUILD)/libkam.a $(BUILD)/.flags
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libkam.a $(LDLIBS) $(CLI_LIBS)

$(BUILD)/embed: examples/embed.c include/kam.h $(BUILD)/libkam.a
	$(CC) $(WARN) $(CPPFLAGS) -Iinclude $(CFLAGS) $(LDFLAGS) -o $@ examples/embed.c $(BUILD)/libkam.a $(LDLIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# The ASan+UBSan build the suite also runs. With gcc, UBSan traps (an ud2
# where the undefined behaviour is; tests/run.sh sets
# ASAN_OPTIONS=handle_sigill=1, so ASan reports it with the stack and source
# line) instead of calling its runtime: without libubsan every start of kam
# is about half as dear (docs/testing.md), and the suite starts kam some
# 5,700 times a build. clang has one runtime for both, and its traps lose
# the line.
SAN_TRAP := $(if $(findstring clang,$(shell $(CC) --version 2>/dev/null)),,-fsanitize-undefined-trap-on-error)
SAN_CFLAGS = -O1 -g -fsanitize=address,undefined $(SAN_TRAP) \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_LDFLAGS = -fsanitize=address,undefined $(SAN_TRAP)

# The suite, against this build and against the ASan+UBSan build.
test: $(BUILD)/kam $(BUILD)/.test-deps-ok $(BUILD)/.editors-try $(BUILD)/.sql-try $(BUILD)/kam-duckdb
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/san CFLAGS="$(SAN_CFLAGS)" LDFLAGS="$(SAN_LDFLAGS)" $(BUILD)/san/kam
	@KAM_SLOW_TESTS=1 BUILD=$(BUILD) CC="$(CC)" sh tests/run.sh $(BUILD)/kam $(BUILD)/san/kam

# The suite against this build only (quicker while working).
test-fast: $(BUILD)/kam $(BUILD)/.test-deps-ok $(BUILD)/.editors-try $(BUILD)/.sql-try $(BUILD)/kam-duckdb
	@BUILD=$(BUILD) CC="$(CC)" sh tests/run.sh $(BUILD)/kam

# Mutation testing: small source mutations, each built and run against the
# spec policies, goldens and unit tests on a copy of the tree (docs/testing.md).
.PHONY: mutate
mutate: $(BUILD)/kam $(BUILD)/.test-deps-ok
	@CC="$(CC)" sh scripts/mutate.sh

sanitize:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/san CFLAGS="$(SAN_CFLAGS)" LDFLAGS="$(SAN_LDFLAGS)" $(BUILD)/san/kam
	@BUILD=$(BUILD) CC="$(CC)" sh tests/run.sh $(BUILD)/san/kam

# the build's own lines are hidden here (make V=1 demo shows them): the demo
# is what kam prints
demo:
	@$(MAKE) --no-print-directory $(BUILD)/kam $(if $(V),,>/dev/null) || $(MAKE) --no-print-directory $(BUILD)/kam
	@echo "== kam check examples/key_accounts.kam"
	@$(BUILD)/kam check examples/key_accounts.kam && echo "no problems found"
	@echo
	@echo "== kam test examples/key_accounts.kam --coverage"
	@$(BUILD)/kam test examples/key_accounts.kam --coverage | tail -3
	@echo
	@echo "== kam run --summary: 120 accounts by tier, stage move, entitlement and flag"
	@$(BUILD)/kam run examples/key_accounts.kam examples/accounts.csv --as-of 2026-06-30 --summary
	@echo
	@echo "== the key accounts (--where key_account)"
	@$(BUILD)/kam run examples/key_accounts.kam examples/accounts.csv --as-of 2026-06-30 --format table --where key_account
	@echo
	@echo "== what if the growth floor were 8%? (kam diff --set growth_floor=8%)"
	@$(BUILD)/kam diff examples/key_accounts.kam examples/accounts.csv --as-of 2026-06-30 --set growth_floor=8% --format table
	@echo
	@echo "== why is A0000106 not a key account? (kam explain)"
	@$(BUILD)/kam explain examples/key_accounts.kam examples/accounts.csv --as-of 2026-06-30 --id A0000106
	@echo
	@echo "== a policy with mistakes: kam check examples/mistakes.kam"
	@$(BUILD)/kam check examples/mistakes.kam || true
	@echo
	@echo "== the page to share: kam report (open it in a browser)"
	@$(BUILD)/kam report examples/key_accounts.kam examples/accounts.csv --as-of 2026-06-30 -o $(BUILD)/report.html
	@echo "report written: $(abspath $(BUILD))/report.html"

# kam against the hand-written C baseline (and jq, sqlite3 if installed) on
# 1,000,000 generated accounts: medians and ratios. BENCH_N=... to change.
BENCH_N ?= 1000000
bench: $(BUILD)/kam
	@bash bench/run.sh $(BENCH_N)

install: $(BUILD)/kam
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/kam $(DESTDIR)$(PREFIX)/bin/kam
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 docs/kam.1 $(DESTDIR)$(PREFIX)/share/man/man1/kam.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/kam
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/kam.1

clean:
	rm -rf $(BUILD)

# fuzzing (make fuzz, fuzz-regress) and valgrind: see fuzz/README.md
include fuzz/fuzz.mk
