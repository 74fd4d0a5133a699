/* Gathers (see gather.h).  A gather of a single piece is just a small copy,
 * already counted: only runs of two or more become events. */
#include "tracer/capture/gather.h"

#include "tracer/buffer/buffer.h"
#include "tracer/capture/clock.h"
#include "tracer/capture/large.h"
#include "tracer/capture/thread.h"

static void emit(mt_tbuf_t *b, mt_gather_t *g)
{
    if (g->pieces >= 2)
        mt_tbuf_put2(b, &(mt_raw_t){.kind = MT_RAW_GATHER, .ts = g->first_ts, .addr = g->dst,
                                    .aux = g->src, .size = g->bytes, .aux2 = g->last_ts,
                                    .n = g->pieces, .aux3 = g->copy_ns, .stack = g->stack});
    *g = (mt_gather_t){0};
}

void mt_gather_piece(mt_thread_t *t, uint64_t dst, uint64_t src, uint64_t n, uint64_t t0,
                     uint64_t t1)
{
    uint64_t took = t1 > t0 ? t1 - t0 : 0;
    mt_gathers_t *gs = &t->gathers;
    for (int i = 0; i < MT_GATHER_SLOTS; i++) {
        mt_gather_t *g = &gs->slot[i];
        if (dst >= g->block && dst < g->block_end) {
            g->pieces++;
            g->bytes += n;
            g->last_ts = t1;
            g->copy_ns += took;
            return;
        }
    }
    uint64_t start, end;
    if (!mt_large_find(dst, &start, &end))
        return;
    mt_gather_t *g = &gs->slot[gs->next++ % MT_GATHER_SLOTS];
    if (g->block_end)
        emit(t->buf, g);
    *g = (mt_gather_t){.block = start, .block_end = end, .first_ts = t0, .last_ts = t1,
                       .bytes = n, .pieces = 1, .dst = dst, .src = src, .copy_ns = took,
                       .stack = mt_thread_stack(t)};
}

void mt_gather_end_block(mt_thread_t *t, uint64_t start)
{
    for (int i = 0; i < MT_GATHER_SLOTS; i++)
        if (t->gathers.slot[i].block_end && t->gathers.slot[i].block == start)
            emit(t->buf, &t->gathers.slot[i]);
}

void mt_gather_end_all(mt_thread_t *t)
{
    for (int i = 0; i < MT_GATHER_SLOTS; i++)
        if (t->gathers.slot[i].block_end)
            emit(t->buf, &t->gathers.slot[i]);
}
