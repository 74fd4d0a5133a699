/* Per-thread event buffers (see buffer.h).  Segments come from a small pool
 * so steady tracing does not mmap/munmap at all.  The accounting: `full`
 * counts segments a producer has moved past and the writer has not freed;
 * a producer maps a new segment only while full < CAP_SEGS and the pool is
 * empty, so full + pooled stays within MT_BACKLOG_BYTES. */
#include "tracer/buffer/buffer.h"

#include "tracer/capture/clock.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CAP_SEGS (MT_BACKLOG_BYTES / sizeof(mt_seg_t))
#define POOL_KEEP 64
#define WAIT_SLICE_NS 10000000L
#define STUCK_SLICES 100 /* a second without the writer freeing a segment */

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static mt_seg_t *pool;
static _Atomic unsigned pool_len; /* written under pool_lock, read without */
static _Atomic unsigned full;
static _Atomic uint32_t room; /* futex word: bumped whenever a segment frees */
static _Atomic int waiting, consumer;
static _Atomic uint64_t waits;
static _Atomic uint64_t pass_start; /* 0: the writer is between drains */
static pid_t consumer_pid;          /* the process whose writer drains us */
static void (*waker)(void);
static int orphaned;

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
        s = mt_map_hot(sizeof *s);
    if (s)
        atomic_store_explicit(&s->next, NULL, memory_order_relaxed);
    return s;
}

static void wake_waiters(void)
{
    atomic_fetch_add(&room, 1);
    if (atomic_load(&waiting))
        syscall(SYS_futex, &room, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* was_full: s is one the producer moved past (not a thread's last one). */
static void seg_free(mt_seg_t *s, int was_full)
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
    if (was_full) {
        atomic_fetch_sub(&full, 1);
        wake_waiters();
    }
}

static int full_up(void)
{
    if (!atomic_load(&consumer))
        return 0;
    if (atomic_load(&full) >= CAP_SEGS && atomic_load(&pool_len) == 0)
        return 1;
    uint64_t p = atomic_load(&pass_start);
    return p && mt_now() - p > MT_LATE_NS;
}

void mt_buffer_pass_begin(uint64_t now) { atomic_store(&pass_start, now); }

void mt_buffer_pass_end(void)
{
    atomic_store(&pass_start, 0);
    wake_waiters();
}

/* Never drops: it returns when there is room, when no writer runs, or when
 * the writer looks stuck (then the backlog goes over the bound once). */
static MT_NOINLINE void wait_for_room(void)
{
    atomic_fetch_add(&waits, 1);
    atomic_fetch_add(&waiting, 1);
    if (waker)
        waker();
    uint32_t seen = atomic_load(&room);
    for (int idle = 0; full_up() && idle < STUCK_SLICES;) {
        struct timespec slice = {0, WAIT_SLICE_NS};
        syscall(SYS_futex, &room, FUTEX_WAIT_PRIVATE, seen, &slice, NULL, 0);
        uint32_t now = atomic_load(&room);
        idle = now == seen ? idle + 1 : 0;
        seen = now;
    }
    atomic_fetch_sub(&waiting, 1);
}

void mt_buffer_set_consumer(int on)
{
    consumer_pid = on ? getpid() : 0;
    atomic_store(&consumer, on);
    if (!on)
        wake_waiters();
}

void mt_buffer_set_waker(void (*wake)(void)) { waker = wake; }

int mt_buffer_pressure(void) { return atomic_load(&waiting) > 0; }
uint64_t mt_buffer_waits(void) { return atomic_load(&waits); }

mt_tbuf_t *mt_tbuf_new(uint32_t tid, uint64_t first_ts)
{
    mt_tbuf_t *b = mt_map_hot(sizeof *b);
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
    seg_free(b->rseg, 0);
    mt_unmap(b, sizeof *b);
}

/* A child made by a raw clone (Chromium's zygote forks so) skips the
 * atfork handlers that would give it a writer of its own: its events have
 * nowhere to go, so they stop here instead of waiting for a writer that
 * is not there, or growing without bound. */
static int orphan(void)
{
    if (!orphaned && consumer_pid && getpid() != consumer_pid)
        orphaned = 1;
    return orphaned;
}

mt_slot_t *mt_tbuf_next_segment(mt_tbuf_t *b)
{
    if (MT_UNLIKELY(orphan()))
        return NULL;
    if (MT_UNLIKELY(full_up()))
        wait_for_room();
    mt_seg_t *s = seg_new();
    if (!s)
        return NULL;
    atomic_fetch_add(&full, 1);
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
            seg_free(b->rseg, 1);
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
    full = 0;
    waiting = 0;
    consumer = 0;
    pass_start = 0;
    consumer_pid = 0;
    orphaned = 0;
}
