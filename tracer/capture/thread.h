/* Everything the tracer keeps per program thread, composed of one part per
 * module that owns it.  Only the thread itself touches its mt_thread_t;
 * what crosses to the writer is the buffer it points to, which outlives it
 * until the writer has drained it. */
#ifndef MT_THREAD_H
#define MT_THREAD_H

#include "tracer/buffer/buffer.h"
#include "tracer/capture/gather.h"
#include "tracer/capture/python.h"
#include "tracer/capture/stacks.h"
#include "tracer/capture/unwind.h"
#include "tracer/common.h"
#include "tracer/config.h"

typedef struct mt_thread {
    mt_tbuf_t *buf;           /* buffer/buffer.c: the events for the writer */
    mt_stack_cache_t stacks;  /* capture/stacks.c */
    mt_gathers_t gathers;     /* capture/gather.c */
    mt_unwind_cache_t unwind; /* capture/unwind.c */
    mt_pythread_t py;         /* capture/python.c */
} mt_thread_t;

/* Owned by thread.c. */
extern MT_TLS mt_thread_t *mt_my_thread;

/* Registers the thread-end handler; before any thread is traced. */
void mt_thread_init(void);
mt_thread_t *mt_thread_new(void);

/* The calling thread's state, created on first use (NULL when out of
 * memory).  Call inside the guard. */
static inline mt_thread_t *mt_thread_get(void)
{
    return MT_LIKELY(mt_my_thread != NULL) ? mt_my_thread : mt_thread_new();
}

/* The calling thread's stack (frames inside the tracer skipped), interned. */
static inline mt_stack_id_t mt_thread_stack(mt_thread_t *t)
{
    if (MT_UNLIKELY(mt_python_on))
        return mt_python_stack(&t->py, &t->unwind, &t->stacks, mt_cfg.depth);
    uintptr_t ips[MT_MAX_DEPTH];
    uint64_t h;
    int n = mt_unwind(&t->unwind, ips, NULL, mt_cfg.depth, &h);
    return n > 0 ? mt_stack_intern(&t->stacks, h, ips, n) : (mt_stack_id_t){0};
}

/* Fork child: the parent's thread states are not the child's. */
void mt_thread_after_fork_child(void);

#endif
