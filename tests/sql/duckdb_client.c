/* duckdb_client.c — build/kam-duckdb, the small DuckDB client of the SQL
 * engine tests (tests/sql, docs/testing.md).
 *
 *     kam-duckdb [--db FILE] [-c SQL | FILE]...
 *
 * Runs the SQL statements of each -c argument and each FILE ("-" is
 * standard input), in order, in one DuckDB database: FILE given with --db,
 * else an in-memory one. The rows of every statement that returns rows are
 * printed as CSV: a header line, then one line per row; NULL is an empty
 * unquoted field, a text is quoted (RFC 4180) when it is empty or holds a
 * comma, quote, CR or LF. DuckDB runs with threads=1.
 *
 * DuckDB comes from libduckdb.so, which npm's @duckdb/node-bindings-linux-x64
 * ships (`make sql-deps`); it is loaded with dlopen from $KAM_DUCKDB_LIB,
 * else from the path this program was built with (KAM_DUCKDB_DEFAULT_LIB).
 * No DuckDB header is needed: the few functions used are declared below
 * from DuckDB's documented C API (duckdb.h), the result struct with its
 * documented layout.
 *
 * Exit status: 0 every statement ran; 1 a statement failed (the message,
 * naming the statement, on stderr; the statements after it do not run);
 * 2 usage, an unreadable file, libduckdb.so not loadable, or the database
 * not openable. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KAM_DUCKDB_DEFAULT_LIB
#define KAM_DUCKDB_DEFAULT_LIB "libduckdb.so"
#endif

/* ---- the part of DuckDB's C API used here (duckdb.h) ---- */
typedef uint64_t idx_t;
typedef enum { DuckDBSuccess = 0, DuckDBError = 1 } duckdb_state;
typedef enum {
    DUCKDB_RESULT_TYPE_INVALID = 0,
    DUCKDB_RESULT_TYPE_CHANGED_ROWS = 1,
    DUCKDB_RESULT_TYPE_NOTHING = 2,
    DUCKDB_RESULT_TYPE_QUERY_RESULT = 3
} duckdb_result_type;
typedef struct { void *internal_ptr; } *duckdb_database;
typedef struct { void *internal_ptr; } *duckdb_connection;
typedef struct { void *internal_ptr; } *duckdb_config;
typedef struct { void *internal_ptr; } *duckdb_prepared_statement;
typedef struct { void *internal_ptr; } *duckdb_extracted_statements;
typedef struct {
    idx_t deprecated_column_count;
    idx_t deprecated_row_count;
    idx_t deprecated_rows_changed;
    void *deprecated_columns;
    char *deprecated_error_message;
    void *internal_data;
} duckdb_result;

static struct {
    duckdb_state (*create_config)(duckdb_config *);
    duckdb_state (*set_config)(duckdb_config, const char *, const char *);
    void (*destroy_config)(duckdb_config *);
    duckdb_state (*open_ext)(const char *, duckdb_database *, duckdb_config, char **);
    void (*close)(duckdb_database *);
    duckdb_state (*connect)(duckdb_database, duckdb_connection *);
    void (*disconnect)(duckdb_connection *);
    idx_t (*extract_statements)(duckdb_connection, const char *, duckdb_extracted_statements *);
    const char *(*extract_statements_error)(duckdb_extracted_statements);
    void (*destroy_extracted)(duckdb_extracted_statements *);
    duckdb_state (*prepare_extracted_statement)(duckdb_connection, duckdb_extracted_statements, idx_t,
                                                duckdb_prepared_statement *);
    const char *(*prepare_error)(duckdb_prepared_statement);
    void (*destroy_prepare)(duckdb_prepared_statement *);
    duckdb_state (*execute_prepared)(duckdb_prepared_statement, duckdb_result *);
    const char *(*result_error)(duckdb_result *);
    void (*destroy_result)(duckdb_result *);
    duckdb_result_type (*result_return_type)(duckdb_result);
    idx_t (*column_count)(duckdb_result *);
    const char *(*column_name)(duckdb_result *, idx_t);
    idx_t (*row_count)(duckdb_result *);
    bool (*value_is_null)(duckdb_result *, idx_t, idx_t);
    char *(*value_varchar)(duckdb_result *, idx_t, idx_t);
    void (*free)(void *);
} ddb;

