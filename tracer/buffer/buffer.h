/* Per-thread event buffers: a chain of fixed-size segments that the owning
 * thread appends to and the writer thread consumes.  Appending never waits on
 * the writer (it takes a new segment instead), so a thread inside dlopen or a
 * signal handler cannot deadlock against a writer that needs the same lock. */
#ifndef MT_RING_H
#define MT_RING_H

#include <stdatomic.h>
#include <stdint.h>

#include "tracer/common.h"
#include "format/kinds.h"
#include "tracer/capture/unwind.h"

enum {
    MT_RAW_PAD = 0,     /* the rest of the segment is unused */
    MT_RAW_ALLOC = 1,   /* addr, size, stack */
    MT_RAW_FREE,        /* addr */
    /* from here on, events take two slots (mt_raw_slots) */
    MT_RAW_REALLOC,     /* addr (new), size, aux = old, stack */
    MT_RAW_COPY,        /* addr = dst, size, aux = src, aux2 = end ts, sub = MT_COPY_* (format/kinds.h) */
    MT_RAW_GATHER,      /* addr = first dst, size, aux = first src, aux2 = last ts, n = pieces */
    MT_RAW_MMAP,        /* addr, size, aux = fd, aux2 = prot | flags << 32 */
    MT_RAW_MUNMAP,      /* addr, size */
    MT_RAW_MREMAP,      /* addr (new), size (new), aux = old addr, aux2 = old size */
};

/* One event as the writer sees it. */
typedef struct mt_raw {
    uint64_t ts, addr, size, aux, aux2, n;
    uint32_t stack; /* id in the stack table (stacks.h), 0 = none */
    uint16_t kind, sub;
} mt_raw_t;

/* One event as it sits in a buffer: 32 bytes, half a cache line, for the
 * allocations and frees that are nearly all the traffic; the other kinds
 * add a second slot.  Every byte written here crosses to the writer's core. */
typedef struct mt_slot {
    uint64_t ts, addr, size;
    uint32_t stack;
    uint16_t kind, sub;
} mt_slot_t;
typedef struct mt_slot_ext {
    uint64_t aux, aux2, n, unused;
} mt_slot_ext_t;

static inline int mt_raw_slots(int kind) { return kind >= MT_RAW_REALLOC ? 2 : 1; }

#define MT_SEG_SLOTS 8192
typedef struct mt_seg {
    _Atomic(struct mt_seg *) next;
    uint64_t pad[7];
    mt_slot_t ev[MT_SEG_SLOTS];
} mt_seg_t;

#define MT_SIZE_CLASSES 64
#define MT_GATHER_SLOTS 4
#define MT_STACK_CACHE 1024

typedef struct mt_gather {
    uint64_t block, block_end; /* the large block the pieces land in */
    uint64_t first_ts, last_ts, bytes, pieces, dst, src;
    uint32_t stack;
} mt_gather_t;

typedef struct mt_tbuf {
    /* producer side, touched only by the owning thread */
    mt_seg_t *wseg;
    uint32_t widx;
    uint64_t count;
    struct {
        uint64_t hash;
        uint32_t id, depth;
    } cache[MT_STACK_CACHE];
    mt_gather_t gather[MT_GATHER_SLOTS];
    uint32_t gather_next;
    mt_unwind_cache_t unwind;
    /* shared */
    _Atomic uint64_t published;
    _Atomic int dead;
    _Atomic uint64_t small_count[MT_SIZE_CLASSES];
    _Atomic uint64_t small_bytes[MT_SIZE_CLASSES];
    uint32_t tid;
    uint64_t first_ts;
    struct mt_tbuf *next; /* registry, under the registry lock */
    /* consumer side, touched only by the writer */
    mt_seg_t *rseg;
    uint32_t ridx;
    uint64_t consumed;
    void *wstate; /* the writer's per-thread state */
} mt_tbuf_t;

/* The calling thread's buffer, created on first use (NULL if out of memory). */
extern MT_TLS mt_tbuf_t *mt_my_buf;
mt_tbuf_t *mt_tbuf_get(void);

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

/* Writer side: iterate the registry, consume, reclaim. */
void mt_registry_lock(void);
void mt_registry_unlock(void);
mt_tbuf_t *mt_registry_first(void);
/* Consumes the next published event of b into *out; 0 when none is left.
 * published and consumed count slots, not events. */
int mt_tbuf_consume(mt_tbuf_t *b, mt_raw_t *out);
/* Unlinks and frees b (dead and fully consumed); registry lock held. */
void mt_tbuf_reclaim(mt_tbuf_t *b, mt_tbuf_t *prev);
void mt_seg_free(mt_seg_t *s);

/* Fork child: forget every buffer (they belong to the parent's threads). */
void mt_ring_after_fork_child(void);
void mt_ring_init(void);

#endif
