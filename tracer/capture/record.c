/* The recorder (see record.h): stamps each fact with a stack id and puts it
 * into the calling thread's buffer.  Policy about what is large, what is a
 * copy and what is a gather lives here, not in the hooks. */
#include "tracer/capture/record.h"

#include "tracer/capture/large.h"
#include "tracer/buffer/buffer.h"
#include "tracer/capture/stacks.h"
#include "tracer/capture/unwind.h"

_Atomic int mt_active;

void mt_record_init(void)
{
    mt_clock_init();
    mt_stacks_init();
    mt_large_init();
    mt_unwind_init();
    mt_ring_init();
}

/* Enter/leave the tracer; returns the thread's buffer or NULL to skip. */
static inline mt_tbuf_t *enter(void)
{
    if (!atomic_load_explicit(&mt_active, memory_order_relaxed) || mt_busy)
        return NULL;
    mt_busy = 1;
    mt_tbuf_t *b = mt_tbuf_get();
    if (!b)
        mt_busy = 0;
    return b;
}

static inline void leave(void) { mt_busy = 0; }

static void close_block(mt_tbuf_t *b, uint64_t block);

/* The two shapes of buffered event (ring.h). */
static inline void put1(mt_tbuf_t *b, int kind, uint64_t ts, uint64_t addr, uint64_t size,
                        uint32_t stack)
{
    mt_slot_t *e = mt_tbuf_reserve(b, 1);
    if (e) {
        *e = (mt_slot_t){.ts = ts, .addr = addr, .size = size, .stack = stack,
                         .kind = (uint16_t)kind};
        mt_tbuf_commit(b, 1);
    }
}

static void put2(mt_tbuf_t *b, const mt_raw_t *r)
{
    mt_slot_t *e = mt_tbuf_reserve(b, 2);
    if (e) {
        e[0] = (mt_slot_t){.ts = r->ts, .addr = r->addr, .size = r->size, .stack = r->stack,
                           .kind = r->kind, .sub = r->sub};
        *(mt_slot_ext_t *)&e[1] = (mt_slot_ext_t){.aux = r->aux, .aux2 = r->aux2, .n = r->n};
        mt_tbuf_commit(b, 2);
    }
}

void mt_record_alloc(void *p, size_t size)
{
    if (!p)
        return;
    mt_tbuf_t *b = enter();
    if (!b)
        return;
    uint32_t stack = mt_stack_capture(b, mt_cfg.depth);
    put1(b, MT_RAW_ALLOC, mt_now(), (uintptr_t)p, size, stack);
    if (size >= mt_cfg.gather_min)
        mt_large_add((uintptr_t)p, size);
    leave();
}

static void free_event(mt_tbuf_t *b, uint64_t addr, uint64_t t0)
{
    put1(b, MT_RAW_FREE, t0, addr, 0, 0);
}

void mt_record_free(void *p, uint64_t t0)
{
    if (!p)
        return;
    mt_tbuf_t *b = enter();
    if (!b)
        return;
    uint64_t addr = (uintptr_t)p;
    if (mt_large_maybe(addr) && mt_large_remove(addr))
        close_block(b, addr);
    free_event(b, addr, t0);
    leave();
}

static void copy_event(mt_tbuf_t *b, int sub, uint64_t dst, uint64_t src, uint64_t n,
                       uint64_t t0, uint64_t t1, uint32_t stack)
{
    put2(b, &(mt_raw_t){.kind = MT_RAW_COPY, .sub = (uint16_t)sub, .ts = t0, .addr = dst,
                        .aux = src, .size = n, .aux2 = t1, .stack = stack});
}

void mt_record_realloc(void *old, void *p, size_t size, size_t old_usable, uint64_t t0)
{
    mt_tbuf_t *b = enter();
    if (!b)
        return;
    uint64_t t1 = mt_now();
    uint32_t stack = mt_stack_capture(b, mt_cfg.depth);
    uint64_t o = (uintptr_t)old, a = (uintptr_t)p;
    if (mt_large_maybe(o) && mt_large_remove(o))
        close_block(b, o);
    free_event(b, o, t0);
    put2(b, &(mt_raw_t){.kind = MT_RAW_REALLOC, .ts = t1, .addr = a, .size = size, .aux = o,
                        .stack = stack});
    uint64_t moved = old_usable < size ? old_usable : size;
    if (a != o && moved >= mt_cfg.copy_min)
        copy_event(b, MT_COPY_REALLOC, a, o, moved, t0, t1, stack);
    else if (a != o)
        mt_tbuf_count_small(b, moved);
    if (size >= mt_cfg.gather_min)
        mt_large_add(a, size);
    leave();
}

