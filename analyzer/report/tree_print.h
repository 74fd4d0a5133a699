/* The process tree (model/tree.h) for a person and as JSON: one line or
 * object per process, then the totals and which process is the program. */
#ifndef MTR_REPORT_TREE_PRINT_H
#define MTR_REPORT_TREE_PRINT_H

#include <stdio.h>

#include "analyzer/model/tree.h"

void mtr_tree_text(FILE *out, const mtr_tree_t *t);
/* { "trace", "recorded", "program", "processes": [ { "pid", "ppid",
 * "parent" (index or null), "via" ("fork", "exec" or null), "depth", "db",
 * "command", "exit_kind", "exit_status", "exit_signal", "complete",
 * "program", "peak_bytes", "allocated_bytes", "copies", "copied_bytes",
 * "extra_copies", "stalls" } ], "totals": { the same numbers summed } } */
void mtr_tree_json(FILE *out, const mtr_tree_t *t);

#endif
