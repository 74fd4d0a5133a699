/* The recorder: what the hooks hand their facts to.  A plain C API, linked
 * into libmemtrace.so and into the unit tests, which call it with made-up
 * pointers.  Every function is a no-op while tracing is off or the calling
 * thread is inside the tracer (mt_busy). */
#ifndef MT_RECORD_H
#define MT_RECORD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "tracer/common.h"
#include "tracer/config.h"

/* 1 while events are recorded. */
extern _Atomic int mt_active;

/* Sets up the tables (idempotent); tracing starts with mt_active = 1. */
void mt_record_init(void);

void mt_record_alloc(void *p, size_t size);
/* Called before the block is released, with the time taken before the call. */
void mt_record_free(void *p, uint64_t t0);
/* old != NULL, result != NULL; t0 taken before the call; old_usable is the
 * old block's usable size, measured before the call. */
void mt_record_realloc(void *old, void *p, size_t size, size_t old_usable, uint64_t t0);
/* A copy of at least copy_min bytes, timed t0..t1. */
void mt_record_copy(int sub, void *dst, const void *src, size_t n, uint64_t t0, uint64_t t1);
void mt_record_mmap(void *addr, size_t len, int prot, int flags, int fd);
void mt_record_munmap(void *addr, size_t len, uint64_t t0);
void mt_record_mremap(void *old, size_t old_len, void *p, size_t len, uint64_t t0);
/* Emits the calling thread's open gathers (at exit, exec and thread end). */
void mt_record_close_gathers(void);

/* A copy below copy_min: counted by size class, gathered when its
 * destination lies inside a large block. */
void mt_record_gather_piece(void *dst, const void *src, size_t n);
void mt_count_small_copy(size_t n);
#include "tracer/capture/large.h"
#include "tracer/buffer/buffer.h"
/* Call only when tracing (mt_active and not mt_busy). */
static inline void mt_record_small_copy(void *dst, const void *src, size_t n)
{
    mt_tbuf_t *b = mt_my_buf;
    if (MT_LIKELY(b != NULL))
        mt_tbuf_count_small(b, n);
    else
        mt_count_small_copy(n);
    if (MT_UNLIKELY(mt_large_maybe((uint64_t)(uintptr_t)dst)))
        mt_record_gather_piece(dst, src, n);
}

#endif