void mt_record_copy(int sub, void *dst, const void *src, size_t n, uint64_t t0, uint64_t t1)
{
    mt_tbuf_t *b = enter();
    if (!b)
        return;
    copy_event(b, sub, (uintptr_t)dst, (uintptr_t)src, n, t0, t1,
               mt_stack_capture(b, mt_cfg.depth));
    leave();
}

void mt_count_small_copy(size_t n)
{
    mt_tbuf_t *b = enter();
    if (!b)
        return;
    mt_tbuf_count_small(b, n);
    leave();
}

/* ---- gathers ---- */

static void emit_gather(mt_tbuf_t *b, mt_gather_t *g)
{
    if (g->pieces >= 2) {
        put2(b, &(mt_raw_t){.kind = MT_RAW_GATHER, .ts = g->first_ts, .addr = g->dst,
                            .aux = g->src, .size = g->bytes, .aux2 = g->last_ts,
                            .n = g->pieces, .stack = g->stack});
    }
    g->block = g->block_end = 0;
    g->pieces = 0;
}

static void close_block(mt_tbuf_t *b, uint64_t block)
{
    for (int i = 0; i < MT_GATHER_SLOTS; i++)
        if (b->gather[i].block_end && b->gather[i].block == block)
            emit_gather(b, &b->gather[i]);
}

void mt_record_close_gathers(void)
{
    mt_tbuf_t *b = mt_tbuf_get();
    if (!b)
        return;
    for (int i = 0; i < MT_GATHER_SLOTS; i++)
        if (b->gather[i].block_end)
            emit_gather(b, &b->gather[i]);
}

void mt_record_gather_piece(void *dst, const void *src, size_t n)
{
    mt_tbuf_t *b = enter();
    if (!b)
        return;
    uint64_t d = (uintptr_t)dst, now = mt_now();
    for (int i = 0; i < MT_GATHER_SLOTS; i++) {
        mt_gather_t *g = &b->gather[i];
        if (d >= g->block && d < g->block_end) {
            g->pieces++;
            g->bytes += n;
            g->last_ts = now;
            leave();
            return;
        }
    }
    uint64_t start, end;
    if (mt_large_find(d, &start, &end)) {
        mt_gather_t *g = &b->gather[b->gather_next++ % MT_GATHER_SLOTS];
        if (g->block_end)
            emit_gather(b, g);
        *g = (mt_gather_t){.block = start, .block_end = end, .first_ts = now, .last_ts = now,
                           .bytes = n, .pieces = 1, .dst = d, .src = (uintptr_t)src,
                           .stack = mt_stack_capture(b, mt_cfg.depth)};
    }
    leave();
}

/* ---- mappings ----
 * Mappings are never gather targets: a large anonymous mapping is most often
 * an allocator's arena (pymalloc's are 1 MiB), and copies into it land in
 * many small objects, not in one buffer being joined. */

void mt_record_mmap(void *addr, size_t len, int prot, int flags, int fd)
{
    mt_tbuf_t *b = enter();
    if (!b)
        return;
    uint32_t stack = mt_stack_capture(b, mt_cfg.depth);
    put2(b, &(mt_raw_t){.kind = MT_RAW_MMAP, .ts = mt_now(), .addr = (uintptr_t)addr,
                        .size = len, .aux = (uint64_t)(int64_t)fd,
                        .aux2 = (uint32_t)prot | (uint64_t)(uint32_t)flags << 32,
                        .stack = stack});
    leave();
}

void mt_record_munmap(void *addr, size_t len, uint64_t t0)
{
    mt_tbuf_t *b = enter();
    if (!b)
        return;
    put2(b, &(mt_raw_t){.kind = MT_RAW_MUNMAP, .ts = t0, .addr = (uintptr_t)addr, .size = len});
    leave();
}

void mt_record_mremap(void *old, size_t old_len, void *p, size_t len, uint64_t t0)
{
    mt_tbuf_t *b = enter();
    if (!b)
        return;
    uint32_t stack = mt_stack_capture(b, mt_cfg.depth);
    uint64_t o = (uintptr_t)old;
    put2(b, &(mt_raw_t){.kind = MT_RAW_MREMAP, .ts = t0, .addr = (uintptr_t)p, .size = len,
                        .aux = o, .aux2 = old_len, .stack = stack});
    leave();
}
