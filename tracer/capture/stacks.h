/* The stack table: every distinct call stack gets a small id, shared by all
 * threads.  Lookups go through a per-thread cache first; a miss inserts into
 * one global lock-free table, so no thread ever waits for another here. */
#ifndef MT_STACKS_H
#define MT_STACKS_H

#include <stdint.h>

#include "tracer/buffer/buffer.h"

void mt_stacks_init(void);
/* Id of the stack ips[0..depth) (1-based; 0 if the table is full). */
uint32_t mt_stack_intern(mt_tbuf_t *b, const uintptr_t *ips, int depth);
/* Captures the calling thread's stack (frames inside the tracer skipped) and
 * interns it. */
uint32_t mt_stack_capture(mt_tbuf_t *b, int max_depth);
/* For the writer: frames of a published id; NULL if id is unknown. */
const uintptr_t *mt_stack_get(uint32_t id, uint32_t *depth);
uint32_t mt_stack_count(void);

#endif