static void *lib;

/* Finds every function in the library; 0 when all are there. */
static int load_library(const char *path) {
    lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "kam-duckdb: cannot load DuckDB's library: %s\n"
                        "kam-duckdb: run `make sql-deps`, or set KAM_DUCKDB_LIB to a libduckdb.so\n",
                dlerror());
        return -1;
    }
    struct { const char *name; void **slot; } fns[] = {
#define FN(f) { "duckdb_" #f, (void **)&ddb.f }
        FN(create_config), FN(set_config), FN(destroy_config), FN(open_ext), FN(close),
        FN(connect), FN(disconnect), FN(extract_statements), FN(extract_statements_error),
        FN(destroy_extracted), FN(prepare_extracted_statement), FN(prepare_error),
        FN(destroy_prepare), FN(execute_prepared), FN(result_error), FN(destroy_result),
        FN(result_return_type),
        FN(column_count), FN(column_name), FN(row_count), FN(value_is_null),
        FN(value_varchar), FN(free),
#undef FN
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        /* POSIX lets a data pointer from dlsym hold a function's address */
        void *sym = dlsym(lib, fns[i].name);
        if (!sym) {
            fprintf(stderr, "kam-duckdb: %s: no function %s (not DuckDB's C API?)\n", path, fns[i].name);
            return -1;
        }
        memcpy(fns[i].slot, &sym, sizeof sym);
    }
    return 0;
}

/* One CSV field: quoted when empty or when it holds , " CR or LF. */
static void put_field(const char *s, FILE *out) {
    if (*s && !strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    putc('"', out);
    for (; *s; s++) {
        if (*s == '"') putc('"', out);
        putc(*s, out);
    }
    putc('"', out);
}

static void print_result(duckdb_result *res, FILE *out) {
    idx_t ncol = ddb.column_count(res), nrow = ddb.row_count(res);
    for (idx_t c = 0; c < ncol; c++) {
        if (c) putc(',', out);
        const char *name = ddb.column_name(res, c);
        put_field(name ? name : "", out);
    }
    putc('\n', out);
    for (idx_t r = 0; r < nrow; r++) {
        for (idx_t c = 0; c < ncol; c++) {
            if (c) putc(',', out);
            if (ddb.value_is_null(res, c, r)) continue;
            char *v = ddb.value_varchar(res, c, r);
            put_field(v ? v : "", out);
            ddb.free(v);
        }
        putc('\n', out);
    }
}

/* Runs the statements of one script; 0 ok, 1 a statement failed. */
static int run_script(duckdb_connection con, const char *sql, const char *where, FILE *out) {
    duckdb_extracted_statements st = NULL;
    idx_t n = ddb.extract_statements(con, sql, &st);
    if (n == 0) {
        const char *err = st ? ddb.extract_statements_error(st) : NULL;
        if (!err) { /* nothing but blanks and comments */
            ddb.destroy_extracted(&st);
            return 0;
        }
        fprintf(stderr, "kam-duckdb: %s: %s\n", where, err);
        ddb.destroy_extracted(&st);
        return 1;
    }
    int rc = 0;
    for (idx_t i = 0; i < n && rc == 0; i++) {
        duckdb_prepared_statement ps = NULL;
        if (ddb.prepare_extracted_statement(con, st, i, &ps) != DuckDBSuccess) {
            const char *err = ps ? ddb.prepare_error(ps) : NULL;
            fprintf(stderr, "kam-duckdb: %s: statement %llu: %s\n", where, (unsigned long long)i + 1,
                    err ? err : "cannot prepare the statement");
            rc = 1;
        } else {
            duckdb_result res;
            memset(&res, 0, sizeof res);
            if (ddb.execute_prepared(ps, &res) != DuckDBSuccess) {
                const char *err = ddb.result_error(&res);
                fprintf(stderr, "kam-duckdb: %s: statement %llu: %s\n", where, (unsigned long long)i + 1,
                        err ? err : "the statement failed");
                rc = 1;
            } else if (ddb.result_return_type(res) == DUCKDB_RESULT_TYPE_QUERY_RESULT) {
                print_result(&res, out);
            }
            ddb.destroy_result(&res);
        }
        ddb.destroy_prepare(&ps);
    }
    ddb.destroy_extracted(&st);
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "kam-duckdb: cannot write the output: %s\n", strerror(errno));
        return 2;
    }
    return rc;
}

