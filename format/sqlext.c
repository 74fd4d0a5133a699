/* memtrace-sqlite: a loadable SQLite extension that makes the compressed
 * allocation events queryable from the sqlite3 shell:
 *   sqlite3 run.db -cmd '.load build/memtrace-sqlite' 'SELECT * FROM alloc_events LIMIT 5'
 * mt_alloc_events is an eponymous virtual table decoding alloc_batches in
 * batch order; the alloc_events view the tracer creates names it. */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <stdlib.h>
#include <string.h>

#include "format/batch.h"
#include "format/kinds.h"
#include "format/schema.h"

enum { COL_BATCH, COL_TID, COL_TS, COL_KIND, COL_ADDR, COL_SIZE, COL_OLD, COL_STACK };

typedef struct {
    sqlite3_vtab base;
    sqlite3 *db;
} vtab_t;

typedef struct {
    sqlite3_vtab_cursor base;
    sqlite3_stmt *st;
    mt_alloc_event_t *ev;
    size_t n, at;
    sqlite3_int64 batch, tid, rowid;
    int eof;
} cursor_t;

static int xconnect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                    sqlite3_vtab **out, char **err)
{
    (void)aux, (void)argc, (void)argv, (void)err;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(batch INTEGER, tid INTEGER, ts_ns INTEGER,"
                                      " kind TEXT, addr INTEGER, size INTEGER,"
                                      " old_addr INTEGER, stack INTEGER)");
    if (rc != SQLITE_OK)
        return rc;
    vtab_t *v = sqlite3_malloc(sizeof *v);
    if (!v)
        return SQLITE_NOMEM;
    memset(v, 0, sizeof *v);
    v->db = db;
    *out = &v->base;
    return SQLITE_OK;
}

static int xdisconnect(sqlite3_vtab *v)
{
    sqlite3_free(v);
    return SQLITE_OK;
}

static int xbestindex(sqlite3_vtab *v, sqlite3_index_info *info)
{
    (void)v;
    info->estimatedCost = 1e6;
    return SQLITE_OK;
}

static int xopen(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
    cursor_t *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    int rc = sqlite3_prepare_v2(((vtab_t *)v)->db,
                                "SELECT id, tid, count, data FROM alloc_batches ORDER BY id", -1,
                                &c->st, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_free(c);
        return rc;
    }
    *out = &c->base;
    return SQLITE_OK;
}

static int xclose(sqlite3_vtab_cursor *cur)
{
    cursor_t *c = (cursor_t *)cur;
    sqlite3_finalize(c->st);
    free(c->ev);
    sqlite3_free(c);
    return SQLITE_OK;
}

static int xnext(sqlite3_vtab_cursor *cur)
{
    cursor_t *c = (cursor_t *)cur;
    c->at++;
    c->rowid++;
    while (c->at >= c->n) {
        int rc = sqlite3_step(c->st);
        if (rc == SQLITE_DONE) {
            c->eof = 1;
            return SQLITE_OK;
        }
        if (rc != SQLITE_ROW)
            return rc;
        c->batch = sqlite3_column_int64(c->st, 0);
        c->tid = sqlite3_column_int64(c->st, 1);
        size_t n = (size_t)sqlite3_column_int64(c->st, 2);
        free(c->ev);
        c->ev = malloc((n ? n : 1) * sizeof *c->ev);
        if (!c->ev || mt_batch_decode(sqlite3_column_blob(c->st, 3),
                                      (size_t)sqlite3_column_bytes(c->st, 3), c->ev, n) < 0) {
            cur->pVtab->zErrMsg = sqlite3_mprintf("alloc_batches row %lld is damaged", c->batch);
            return SQLITE_CORRUPT;
        }
        c->n = n;
        c->at = 0;
    }
    return SQLITE_OK;
}

static int xfilter(sqlite3_vtab_cursor *cur, int idx, const char *idxs, int argc,
                   sqlite3_value **argv)
{
    (void)idx, (void)idxs, (void)argc, (void)argv;
    cursor_t *c = (cursor_t *)cur;
    sqlite3_reset(c->st);
    c->n = c->at = 0;
    c->rowid = 0;
    c->eof = 0;
    c->at = (size_t)-1;
    return xnext(cur);
}

static int xeof(sqlite3_vtab_cursor *cur) { return ((cursor_t *)cur)->eof; }

static int xcolumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    cursor_t *c = (cursor_t *)cur;
    const mt_alloc_event_t *e = &c->ev[c->at];
    switch (col) {
    case COL_BATCH: sqlite3_result_int64(ctx, c->batch); break;
    case COL_TID: sqlite3_result_int64(ctx, c->tid); break;
    case COL_TS: sqlite3_result_int64(ctx, (sqlite3_int64)e->ts); break;
    case COL_KIND:
        sqlite3_result_text(ctx, mt_kind_name(MT_KINDS_ALLOC, e->kind), -1, SQLITE_STATIC);
        break;
    case COL_ADDR: sqlite3_result_int64(ctx, (sqlite3_int64)e->addr); break;
    case COL_SIZE: sqlite3_result_int64(ctx, (sqlite3_int64)e->size); break;
    case COL_OLD: sqlite3_result_int64(ctx, (sqlite3_int64)e->old_addr); break;
    case COL_STACK: sqlite3_result_int64(ctx, (sqlite3_int64)e->stack); break;
    default: break;
    }
    return SQLITE_OK;
}

static int xrowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *out)
{
    *out = ((cursor_t *)cur)->rowid;
    return SQLITE_OK;
}

static sqlite3_module module = {
    .xConnect = xconnect, .xBestIndex = xbestindex, .xDisconnect = xdisconnect,
    .xOpen = xopen, .xClose = xclose, .xFilter = xfilter, .xNext = xnext, .xEof = xeof,
    .xColumn = xcolumn, .xRowid = xrowid,
};

__attribute__((visibility("default"))) int sqlite3_memtracesqlite_init(
    sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
    (void)err;
    SQLITE_EXTENSION_INIT2(api);
    return sqlite3_create_module(db, MT_ALLOC_EVENTS_VTAB, &module, NULL);
}
