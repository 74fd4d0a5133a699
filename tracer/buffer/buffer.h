/* Per-thread event buffers: what a program thread hands to the writer.  A
 * chain of fixed-size segments that the owning thread appends to and the
 * writer thread consumes, and the counters of small copies.  The backlog
 * (segments filled and not yet consumed, plus the free pool) is bounded by
 * MT_BACKLOG_BYTES: a thread that needs a segment beyond it waits for the
 * writer to consume one (and it waits as well while the writer is late,
 * below).  Only the switch to a new segment can wait, never
 * under a lock of ours, and a writer that makes no progress for a second
 * (it waits for a lock the waiting thread holds, say) lets it pass over
 * the bound rather than deadlock. */
#ifndef MT_BUFFER_H
#define MT_BUFFER_H

#include <stdatomic.h>
#include <stdint.h>

#include "tracer/capture/stacks.h"
#include "tracer/common.h"

enum {
    MT_RAW_PAD = 0,     /* the rest of the segment is unused */
    MT_RAW_ALLOC = 1,   /* addr, size, stack */
    MT_RAW_FREE,        /* addr */
    /* from here on, events take two slots (mt_raw_slots) */
    MT_RAW_REALLOC,     /* addr (new), size, aux = old, stack */
    MT_RAW_COPY,        /* addr = dst, size, aux = src, aux2 = end ts, sub = MT_COPY_* */
    MT_RAW_GATHER,      /* addr = first dst, size, aux = first src, aux2 = last ts, n = pieces,
                         * aux3 = the pieces' own time, summed */
    MT_RAW_MMAP,        /* addr, size, aux = fd, aux2 = prot | flags << 32 */
    MT_RAW_MUNMAP,      /* addr, size */
    MT_RAW_MREMAP,      /* addr (new), size (new), aux = old addr, aux2 = old size */
    MT_RAW_PROTECT,     /* addr, size, sub = MT_MAP_MPROTECT | MT_MAP_MADVISE,
                         * aux = prot or advice */
    MT_RAW_REGION,      /* sub = 1 begin (addr = its name, the writer's to free), 0 end */
};

/* One event as the writer sees it. */
typedef struct mt_raw {
    uint64_t ts, addr, size, aux, aux2, n, aux3;
    mt_stack_id_t stack; /* 0 = none */
    uint16_t kind, sub;
} mt_raw_t;

/* One event as it sits in a buffer: 32 bytes, half a cache line, for the
 * allocations and frees that are nearly all the traffic; the other kinds
 * add a second slot.  Every byte written here crosses to the writer's core. */
typedef struct mt_slot {
    uint64_t ts, addr, size;
    mt_stack_id_t stack;
    uint16_t kind, sub;
} mt_slot_t;
typedef struct mt_slot_ext {
    uint64_t aux, aux2, n, aux3;
} mt_slot_ext_t;

static inline int mt_raw_slots(int kind) { return kind >= MT_RAW_REALLOC ? 2 : 1; }

#define MT_SEG_SLOTS 1024
typedef struct mt_seg {
    _Atomic(struct mt_seg *) next;
    uint64_t pad[7];
    mt_slot_t ev[MT_SEG_SLOTS];
} mt_seg_t;

/* The bound on the backlog (README: Speed and size); each thread adds the
 * one segment it is filling. */
#define MT_BACKLOG_BYTES (1u << 20)

#define MT_SIZE_CLASSES 64

/* One thread's buffer.  Who touches what: */
typedef struct mt_tbuf {
    /* producer side: the owning thread only */
    mt_seg_t *wseg;
    uint32_t widx;
    uint64_t count;
    /* written by the owner, read by the writer */
    _Atomic uint64_t published; /* slots ready; published and consumed count slots */
    _Atomic int dead;           /* the thread ended: nothing more will come */
    _Atomic uint64_t small_count[MT_SIZE_CLASSES];
    _Atomic uint64_t small_bytes[MT_SIZE_CLASSES];
    uint32_t tid;               /* set at creation */
    uint64_t first_ts;
    struct mt_tbuf *next;       /* buffer/registry.c's list, under its lock */
    /* consumer side: the writer only */
    mt_seg_t *rseg;
    uint32_t ridx;
    uint64_t consumed;
    void *wstate; /* storage/writer.c's per-thread state */
} mt_tbuf_t;

