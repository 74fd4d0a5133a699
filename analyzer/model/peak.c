/* What was live at the peak (see peak.h): memory grouped by stack, and the
 * explanation of the extra copies: payload-sized buffers, groups of small
 * blocks from one stack, and the copies that filled them. */
#include "analyzer/model/peak.h"

#include <stdlib.h>

#include "analyzer/grow.h"

typedef struct {
    mtr_stack_use_t *use; /* indexed by stack */
    size_t n;
    int heap_only;
    mtr_block_pred_t keep;
    const void *arg;
} group_t;

static void group_add(const mtr_block_t *b, void *arg)
{
    group_t *g = arg;
    if (b->mapping == MTR_MAP_FILE || b->mapping == MTR_MAP_RESERVED ||
        (g->heap_only && b->mapping) || b->stack >= g->n || (g->keep && !g->keep(b, g->arg)))
        return;
    g->use[b->stack].stack = b->stack;
    g->use[b->stack].bytes += b->size;
    g->use[b->stack].count++;
}

int mtr_use_by_bytes(const void *a, const void *b)
{
    const mtr_stack_use_t *x = a, *y = b;
    return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : (x->stack > y->stack) - (x->stack < y->stack);
}

static mtr_stack_use_t *group(const mtr_blocks_t *live, size_t nstacks, int heap_only,
                              mtr_block_pred_t keep, const void *arg, size_t *n,
                              uint64_t *total)
{
    group_t g = {mtr_calloc(nstacks, sizeof(mtr_stack_use_t)), nstacks, heap_only, keep, arg};
    mtr_blocks_each(live, group_add, &g);
    size_t k = 0;
    *total = 0;
    for (size_t i = 0; i < nstacks; i++)
        if (g.use[i].count) {
            *total += g.use[i].bytes;
            g.use[k++] = g.use[i];
        }
    qsort(g.use, k, sizeof *g.use, mtr_use_by_bytes);
    *n = k;
    return g.use;
}

mtr_stack_use_t *mtr_group_by_stack(const mtr_blocks_t *live, size_t nstacks, int heap_only,
                                    size_t *n, uint64_t *total)
{
    return group(live, nstacks, heap_only, NULL, NULL, n, total);
}

typedef struct {
    mtr_report_t *r;
    uint64_t half;
    size_t cap;
    mtr_block_pred_t keep;
    const void *arg;
} bufscan_t;

static uint64_t rel(const mtr_report_t *r, uint64_t ts)
{
    return ts > r->run->start_ns ? ts - r->run->start_ns : 0;
}

static void find_buffers(const mtr_block_t *b, void *arg)
{
    bufscan_t *s = arg;
    mtr_report_t *r = s->r;
    if (b->mapping == MTR_MAP_FILE || b->mapping == MTR_MAP_ARENA ||
        b->mapping == MTR_MAP_RESERVED || b->size < s->half || (s->keep && !s->keep(b, s->arg)))
        return;
    mtr_peak_buffer_t pb = {.addr = b->addr, .bytes = b->size, .count = 1,
                            .ts = rel(r, b->ts), .stack = b->stack};
    MTR_PUSH(r->buffers, r->nbuffers, s->cap, pb);
}

static int buf_cmp(const void *a, const void *b)
{
    const mtr_peak_buffer_t *x = a, *y = b;
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* A buffer holds a copy of the payload when it is payload-sized (at least
 * three quarters of it: a codec's output of incompressible data, a
 * worst-case bound) or copies filled at least half a payload of it.  A
 * large buffer the program filled itself, smaller than that (a string it
 * grew), is memory, not a copy.  Each counts the payloads it holds. */
void mtr_count_extra_copies(mtr_report_t *r)
{
    uint64_t p = r->payload_bytes;
    int64_t units = 0;
    for (size_t k = 0; p && k < r->nbuffers; k++) {
        const mtr_peak_buffer_t *b = &r->buffers[k];
        uint64_t filled = 0;
        for (size_t i = 0; i < b->nfill; i++)
            filled += r->fills[b->first_fill + i].bytes;
        if (b->bytes * 4 < p * 3 && filled * 2 < p)
            continue;
        int64_t n = (int64_t)((b->bytes + p / 2) / p);
        units += n > 0 ? n : 1;
    }
    r->extra_copies = units > 1 ? units - 1 : 0;
}

void mtr_explain_peak(mtr_report_t *r, const mtr_blocks_t *live, size_t nstacks,
                      mtr_block_pred_t made_here, const void *arg)
{
    uint64_t half = (r->payload_bytes + 1) / 2;
    bufscan_t s = {r, half ? half : 1, 0, made_here, arg};
    mtr_blocks_each(live, find_buffers, &s);
    /* fragmented groups: one stack's small blocks adding up to half a payload */
    size_t n;
    uint64_t total;
    mtr_stack_use_t *use = group(live, nstacks, 1, made_here, arg, &n, &total);
    for (size_t i = 0; i < n; i++) {
        uint64_t small_bytes = use[i].bytes, small_count = use[i].count;
        for (size_t k = 0; k < r->nbuffers; k++)
            if (!r->buffers[k].group && r->buffers[k].stack == use[i].stack &&
                r->buffers[k].bytes <= small_bytes) {
                small_bytes -= r->buffers[k].bytes;
                small_count--;
            }
        if (small_count > 1 && small_bytes >= s.half) {
            mtr_peak_buffer_t pb = {.group = 1, .bytes = small_bytes, .count = small_count,
                                    .stack = use[i].stack};
            MTR_PUSH(r->buffers, r->nbuffers, s.cap, pb);
        }
    }
    free(use);
    qsort(r->buffers, r->nbuffers, sizeof *r->buffers, buf_cmp);
    size_t capfills = 0;
    for (size_t k = 0; k < r->nbuffers; k++) {
        mtr_peak_buffer_t *pb = &r->buffers[k];
        pb->first_fill = r->nfills;
        for (size_t i = 0; i < r->ncopies && !pb->group; i++) {
            const mtr_copy_t *cp = &r->copies[i];
            if (!cp->to.known || cp->to.addr != pb->addr || rel(r, cp->to.ts) != pb->ts)
                continue;
            /* a codec fills a buffer in hundreds of like copies: one line
             * per (kind, copying code, source's allocation) */
            mtr_copy_t *same = NULL;
            for (size_t j = pb->first_fill; j < r->nfills && !same; j++) {
                mtr_copy_t *f = &r->fills[j];
                if (f->kind == cp->kind && f->stack == cp->stack &&
                    f->from.known == cp->from.known && f->from.stack == cp->from.stack &&
                    f->from.addr == cp->from.addr)
                    same = f;
            }
            if (same) {
                same->bytes += cp->bytes;
                same->pieces += cp->pieces;
                same->duration_ns += cp->duration_ns;
                same->ts = cp->ts < same->ts ? cp->ts : same->ts;
            } else {
                MTR_PUSH(r->fills, r->nfills, capfills, *cp);
            }
        }
        pb->nfill = r->nfills - pb->first_fill;
    }
}
