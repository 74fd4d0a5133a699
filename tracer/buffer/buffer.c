/* Per-thread event buffers (see buffer.h).  Segments come from a small pool
 * so steady tracing does not mmap/munmap at all. */
#include "tracer/buffer/buffer.h"

#include <pthread.h>

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static mt_seg_t *pool;
static unsigned pool_len;
#define POOL_KEEP 64

static mt_seg_t *seg_new(void)
{
    pthread_mutex_lock(&pool_lock);
    mt_seg_t *s = pool;
    if (s) {
        pool = atomic_load_explicit(&s->next, memory_order_relaxed);
        pool_len--;
    }
    pthread_mutex_unlock(&pool_lock);
    if (!s)
        s = mt_map(sizeof *s, 0);
    if (s)
        atomic_store_explicit(&s->next, NULL, memory_order_relaxed);
    return s;
}

static void seg_free(mt_seg_t *s)
{
    pthread_mutex_lock(&pool_lock);
    if (pool_len < POOL_KEEP) {
        atomic_store_explicit(&s->next, pool, memory_order_relaxed);
        pool = s;
        pool_len++;
        s = NULL;
    }
    pthread_mutex_unlock(&pool_lock);
    mt_unmap(s, sizeof *s);
}

mt_tbuf_t *mt_tbuf_new(uint32_t tid, uint64_t first_ts)
{
    mt_tbuf_t *b = mt_map(sizeof *b, 0);
    if (!b)
        return NULL;
    b->wseg = b->rseg = seg_new();
    if (!b->wseg) {
        mt_unmap(b, sizeof *b);
        return NULL;
    }
    b->tid = tid;
    b->first_ts = first_ts;
    return b;
}

void mt_tbuf_free(mt_tbuf_t *b)
{
    seg_free(b->rseg);
    mt_unmap(b, sizeof *b);
}

mt_slot_t *mt_tbuf_next_segment(mt_tbuf_t *b)
{
    mt_seg_t *s = seg_new();
    if (!s)
        return NULL;
    if (b->widx < MT_SEG_SLOTS) { /* published with the next event */
        b->wseg->ev[b->widx].kind = MT_RAW_PAD;
        b->count += MT_SEG_SLOTS - b->widx;
    }
    atomic_store_explicit(&b->wseg->next, s, memory_order_release);
    b->wseg = s;
    b->widx = 0;
    return &s->ev[0];
}

void mt_tbuf_put2(mt_tbuf_t *b, const mt_raw_t *r)
{
    mt_slot_t *e = mt_tbuf_reserve(b, 2);
    if (e) {
        e[0] = (mt_slot_t){.ts = r->ts, .addr = r->addr, .size = r->size, .stack = r->stack,
                           .kind = r->kind, .sub = r->sub};
        *(mt_slot_ext_t *)&e[1] = (mt_slot_ext_t){.aux = r->aux, .aux2 = r->aux2, .n = r->n,
                                                   .aux3 = r->aux3};
        mt_tbuf_commit(b, 2);
    }
}

int mt_tbuf_consume(mt_tbuf_t *b, mt_raw_t *out)
{
    uint64_t published = atomic_load_explicit(&b->published, memory_order_acquire);
    for (;;) {
        if (b->consumed == published)
            return 0;
        if (b->ridx == MT_SEG_SLOTS) {
            /* the producer linked the next segment before publishing into it */
            mt_seg_t *next = atomic_load_explicit(&b->rseg->next, memory_order_acquire);
            seg_free(b->rseg);
            b->rseg = next;
            b->ridx = 0;
        }
        const mt_slot_t *s = &b->rseg->ev[b->ridx];
        if (s->kind == MT_RAW_PAD) {
            b->consumed += MT_SEG_SLOTS - b->ridx;
            b->ridx = MT_SEG_SLOTS;
            continue;
        }
        *out = (mt_raw_t){.ts = s->ts, .addr = s->addr, .size = s->size, .stack = s->stack,
                          .kind = s->kind, .sub = s->sub};
        int n = mt_raw_slots(s->kind);
        if (n == 2) {
            const mt_slot_ext_t *x = (const mt_slot_ext_t *)(s + 1);
            out->aux = x->aux;
            out->aux2 = x->aux2;
            out->n = x->n;
            out->aux3 = x->aux3;
        }
        b->ridx += (uint32_t)n;
        b->consumed += (uint64_t)n;
        return 1;
    }
}

void mt_buffer_after_fork_child(void)
{
    /* Only the forking thread survives; the pool's segments may still be
     * linked from the parent's buffers, which the child leaks, not unmaps. */
    pthread_mutex_init(&pool_lock, NULL);
    pool = NULL;
    pool_len = 0;
}
