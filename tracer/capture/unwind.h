/* The unwinder contract.  mt_unwind fills ips[0..max) with the calling
 * thread's return addresses, innermost first, skipping the frames inside
 * libmemtrace itself, and returns how many it wrote.  It must not call malloc
 * (it runs inside malloc hooks) and must be safe on any thread at any time
 * the program may call malloc.
 *
 * The fast path applies cached DWARF CFA rules (cfi.h) itself, and reuses
 * the part of the thread's previous stack that provably did not change;
 * anything it cannot follow soundly (signal frames, stack realignment, code
 * without unwind tables, a stack it does not know) goes to libunwind. */
#ifndef MT_UNWIND_H
#define MT_UNWIND_H

#include <stdint.h>

#include "tracer/capture/cfi.h"
#include "tracer/capture/stacks.h"

#define MT_MAX_DEPTH 256
#define MT_RULE_BITS 13
#define MT_RULE_CACHE (1 << MT_RULE_BITS)

/* One frame of a walk: its registers, and the memory the step to its caller
 * read (the return address slot, and the saved-rbp slot if any).  The step
 * is a function of exactly these, which is what makes reuse sound. */
typedef struct mt_step {
    uintptr_t pc, sp, bp;
    uintptr_t ra_at;  /* 0: the stack ends here by its unwind rule */
    uintptr_t bp_at;  /* 0: rbp unchanged */
    uint64_t hash;    /* of the pcs from this frame to the outermost */
} mt_step_t;

/* Per thread, owned by unwind.c: the rules of the code addresses it has
 * unwound through, the bounds of its own stack's mapping (no read ever
 * leaves them), and its last stack, outermost frame first. */
typedef struct mt_unwind_cache {
    struct {
        uintptr_t pc; /* 0 = empty */
        mt_cfi_rule_t rule;
        int ok; /* 0: pc is beyond the fast path */
    } rule[MT_RULE_CACHE];
    uint32_t gen;
    uintptr_t stack_lo, stack_hi;     /* the thread's own stack */
    uintptr_t foreign_lo, foreign_hi; /* the last other stack met */
    uint32_t scans, misses;
    int main_stack;                   /* stack_lo can move down */
    int last_n;        /* frames in last[]; 0 = nothing to reuse */
    int last_complete; /* last[0] is the outermost frame, not a cut at max */
    uintptr_t beyond;  /* last[0]'s CFA; UINTPTR_MAX when complete */
    mt_step_t last[MT_MAX_DEPTH];
    mt_step_t fresh[MT_MAX_DEPTH]; /* the frames of the walk in progress */
} mt_unwind_cache_t;

void mt_unwind_init(void);
/* Captures up to max frames into ips and their mt_stack_hash (stacks.h)
 * into *hash; with sps (room for max + 1), also each frame's stack pointer
 * (the callee's CFA): frame i's locals lie in [sps[i], sps[i + 1]), and
 * sps[n] bounds the last one (UINTPTR_MAX when the stack ended there). */
int mt_unwind(mt_unwind_cache_t *c, uintptr_t *ips, uintptr_t *sps, int max, uint64_t *hash);
/* Code may have been unmapped (dlclose): every cached rule is suspect. */
void mt_unwind_forget(void);
/* How many captures the fast path handed to libunwind (for meta). */
uint64_t mt_unwind_slow_count(void);

#endif
