/* The process tree a launcher run recorded in its top database
 * (format/schema.h's tree table): one row per database of the run.  A trace
 * without the table, or a child's (whose table is empty), has no rows. */
#ifndef MTR_LOAD_TREE_H
#define MTR_LOAD_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/load/trace.h"

typedef struct mtr_tree_row {
    int64_t id, parent; /* parent: the id of the image it came from, 0 for the top */
    int64_t pid, ppid, exit_status, exit_signal, start_realtime_ns;
    char *db;                 /* as stored: relative to the top database's directory */
    char *command, *exit_kind; /* NULL when unknown */
} mtr_tree_row_t;

/* Every row in id order (malloc'ed; NULL and *n 0 when there are none). */
mtr_tree_row_t *mtr_trace_tree(mtr_trace_t *t, size_t *n);
void mtr_tree_rows_free(mtr_tree_row_t *r, size_t n);

#endif
