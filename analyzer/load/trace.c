/* Database opening and validation (see trace.h).  A trace whose writer was
 * killed leaves a -wal file beside it; opening read-write lets SQLite replay
 * it, so we try that first and fall back to read-only. */
#include "analyzer/load/trace.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/grow.h"
#include "analyzer/load/trace_sql.h"
#include "format/meta.h"
#include "format/schema.h"

struct mtr_trace {
    sqlite3 *sql;
    int writable;
    mtr_run_t run; /* its strings are the trace's own */
};

static void say(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

/* The lookup of one meta key, prepared once for all of them. */
#define META_SQL "SELECT value FROM meta WHERE key = ?"

/* meta's value of key as text, NULL when absent or null. */
static char *meta_text(sqlite3_stmt *meta, mt_meta_t key)
{
    char *v = NULL;
    sqlite3_bind_text(meta, 1, mt_meta_key(key), -1, SQLITE_STATIC);
    if (sqlite3_step(meta) == SQLITE_ROW && sqlite3_column_type(meta, 0) != SQLITE_NULL)
        v = mtr_strdup((const char *)sqlite3_column_text(meta, 0));
    sqlite3_reset(meta);
    return v;
}

/* An absent or non-integer value reads as the key's default. */
static int64_t meta_int(sqlite3_stmt *meta, mt_meta_t key)
{
    char *v = meta_text(meta, key);
    int64_t r = mt_meta_default(key);
    if (v) {
        char *end;
        long long x = strtoll(v, &end, 10);
        if (end != v && !*end)
            r = x;
        free(v);
    }
    return r;
}

/* The first table a reader needs that the file lacks, or NULL. */
static const char *missing_table(sqlite3 *db)
{
    static const struct {
        const char *name;
        int required;
    } tables[] = {
#define X(name, required, cols) {#name, required},
        MT_TABLES(X)
#undef X
    };
    const char *missing = NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return "meta";
    for (size_t i = 0; i < sizeof tables / sizeof tables[0] && !missing; i++) {
        if (!tables[i].required)
            continue;
        sqlite3_bind_text(st, 1, tables[i].name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW)
            missing = tables[i].name;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return missing;
}

/* Rows of the tree table; 0 without one. */
static int64_t count_tree(sqlite3 *db)
{
    sqlite3_stmt *st;
    int64_t n = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM tree", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* The run's facts but the schema version, which decides whether to read
 * them at all. */
static void read_run(sqlite3_stmt *meta, mtr_run_t *run)
{
    run->command = meta_text(meta, MT_META_COMMAND);
    run->exe = meta_text(meta, MT_META_EXE);
    run->exit_kind = meta_text(meta, MT_META_EXIT_KIND);
    run->python = meta_text(meta, MT_META_PYTHON);
    run->pid = meta_int(meta, MT_META_PID);
    run->ppid = meta_int(meta, MT_META_PPID);
    run->exit_status = meta_int(meta, MT_META_EXIT_STATUS);
    run->exit_signal = meta_int(meta, MT_META_EXIT_SIGNAL);
    run->start_ns = (uint64_t)meta_int(meta, MT_META_START_NS);
    run->end_ns = (uint64_t)meta_int(meta, MT_META_END_NS);
    if (run->end_ns < run->start_ns) /* no commit after the first: no time has passed */
        run->end_ns = run->start_ns;
    run->copy_min = (uint64_t)meta_int(meta, MT_META_COPY_MIN);
    run->gather_min = (uint64_t)meta_int(meta, MT_META_GATHER_MIN);
    run->complete = meta_int(meta, MT_META_COMPLETE) == 1;
}

mtr_trace_t *mtr_trace_open(const char *path, char *err, size_t errcap)
{
    if (access(path, F_OK) != 0) {
        say(err, errcap, "%s: %s", path, strerror(errno));
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    char magic[16] = "";
    size_t got = f ? fread(magic, 1, 16, f) : 0;
    if (f)
        fclose(f);
    if (!f) {
        say(err, errcap, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (got == 0) {
        say(err, errcap, "%s: empty file, not a memtrace database", path);
        return NULL;
    }
    if (got < 16 || memcmp(magic, "SQLite format 3", 16) != 0) {
        say(err, errcap, "%s: not an SQLite database", path);
        return NULL;
    }
    mtr_trace_t *t = mtr_calloc(1, sizeof *t);
    mtr_run_t *run = &t->run;
    sqlite3_stmt *meta = NULL;
    run->path = mtr_strdup(path);
    t->writable = 1;
    if (sqlite3_open_v2(path, &t->sql, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        sqlite3_close(t->sql);
        t->writable = 0;
        if (sqlite3_open_v2(path, &t->sql, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
            say(err, errcap, "%s: cannot open: %s", path, sqlite3_errmsg(t->sql));
            goto fail;
        }
    }
    sqlite3_busy_timeout(t->sql, 2000);
    int rc = sqlite3_prepare_v2(t->sql, META_SQL, -1, &meta, NULL);
    if (rc != SQLITE_OK) {
        if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
            say(err, errcap, "%s: corrupt database: %s", path, sqlite3_errmsg(t->sql));
        else
            say(err, errcap, "%s: SQLite database, but not a memtrace trace (%s)", path,
                sqlite3_errmsg(t->sql));
        goto fail;
    }
    sqlite3_bind_text(meta, 1, mt_meta_key(MT_META_SCHEMA_VERSION), -1, SQLITE_STATIC);
    rc = sqlite3_step(meta);
    run->schema_version = rc == SQLITE_ROW ? sqlite3_column_int(meta, 0) : 0;
    sqlite3_reset(meta);
    if (rc != SQLITE_ROW) {
        say(err, errcap, rc == SQLITE_DONE ? "%s: memtrace database without a schema version"
                                           : "%s: corrupt database: %s",
            path, sqlite3_errmsg(t->sql));
        goto fail;
    }
    if (run->schema_version > MT_SCHEMA_VERSION || run->schema_version < 1) {
        say(err, errcap, "%s: schema version %d; this memtrace-report reads up to %d", path,
            run->schema_version, MT_SCHEMA_VERSION);
        goto fail;
    }
    const char *missing = missing_table(t->sql);
    if (missing) {
        say(err, errcap, "%s: memtrace database without its %s table", path, missing);
        goto fail;
    }
    read_run(meta, run);
    run->tree_size = count_tree(t->sql);
    /* A trace still being written (the pytest plugin reads its own live
     * trace) is its tracer's: a lock of ours could make the tracer's next
     * commit fail, so such a trace gets no symbols cache. */
    if (!run->complete)
        t->writable = 0;
    if (t->writable)
        sqlite3_exec(t->sql, MT_SCHEMA_SQL, NULL, NULL, NULL); /* the symbols cache */
    sqlite3_finalize(meta);
    return t;
fail:
    sqlite3_finalize(meta); /* before the close, which an open statement would stop */
    mtr_trace_close(t);
    return NULL;
}

void mtr_trace_close(mtr_trace_t *t)
{
    if (!t)
        return;
    sqlite3_close(t->sql);
    free(t->run.path);
    free(t->run.command);
    free(t->run.exe);
    free(t->run.exit_kind);
    free(t->run.python);
    free(t);
}

const mtr_run_t *mtr_trace_run(const mtr_trace_t *t) { return &t->run; }
struct sqlite3 *mtr_trace_sql(const mtr_trace_t *t) { return t->sql; }
int mtr_trace_writable(const mtr_trace_t *t) { return t->writable; }

/* ---- totals ---- */

void mtr_trace_small_copies(mtr_trace_t *t, uint64_t *count, uint64_t *bytes)
{
    sqlite3_stmt *st;
    *count = *bytes = 0;
    if (sqlite3_prepare_v2(t->sql, "SELECT coalesce(sum(count),0), coalesce(sum(bytes),0)"
                                   " FROM small_copies", -1, &st, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *count = (uint64_t)sqlite3_column_int64(st, 0);
        *bytes = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
}

uint64_t mtr_trace_stack_count(mtr_trace_t *t)
{
    sqlite3_stmt *st;
    uint64_t n = 0;
    if (sqlite3_prepare_v2(t->sql, "SELECT coalesce(max(id), 0) FROM stack_nodes", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n + 1;
}
