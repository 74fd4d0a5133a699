/* Stall detection over a finished report (see stalls.h): large copies,
 * accumulator flushes and their recurrence.  Realloc growth is found during
 * the replay (analyze.c), which alone sees the realloc chains. */
#include "analyzer/model/stalls.h"

#include <stdlib.h>

#include "analyzer/grow.h"
#include "analyzer/model/blocks.h"
#include "format/kinds.h"

const char *const mtr_stall_kind_names[MTR_STALL_KINDS] = {"large-copy", "accumulator-flush",
                                                           "realloc-growth"};

static int stall_by_time(const void *a, const void *b)
{
    const mtr_stall_t *x = a, *y = b;
    return x->ts < y->ts ? -1 : x->ts > y->ts ? 1 : x->kind - y->kind;
}

void mtr_find_stalls(mtr_report_t *r, const mtr_options_t *opt, const mtr_stall_t *growth,
                     size_t ngrowth)
{
    size_t cap = 0;
    for (size_t i = 0; i < ngrowth; i++)
        MTR_PUSH(r->stalls, r->nstalls, cap, growth[i]);
    uint64_t stall_ns = (uint64_t)(opt->stall_ms * 1e6);
    uint64_t start = r->run->start_ns;
    for (size_t i = 0; i < r->ncopies; i++) {
        const mtr_copy_t *cp = &r->copies[i];
        /* a flush: many pieces joined into a block allocated for them just
         * before; it is the more telling name for a slow gather, so such a
         * gather is not also listed as a large copy */
        uint64_t fresh = cp->duration_ns > 1000000 ? cp->duration_ns : 1000000;
        uint64_t allocated = cp->to.ts > start ? cp->to.ts - start : 0;
        int flush = cp->kind == MT_COPY_GATHER && cp->pieces >= opt->flush_pieces &&
                    cp->to.known && cp->to.mapping == MTR_MAP_NONE && cp->ts >= allocated &&
                    cp->ts - allocated <= fresh && cp->bytes * 2 >= cp->to.size;
        /* a stall is time spent copying: a gather's span is mostly the
         * program doing other things between its pieces */
        if (cp->duration_ns < stall_ns)
            continue;
        /* copies are still in time order here */
        uint64_t since = 0;
        for (size_t j = i; flush && j-- > 0;)
            if (r->copies[j].stack == cp->stack) {
                since = r->copies[j].ts + r->copies[j].span_ns;
                break;
            }
        mtr_stall_t s = {.kind = flush ? MTR_STALL_FLUSH : MTR_STALL_LARGE_COPY, .ts = cp->ts,
                         .duration_ns = cp->duration_ns, .bytes = cp->bytes,
                         .pieces = cp->pieces, .stack = cp->stack, .alloc_stack = cp->to.stack,
                         .block_size = cp->to.size,
                         .quiet_ns = flush && cp->ts > since ? cp->ts - since : 0};
        MTR_PUSH(r->stalls, r->nstalls, cap, s);
    }
    qsort(r->stalls, r->nstalls, sizeof *r->stalls, stall_by_time);
    for (size_t i = 0; i < r->nstalls; i++) {
        mtr_stall_t *s = &r->stalls[i];
        if (s->kind != MTR_STALL_FLUSH || s->occurrence)
            continue;
        uint32_t k = 0;
        const mtr_stall_t *prev = NULL;
        for (size_t j = i; j < r->nstalls; j++) {
            mtr_stall_t *t = &r->stalls[j];
            if (t->kind != MTR_STALL_FLUSH || t->stack != s->stack)
                continue;
            t->occurrence = ++k;
            t->period_ns = prev ? t->ts - prev->ts : 0;
            t->growth = prev && prev->bytes ? (double)t->bytes / (double)prev->bytes : 0;
            prev = t;
        }
        for (size_t j = i; j < r->nstalls; j++)
            if (r->stalls[j].kind == MTR_STALL_FLUSH && r->stalls[j].stack == s->stack)
                r->stalls[j].recurrences = k;
    }
}
