/* Every region name's figures from the whole-run report's own replay: what
 * `--region NAME` reports (model/window.h) for each name at once, without a
 * replay per name (a pytest run has hundreds).  It keeps the windows that
 * hold the current time and counts into their names; extra copies need the
 * live set at each name's peak, which the replay's second pass visits in
 * order of peak.  The replay (analyze.c) calls these only when the trace has
 * regions and no --region was given. */
#ifndef MTR_MODEL_REGION_SUMS_H
#define MTR_MODEL_REGION_SUMS_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/model/analyze.h"
#include "analyzer/model/blocks.h"

typedef struct mtr_rsums mtr_rsums_t;

/* NULL when there are no regions. */
mtr_rsums_t *mtr_rsums_new(const mtr_region_t *r, size_t n, size_t nstacks, uint64_t start_ns);
void mtr_rsums_free(mtr_rsums_t *s);

/* Before an event at ts, after index events left total bytes in use:
 * windows that ended before it settle their leaks, windows that began by it
 * open, holding that memory at their begin. */
void mtr_rsums_at(mtr_rsums_t *s, uint64_t ts, uint64_t total, uint64_t index);
/* An allocation or commit of size bytes (the payload candidates). */
void mtr_rsums_size(mtr_rsums_t *s, uint64_t size);
/* A heap block became live, or stopped being live. */
void mtr_rsums_born(mtr_rsums_t *s, const mtr_block_t *b);
void mtr_rsums_gone(mtr_rsums_t *s, const mtr_block_t *b);
/* r->copies[index] was recorded, made by thread tid. */
void mtr_rsums_copy(mtr_rsums_t *s, uint32_t tid, size_t index);
/* After the event numbered index: total bytes in use. */
void mtr_rsums_sample(mtr_rsums_t *s, uint64_t total, uint64_t index, uint64_t rel_ts);

/* After the first pass: copies, stalls (growth: the replay's realloc-growth
 * stalls) and leaks; returns the last event index the second pass must
 * reach for the names' peaks (0: none). */
uint64_t mtr_rsums_first_done(mtr_rsums_t *s, const mtr_report_t *r, const mtr_options_t *opt,
                              const mtr_stall_t *growth, size_t ngrowth);
/* In the second pass, after the event numbered index, with live the live
 * set then: the extra copies of every name whose peak it is. */
void mtr_rsums_second(mtr_rsums_t *s, const mtr_report_t *r, uint64_t index,
                      const mtr_blocks_t *live);
/* The figures, in the order the names first began (malloc'ed). */
mtr_region_sum_t *mtr_rsums_take(mtr_rsums_t *s, size_t *n);

#endif
