/* Reads the tree table (see tree.h). */
#include "analyzer/load/tree.h"

#include <sqlite3.h>
#include <stdlib.h>

#include "analyzer/grow.h"
#include "analyzer/load/trace_sql.h"

static char *text(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL
               ? NULL
               : mtr_strdup((const char *)sqlite3_column_text(st, col));
}

mtr_tree_row_t *mtr_trace_tree(mtr_trace_t *t, size_t *n)
{
    *n = 0;
    sqlite3_stmt *st;
    /* a trace from before process trees, or one preloaded by hand: none */
    if (sqlite3_prepare_v2(mtr_trace_sql(t),
                           "SELECT id, parent, pid, ppid, exit_status, exit_signal,"
                           " start_realtime_ns, db, command, exit_kind FROM tree ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    mtr_tree_row_t *v = NULL;
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        mtr_tree_row_t r = {
            .id = sqlite3_column_int64(st, 0),
            .parent = sqlite3_column_int64(st, 1),
            .pid = sqlite3_column_int64(st, 2),
            .ppid = sqlite3_column_int64(st, 3),
            .exit_status = sqlite3_column_int64(st, 4),
            .exit_signal = sqlite3_column_int64(st, 5),
            .start_realtime_ns = sqlite3_column_int64(st, 6),
            .db = text(st, 7),
            .command = text(st, 8),
            .exit_kind = text(st, 9),
        };
        if (!r.db)
            r.db = mtr_strdup("");
        MTR_PUSH(v, *n, cap, r);
    }
    sqlite3_finalize(st);
    return v;
}

void mtr_tree_rows_free(mtr_tree_row_t *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(r[i].db);
        free(r[i].command);
        free(r[i].exit_kind);
    }
    free(r);
}
