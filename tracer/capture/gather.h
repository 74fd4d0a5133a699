/* Gathers: runs of small copies into one large heap block (gather_min
 * bytes or more, large.h), each recorded as one event with its pieces,
 * bytes, first and last time and the stack of its first piece.  A thread
 * keeps a few open gathers; one ends when its block is freed or moved, when
 * a newer gather takes its slot, and at thread end, exit and exec. */
#ifndef MT_GATHER_H
#define MT_GATHER_H

#include <stdint.h>

#include "tracer/capture/stacks.h"

#define MT_GATHER_SLOTS 4

typedef struct mt_gather {
    uint64_t block, block_end; /* the large block the pieces land in; 0: free slot */
    uint64_t first_ts, last_ts, bytes, pieces, dst, src;
    uint64_t copy_ns; /* the pieces' own durations, summed: a gather's
                       * span is mostly the program doing other things */
    mt_stack_id_t stack;
} mt_gather_t;

/* Per thread, owned by gather.c. */
typedef struct mt_gathers {
    mt_gather_t slot[MT_GATHER_SLOTS];
    uint32_t next; /* the slot a new gather takes */
} mt_gathers_t;

struct mt_thread;

/* A copy below copy_min whose destination may lie in a large block, timed
 * t0..t1. */
void mt_gather_piece(struct mt_thread *t, uint64_t dst, uint64_t src, uint64_t n, uint64_t t0,
                     uint64_t t1);
/* The block at start is being freed or moved: its gathers end. */
void mt_gather_end_block(struct mt_thread *t, uint64_t start);
/* Every open gather of the thread ends. */
void mt_gather_end_all(struct mt_thread *t);

#endif