/* A new buffer for thread tid (NULL when out of memory), and its end. */
mt_tbuf_t *mt_tbuf_new(uint32_t tid, uint64_t first_ts);
void mt_tbuf_free(mt_tbuf_t *b);

/* ---- producer side, inline: every event goes through here ---- */

/* Counts a copy below copy_min; only the owner writes, so a relaxed
 * load-and-store suffices and the writer never reads a torn value. */
static inline void mt_tbuf_count_small(mt_tbuf_t *b, uint64_t n)
{
    int c = n <= 1 ? 0 : 63 - __builtin_clzll(n);
    atomic_store_explicit(&b->small_count[c],
                          atomic_load_explicit(&b->small_count[c], memory_order_relaxed) + 1,
                          memory_order_relaxed);
    atomic_store_explicit(&b->small_bytes[c],
                          atomic_load_explicit(&b->small_bytes[c], memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* Room for n contiguous slots (NULL when out of memory); fill them, then
 * mt_tbuf_commit(b, n) publishes them. */
mt_slot_t *mt_tbuf_next_segment(mt_tbuf_t *b);
static inline mt_slot_t *mt_tbuf_reserve(mt_tbuf_t *b, int n)
{
    if (MT_UNLIKELY(b->widx + (uint32_t)n > MT_SEG_SLOTS))
        return mt_tbuf_next_segment(b);
    /* The slot's line was last read by the writer on another core; asking
     * for it a few events early hides the transfer (past the end of the
     * segment it only touches the next segment's header region: harmless). */
    __builtin_prefetch(&b->wseg->ev[b->widx] + 16, 1, 3);
    return &b->wseg->ev[b->widx];
}

static inline void mt_tbuf_commit(mt_tbuf_t *b, int n)
{
    b->widx += (uint32_t)n;
    b->count += (uint64_t)n;
    atomic_store_explicit(&b->published, b->count, memory_order_release);
}

/* The two shapes of event: one slot (allocations and frees), or two. */
static inline void mt_tbuf_put1(mt_tbuf_t *b, int kind, uint64_t ts, uint64_t addr,
                                uint64_t size, mt_stack_id_t stack)
{
    mt_slot_t *e = mt_tbuf_reserve(b, 1);
    if (e) {
        *e = (mt_slot_t){.ts = ts, .addr = addr, .size = size, .stack = stack,
                         .kind = (uint16_t)kind};
        mt_tbuf_commit(b, 1);
    }
}

void mt_tbuf_put2(mt_tbuf_t *b, const mt_raw_t *r);

/* The thread ended; its buffer is the writer's to drain and free. */
static inline void mt_tbuf_retire(mt_tbuf_t *b)
{
    atomic_store_explicit(&b->dead, 1, memory_order_release);
}

/* ---- consumer side: the writer ---- */

/* Consumes the next published event of b into *out; 0 when none is left. */
int mt_tbuf_consume(mt_tbuf_t *b, mt_raw_t *out);

/* The writer brackets each drain of every buffer with these: a drain
 * that has run for MT_LATE_NS makes producers wait at their next segment,
 * so the writer's lag behind the program, and with it what a SIGKILL can
 * lose, stays bounded in time as well as in bytes. */
#define MT_LATE_NS 10000000ull
void mt_buffer_pass_begin(uint64_t now);
void mt_buffer_pass_end(void);

/* Whether producers may wait for a consumer: on while the writer runs.
 * Without one a full backlog grows instead (nothing would drain it). */
void mt_buffer_set_consumer(int on);
/* Called by a producer as it starts to wait for room: the consumer may be
 * resting between drains, and nothing else would wake it before its rest
 * ends (both then sat idle, half the time on a one-thread ring). */
void mt_buffer_set_waker(void (*wake)(void));
/* 1 while a producer waits for room: the writer should not sleep. */
int mt_buffer_pressure(void);
/* How many times a producer waited for room, over the process's life. */
uint64_t mt_buffer_waits(void);

/* Fork child: the segment pool belongs to the parent's threads. */
void mt_buffer_after_fork_child(void);

#endif
