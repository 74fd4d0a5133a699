/* The stacks, the module map and the symbols cache of a trace (see
 * symbols.h).  A query that fails reads as no rows: a report with unknown
 * frames is still a report. */
#include "analyzer/load/symbols.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/grow.h"
#include "analyzer/load/trace_sql.h"
#include "format/pyframe.h"

void mtr_trace_stack_nodes(mtr_trace_t *t, mtr_stack_nodes_t *out)
{
    sqlite3_stmt *st;
    out->n = mtr_trace_stack_count(t);
    out->parent = mtr_calloc(out->n, sizeof *out->parent);
    out->ip = mtr_calloc(out->n, sizeof *out->ip);
    sqlite3_prepare_v2(mtr_trace_sql(t), "SELECT id, parent, ip FROM stack_nodes", -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        uint64_t id = (uint64_t)sqlite3_column_int64(st, 0);
        if (id >= out->n)
            continue;
        out->parent[id] = (uint32_t)sqlite3_column_int64(st, 1);
        out->ip[id] = (uint64_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
}

void mtr_stack_nodes_free(mtr_stack_nodes_t *nodes)
{
    free(nodes->parent);
    free(nodes->ip);
    memset(nodes, 0, sizeof *nodes);
}

size_t mtr_trace_modules(mtr_trace_t *t, mtr_module_t **out)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(mtr_trace_sql(t), "SELECT id, path, bias, start, end, build_id FROM modules"
                                         " ORDER BY id", -1, &st, NULL);
    mtr_module_t *mods = NULL;
    size_t n = 0, cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        mtr_module_t m = {
            .id = sqlite3_column_int64(st, 0),
            .path = mtr_strdup((const char *)sqlite3_column_text(st, 1)),
            .bias = (uint64_t)sqlite3_column_int64(st, 2),
            .start = (uint64_t)sqlite3_column_int64(st, 3),
            .end = (uint64_t)sqlite3_column_int64(st, 4),
            .build_id = mtr_strdup((const char *)sqlite3_column_text(st, 5)),
        };
        MTR_PUSH(mods, n, cap, m);
    }
    sqlite3_finalize(st);
    *out = mods;
    return n;
}

void mtr_modules_free(mtr_module_t *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].path);
        free(m[i].build_id);
    }
    free(m);
}

size_t mtr_trace_py_codes(mtr_trace_t *t, mtr_pycode_t **out)
{
    sqlite3_stmt *st;
    mtr_pycode_t *c = NULL;
    size_t n = 0;
    *out = NULL;
    /* a version 1 trace has no such table */
    if (sqlite3_prepare_v2(mtr_trace_sql(t), "SELECT id, filename, qualname, firstlineno,"
                           " linetable FROM py_code WHERE id > 0 ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK)
        return 0;
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (id <= 0 || id >= MT_PYCODE_MAX)
            continue; /* beyond what a trace can name: damaged */
        if ((size_t)id >= n) {
            size_t old = cap;
            c = mtr_grow(c, &cap, (size_t)id + 1, sizeof *c);
            memset(c + old, 0, (cap - old) * sizeof *c);
            n = (size_t)id + 1;
        }
        mtr_pycode_t *e = &c[id];
        if (e->filename)
            continue;
        const void *blob = sqlite3_column_blob(st, 4);
        e->linetable_len = (size_t)sqlite3_column_bytes(st, 4);
        e->linetable = mtr_realloc(NULL, e->linetable_len + 1, 1);
        if (blob)
            memcpy(e->linetable, blob, e->linetable_len);
        const char *fn = (const char *)sqlite3_column_text(st, 1);
        const char *qn = (const char *)sqlite3_column_text(st, 2);
        e->filename = mtr_strdup(fn ? fn : "?");
        e->qualname = mtr_strdup(qn ? qn : "?");
        e->firstlineno = sqlite3_column_int(st, 3);
    }
    sqlite3_finalize(st);
    *out = c;
    return n;
}

void mtr_py_codes_free(mtr_pycode_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].filename);
        free(c[i].qualname);
        free(c[i].linetable);
    }
    free(c);
}

/* ---- the symbols cache ---- */

struct mtr_symcache {
    mtr_trace_t *trace;
    sqlite3_stmt *get; /* prepared on the first lookup, not once per address */
};

mtr_symcache_t *mtr_symcache_open(mtr_trace_t *t)
{
    mtr_symcache_t *c = mtr_calloc(1, sizeof *c);
    c->trace = t;
    return c;
}

uint32_t mtr_symcache_get(mtr_symcache_t *c, int64_t module, uint64_t offset,
                          void (*fn)(void *arg, const char *function, const char *file,
                                     int line),
                          void *arg)
{
    if (!c->get && sqlite3_prepare_v2(mtr_trace_sql(c->trace),
                                      "SELECT function, file, line FROM symbols"
                                      " WHERE module = ? AND offset = ? ORDER BY depth",
                                      -1, &c->get, NULL) != SQLITE_OK)
        return 0;
    sqlite3_stmt *st = c->get;
    sqlite3_bind_int64(st, 1, module);
    sqlite3_bind_int64(st, 2, (int64_t)offset);
    uint32_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_int(st, 2));
        n++;
    }
    sqlite3_reset(st);
    return n;
}

void mtr_symcache_put(mtr_symcache_t *c, const mtr_symrow_t *rows, size_t n)
{
    sqlite3 *db = mtr_trace_sql(c->trace);
    sqlite3_finalize(c->get); /* before the cache is written: no reader open */
    c->get = NULL;
    if (!n || !mtr_trace_writable(c->trace))
        return;
    sqlite3_stmt *st;
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return;
    if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO symbols(module, offset, depth,"
                               " function, file, line) VALUES(?,?,?,?,?,?)", -1, &st,
                           NULL) != SQLITE_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const mtr_symrow_t *r = &rows[i];
        sqlite3_bind_int64(st, 1, r->module);
        sqlite3_bind_int64(st, 2, (int64_t)r->offset);
        sqlite3_bind_int(st, 3, r->depth);
        sqlite3_bind_text(st, 4, r->function, -1, SQLITE_STATIC);
        if (r->file)
            sqlite3_bind_text(st, 5, r->file, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 5);
        sqlite3_bind_int(st, 6, r->line);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

void mtr_symcache_close(mtr_symcache_t *c)
{
    if (!c)
        return;
    sqlite3_finalize(c->get);
    free(c);
}
