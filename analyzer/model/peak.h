/* The live set at the peak, read two ways: grouped by allocating stack, and
 * as the buffers behind the extra-copies figure. */
#ifndef MTR_MODEL_PEAK_H
#define MTR_MODEL_PEAK_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/model/analyze.h"
#include "analyzer/model/blocks.h"

/* Live memory by stack, largest first (heap_only: leave mappings out);
 * *total is the sum.  nstacks bounds the stack ids. */
mtr_stack_use_t *mtr_group_by_stack(const mtr_blocks_t *live, size_t nstacks, int heap_only,
                                    size_t *n, uint64_t *total);
int mtr_use_by_bytes(const void *a, const void *b);
/* Which live blocks a report may take for copies of its payload. */
typedef int (*mtr_block_pred_t)(const mtr_block_t *b, const void *arg);
/* Fills r->buffers and r->fills from the live set at the peak; needs
 * r->payload_bytes and r->copies (in time order).  made_here NULL: every
 * block; a region's report passes what was allocated inside it, so a test's
 * extra copies never count a buffer an earlier test left live. */
void mtr_explain_peak(mtr_report_t *r, const mtr_blocks_t *live, size_t nstacks,
                      mtr_block_pred_t made_here, const void *arg);
/* r->extra_copies from r->buffers: the payloads the buffers at the peak
 * hold, less the one the program needs (mtr_explain_peak first). */
void mtr_count_extra_copies(mtr_report_t *r);

#endif
