/* Stalls: the moments a program stood still copying.  mtr_find_stalls makes
 * r->stalls: the realloc-growth stalls the replay found, then the large-copy
 * and accumulator-flush stalls of r->copies (still in time order), sorted by
 * time. */
#ifndef MTR_MODEL_STALLS_H
#define MTR_MODEL_STALLS_H

#include "analyzer/model/analyze.h"

void mtr_find_stalls(mtr_report_t *r, const mtr_options_t *opt, const mtr_stall_t *growth,
                     size_t ngrowth);

#endif