/* The whole of a file ("-": standard input), NUL-terminated; NULL and a
 * message when it cannot be read. */
static char *read_file(const char *path) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kam-duckdb: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    if (f != stdin) fclose(f);
    if (!buf || bad) {
        fprintf(stderr, "kam-duckdb: %s: %s\n", path, buf ? "read error" : "out of memory");
        free(buf);
        return NULL;
    }
    if (memchr(buf, '\0', len)) {
        fprintf(stderr, "kam-duckdb: %s: holds a NUL byte: not SQL text\n", path);
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

static int usage(void) {
    fprintf(stderr, "usage: kam-duckdb [--db FILE] [-c SQL | FILE]...\n");
    return 2;
}

int main(int argc, char **argv) {
    const char *db_path = NULL;
    int first = 1;
    while (first < argc) {
        if (strcmp(argv[first], "--db") == 0) {
            if (first + 1 >= argc) return usage();
            db_path = argv[first + 1];
            first += 2;
        } else if (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "-h") == 0) {
            usage();
            return 0;
        } else {
            break;
        }
    }
    if (first >= argc) return usage();
    for (int i = first; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0) {
            if (++i >= argc) return usage();
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "kam-duckdb: unknown option %s\n", argv[i]);
            return usage();
        }
    }

    const char *lib_path = getenv("KAM_DUCKDB_LIB");
    if (!lib_path || !*lib_path) lib_path = KAM_DUCKDB_DEFAULT_LIB;
    if (load_library(lib_path) != 0) {
        if (lib) dlclose(lib);
        return 2;
    }

    int rc = 0;
    duckdb_config cfg = NULL;
    duckdb_database db = NULL;
    duckdb_connection con = NULL;
    char *err = NULL;
    if (ddb.create_config(&cfg) != DuckDBSuccess || ddb.set_config(cfg, "threads", "1") != DuckDBSuccess) {
        fprintf(stderr, "kam-duckdb: cannot configure DuckDB (threads=1)\n");
        rc = 2;
    } else if (ddb.open_ext(db_path, &db, cfg, &err) != DuckDBSuccess) {
        fprintf(stderr, "kam-duckdb: cannot open the database %s: %s\n", db_path ? db_path : "(in memory)",
                err ? err : "unknown error");
        rc = 2;
    } else if (ddb.connect(db, &con) != DuckDBSuccess) {
        fprintf(stderr, "kam-duckdb: cannot connect to the database\n");
        rc = 2;
    }
    if (err) ddb.free(err);
    if (cfg) ddb.destroy_config(&cfg);

    for (int i = first; i < argc && rc == 0; i++) {
        if (strcmp(argv[i], "-c") == 0) {
            i++;
            rc = run_script(con, argv[i], "-c", stdout);
        } else {
            char *sql = read_file(argv[i]);
            if (!sql) {
                rc = 2;
                break;
            }
            rc = run_script(con, sql, argv[i], stdout);
            free(sql);
        }
    }

    if (con) ddb.disconnect(&con);
    if (db) ddb.close(&db);
    dlclose(lib);
    return rc;
}
