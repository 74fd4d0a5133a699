/* The recorder: what the hooks hand their facts to.  A plain C API, linked
 * into libmemtrace.so and into the unit tests, which call it with made-up
 * pointers.  Every function is a no-op while recording is off or the
 * calling thread is inside the tracer (guard.h). */
#ifndef MT_RECORD_H
#define MT_RECORD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "tracer/capture/guard.h"
#include "tracer/capture/large.h"
#include "tracer/capture/thread.h"

/* 1 while events are recorded, 2 while the trace closes (mt_record_close),
 * 0 when off.  Owned by record.c: others read it through mt_record_active
 * and change it with mt_record_start / close / stop. */
extern _Atomic int mt_active;

static inline int mt_record_active(void)
{
    return atomic_load_explicit(&mt_active, memory_order_relaxed);
}

/* Sets up the tables (idempotent). */
void mt_record_init(void);
void mt_record_start(void);
void mt_record_stop(void);
/* The trace is closing on the calling thread (which holds the guard): any
 * other thread that would record an event waits until mt_record_start or
 * mt_record_stop, at most 2 s, and records nothing. */
void mt_record_close(void);

void mt_record_alloc(void *p, size_t size);
/* Called before the block is released, with the time taken before the call. */
void mt_record_free(void *p, uint64_t t0);
/* old != NULL, result != NULL; t0 taken before the call; old_usable is the
 * old block's usable size, measured before the call; mapped: the old block
 * was the allocator's own mapping, which it moves with mremap. */
void mt_record_realloc(void *old, void *p, size_t size, size_t old_usable, int mapped,
                       uint64_t t0);
/* A copy of at least copy_min bytes, timed t0..t1; kind MT_COPY_*. */
void mt_record_copy(int kind, void *dst, const void *src, size_t n, uint64_t t0, uint64_t t1);
/* fd -1 for anonymous memory. */
void mt_record_mmap(void *addr, size_t len, int prot, int flags, int fd);
void mt_record_munmap(void *addr, size_t len, uint64_t t0);
void mt_record_mremap(void *old, size_t old_len, void *p, size_t len, uint64_t t0);
/* After a successful mprotect or madvise of [addr, addr + len). */
void mt_record_mprotect(void *addr, size_t len, int prot);
void mt_record_madvise(void *addr, size_t len, int advice);
/* Ends the calling thread's open gathers (at exit and exec). */
void mt_record_end_gathers(void);

/* A copy below copy_min: counted by size class (mt_record_small_copy), and
 * gathered when its destination lies inside a large block, which only a
 * copy that mt_record_may_gather is timed for (the rest stay one load and
 * a count).  Call only when tracing. */
void mt_record_gather_piece(void *dst, const void *src, size_t n, uint64_t t0, uint64_t t1);
void mt_record_count_small(size_t n);
static inline int mt_record_may_gather(const void *dst)
{
    return MT_UNLIKELY(mt_large_maybe((uint64_t)(uintptr_t)dst));
}
static inline void mt_record_small_copy(size_t n)
{
    mt_thread_t *t = mt_my_thread;
    if (MT_LIKELY(t != NULL))
        mt_tbuf_count_small(t->buf, n);
    else
        mt_record_count_small(n);
}

#endif
