/* Builds small trace databases by hand for analyzer tests, through the
 * tracer's own sink and codec, so they have exactly the tracer's format.
 * One database at a time (the sink is a singleton).  Times are ns from the
 * trace start; stacks are made with tg_stack. */
#ifndef MT_TRACEGEN_H
#define MT_TRACEGEN_H

#include <stdint.h>

#include "format/kinds.h"
#include "format/meta.h"

#define TG_START_NS 1000000000ull

void tg_open(const char *path);
/* A stack of n made-up return addresses, outermost last; returns its node. */
uint32_t tg_stack(int n, const uint64_t *ips_innermost_first);
void tg_alloc(uint32_t tid, uint64_t t, uint64_t addr, uint64_t size, uint32_t stack);
void tg_free(uint32_t tid, uint64_t t, uint64_t addr);
/* A realloc as the tracer records it: the old block's free at t and the new
 * block at t + 1 (a move's copy, if any, is the caller's tg_copy). */
void tg_realloc(uint32_t tid, uint64_t t, uint64_t old, uint64_t addr, uint64_t size,
                uint32_t stack);
/* kind: MT_COPY_*; it took dur, all of it copying */
void tg_copy(uint32_t tid, uint64_t t, uint64_t dur, int kind, uint64_t src, uint64_t dst,
             uint64_t bytes, uint64_t pieces, uint32_t stack);
/* A gather whose pieces span t .. t + span and took copy_ns in all. */
void tg_gather(uint32_t tid, uint64_t t, uint64_t span, uint64_t copy_ns, uint64_t src,
               uint64_t dst, uint64_t bytes, uint64_t pieces, uint32_t stack);
void tg_mmap(uint64_t t, uint64_t addr, uint64_t size, int anon, uint32_t stack);
void tg_munmap(uint64_t t, uint64_t addr, uint64_t size);
void tg_meta_int(mt_meta_t key, int64_t v);
/* Writes everything; complete = 0 makes a trace of a killed program. */
void tg_close(uint64_t end_t, int complete);

#endif
