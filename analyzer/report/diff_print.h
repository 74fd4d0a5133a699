/* The output of `memtrace-report diff`: a diff (model/diff.h) for a person,
 * and as JSON.
 *
 * JSON (`memtrace-report diff BASE.db RUN.db --json`), schema 1.  One object;
 * every number is an integer, every "delta" is run - base (may be negative):
 *
 *   {
 *     "schema": 1,                       MTR_DIFF_JSON_SCHEMA, bumped on any
 *                                        incompatible change
 *     "base": {"path": "...", "command": "..." | null, "complete": bool},
 *     "run":  {"path": "...", "command": "..." | null, "complete": bool},
 *     "peak_bytes":      {"base": N, "run": N, "delta": N},  heap + anonymous
 *     "peak_heap_bytes": {"base": N, "run": N, "delta": N},  the heap's own peak
 *     "extra_copies":    {"base": N, "run": N, "delta": N},
 *     "copies":          {"base": N, "run": N, "delta": N},  large copies
 *     "copied_bytes":    {"base": N, "run": N, "delta": N},
 *     "stalls": {
 *       "total":             {"base": N, "run": N, "delta": N},
 *       "large-copy":        {"base": N, "run": N, "delta": N},
 *       "accumulator-flush": {"base": N, "run": N, "delta": N},
 *       "realloc-growth":    {"base": N, "run": N, "delta": N}
 *     },
 *     "stacks": {                        memory live at the peak, by stack
 *       "grew_count": N,                 stacks with more bytes in run (or new)
 *       "shrank_count": N,               stacks with fewer bytes (or gone)
 *       "grew":   [ENTRY...],            largest growth first, at most --top
 *       "shrank": [ENTRY...]             largest shrink first, at most --top
 *     }
 *   }
 *
 *   ENTRY = {"status": "new" | "grew" | "shrank" | "gone",
 *            "base_bytes": N, "run_bytes": N, "delta_bytes": N,
 *            "base_count": N, "run_count": N,    blocks live at the peak
 *            "stack": [FRAME...]}               as in the report's JSON: innermost
 *                                               first, {"function", "file",
 *                                               "line", "module", "offset"};
 *                                               from the run (base when gone)
 *
 *
 * Unchanged stacks are not listed (model/diff.h orders the rest). */
#ifndef MTR_REPORT_DIFF_PRINT_H
#define MTR_REPORT_DIFF_PRINT_H

#include <stddef.h>
#include <stdio.h>

#include "analyzer/model/diff.h"

#define MTR_DIFF_JSON_SCHEMA 1

/* For a person; top: at most this many stacks per list (0: all). */
void mtr_diff_text(FILE *out, const mtr_diff_t *d, size_t top);
/* The object documented above; top as for text. */
void mtr_diff_json(FILE *out, const mtr_diff_t *d, size_t top);

#endif
