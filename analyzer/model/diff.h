/* What changed between two runs of a program: the headline numbers of two
 * reports side by side, and the stacks whose memory at the peak grew or
 * shrank.  Stack ids are trie nodes private to each database, so stacks are
 * matched by their symbolized frames instead (see mtr_diff_compute).
 * report/diff_print.h prints a diff, and documents its JSON.
 *
 * Unchanged stacks are not listed.  Ties are ordered by the stack's frames,
 * so the output is the same for the same two databases. */
#ifndef MTR_MODEL_DIFF_H
#define MTR_MODEL_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/model/analyze.h"
#include "analyzer/symbolize/frames.h"

typedef struct mtr_delta {
    int64_t base, run, delta; /* delta = run - base */
} mtr_delta_t;

enum { MTR_DIFF_NEW, MTR_DIFF_GREW, MTR_DIFF_SHRANK, MTR_DIFF_GONE };
extern const char *const mtr_diff_status_names[4];

/* One stack (by its frames) whose bytes live at the peak changed. */
typedef struct mtr_diff_stack {
    int status;                 /* MTR_DIFF_* */
    uint32_t base_stack;        /* a node of the base trace with these frames; 0: none */
    uint32_t run_stack;         /* likewise in the run */
    uint64_t base_bytes, run_bytes, base_count, run_count;
    int64_t delta_bytes;        /* run_bytes - base_bytes */
} mtr_diff_stack_t;

typedef struct mtr_diff {
    const mtr_report_t *base, *run;
    mtr_frames_t *base_frames, *run_frames; /* for printing the stacks */
    mtr_delta_t peak_bytes, peak_heap_bytes, extra_copies, copies, copied_bytes;
    mtr_delta_t stalls, stalls_by_kind[MTR_STALL_KINDS];
    mtr_diff_stack_t *grew;     /* delta > 0, largest first */
    size_t ngrew;
    mtr_diff_stack_t *shrank;   /* delta < 0, largest shrink first */
    size_t nshrank;
} mtr_diff_t;

/* Compares two reports.  Stacks match when their frames match one by one:
 * the function name when symbolized, else the module's file name and the
 * offset in it (offsets do not move with ASLR; names survive a rebuild).
 * Several nodes with the same frames (different call sites inside the same
 * functions) count as one stack.  The reports and frames must outlive d. */
void mtr_diff_compute(const mtr_report_t *base, mtr_frames_t *base_frames,
                      const mtr_report_t *run, mtr_frames_t *run_frames, mtr_diff_t *d);
void mtr_diff_free(mtr_diff_t *d);

#endif
