/* Reads the regions table (see regions.h). */
#include "analyzer/load/regions.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/grow.h"
#include "analyzer/load/trace_sql.h"

mtr_region_t *mtr_trace_regions(mtr_trace_t *t, size_t *n)
{
    *n = 0;
    sqlite3_stmt *st;
    /* a trace written before regions existed has no table: no regions */
    if (sqlite3_prepare_v2(mtr_trace_sql(t),
                           "SELECT id, parent, tid, depth, name, begin_ns, end_ns FROM regions"
                           " ORDER BY begin_ns, id",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    const mtr_run_t *run = mtr_trace_run(t);
    mtr_region_t *v = NULL;
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 4);
        mtr_region_t r = {.id = sqlite3_column_int64(st, 0),
                          .parent = sqlite3_column_int64(st, 1),
                          .tid = (uint32_t)sqlite3_column_int64(st, 2),
                          .depth = sqlite3_column_int(st, 3),
                          .name = mtr_strdup(name ? name : ""),
                          .begin_ns = (uint64_t)sqlite3_column_int64(st, 5)};
        r.open = sqlite3_column_type(st, 6) == SQLITE_NULL;
        r.end_ns = r.open ? run->end_ns : (uint64_t)sqlite3_column_int64(st, 6);
        if (r.end_ns < r.begin_ns)
            r.end_ns = r.begin_ns;
        MTR_PUSH(v, *n, cap, r);
    }
    sqlite3_finalize(st);
    return v;
}

void mtr_regions_free(mtr_region_t *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(r[i].name);
    free(r);
}
