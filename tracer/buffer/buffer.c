/* Per-thread event buffers and their registry (see ring.h).  Segments come
 * from a small pool so steady tracing does not mmap/munmap at all. */
#include "tracer/buffer/buffer.h"

#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static mt_seg_t *pool;
static unsigned pool_len;
#define POOL_KEEP 64

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static mt_tbuf_t *registry;

static pthread_key_t exit_key;
MT_TLS mt_tbuf_t *mt_my_buf;

static mt_seg_t *mt_seg_new(void)
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

void mt_seg_free(mt_seg_t *s)
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

static void thread_exit(void *arg)
{
    mt_tbuf_t *b = arg;
    if (mt_my_buf == b)
        mt_my_buf = NULL;
    atomic_store_explicit(&b->dead, 1, memory_order_release);
}

mt_tbuf_t *mt_tbuf_get(void)
{
    if (MT_LIKELY(mt_my_buf != NULL))
        return mt_my_buf;
    mt_tbuf_t *b = mt_map(sizeof *b, 0);
    if (!b)
        return NULL;
    b->wseg = b->rseg = mt_seg_new();
    if (!b->wseg) {
        mt_unmap(b, sizeof *b);
        return NULL;
    }
    b->tid = (uint32_t)syscall(SYS_gettid);
    b->first_ts = mt_now();
    pthread_mutex_lock(&registry_lock);
    b->next = registry;
    registry = b;
    pthread_mutex_unlock(&registry_lock);
    mt_my_buf = b;
    pthread_setspecific(exit_key, b);
    return b;
}

void mt_registry_lock(void) { pthread_mutex_lock(&registry_lock); }
void mt_registry_unlock(void) { pthread_mutex_unlock(&registry_lock); }
mt_tbuf_t *mt_registry_first(void) { return registry; }

mt_slot_t *mt_tbuf_next_segment(mt_tbuf_t *b)
{
    mt_seg_t *s = mt_seg_new();
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

int mt_tbuf_consume(mt_tbuf_t *b, mt_raw_t *out)
{
    uint64_t published = atomic_load_explicit(&b->published, memory_order_acquire);
    for (;;) {
        if (b->consumed == published)
            return 0;
        if (b->ridx == MT_SEG_SLOTS) {
            /* the producer linked the next segment before publishing into it */
            mt_seg_t *next = atomic_load_explicit(&b->rseg->next, memory_order_acquire);
            mt_seg_free(b->rseg);
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
        }
        b->ridx += (uint32_t)n;
        b->consumed += (uint64_t)n;
        return 1;
    }
}

void mt_tbuf_reclaim(mt_tbuf_t *b, mt_tbuf_t *prev)
{
    if (prev)
        prev->next = b->next;
    else
        registry = b->next;
    mt_seg_free(b->rseg);
    mt_unmap(b, sizeof *b);
}

void mt_ring_init(void)
{
    pthread_key_create(&exit_key, thread_exit);
}

void mt_ring_after_fork_child(void)
{
    /* Only the forking thread survives; its unconsumed events are the
     * parent's to write.  The old buffers are leaked, not unmapped: another
     * thread's segment may still be referenced from the pool chain. */
    pthread_mutex_init(&pool_lock, NULL);
    pthread_mutex_init(&registry_lock, NULL);
    pool = NULL;
    pool_len = 0;
    registry = NULL;
    mt_my_buf = NULL;
}
