/* The HTML page's flamegraph data: stacks merged into a tree of frames,
 * outermost at the root, with small branches merged so that the tree stays
 * a few thousand nodes whatever the trace. */
#ifndef MTR_REPORT_HTML_FLAME_H
#define MTR_REPORT_HTML_FLAME_H

#include <stddef.h>

#include "analyzer/model/analyze.h"
#include "analyzer/report/html_stacks.h"

/* Share of the root below which a node joins its siblings' "other" node. */
#define MTR_HTML_FLAME_MIN_SHARE 0.001
/* Most nodes per tree: past it the share is raised until the tree fits. */
#define MTR_HTML_FLAME_MAX_NODES 5000

/* Writes one object: {"bytes": root total (the sum of u[].bytes), "count",
 * "stacks": n, "min_bytes": the merge threshold used, "nodes": [...]}.
 * nodes lists the tree in preorder, children largest first, each as
 * [depth, frame index, bytes, count] (depth 1: a child of the root), or
 * [depth, -1, bytes, count, merged] for the nodes merged into "other". */
void mtr_html_flame(mtr_jsonw_t *w, mtr_hstacks_t *t, const mtr_stack_use_t *u, size_t n);

#endif
