/* The stack table: every distinct call stack gets a small id, shared by all
 * threads.  Lookups go through the calling thread's cache first; a miss
 * inserts into one global lock-free table, so no thread ever waits for
 * another here.  The table's key is the stack hash below, which the
 * unwinder folds as it walks. */
#ifndef MT_STACKS_H
#define MT_STACKS_H

#include <stdint.h>

/* An id of the stack table, 1-based; 0 is no stack.  A struct so that it
 * cannot be mixed up with a stack_nodes id (storage/trie.h). */
typedef struct mt_stack_id {
    uint32_t v;
} mt_stack_id_t;

/* Per thread, owned by stacks.c: the ids of the thread's recent stacks. */
#define MT_STACK_CACHE 8192 /* entries, in sets of two */
typedef struct mt_stack_cache {
    struct {
        uint64_t hash;
        uint32_t id, depth;
    } e[MT_STACK_CACHE];
} mt_stack_cache_t;

void mt_stacks_init(void);
/* Fork child, before its first event: the table is empty again (the ids
 * the parent gave out mean nothing in the child's database). */
void mt_stacks_after_fork_child(void);
/* The id of the stack ips[0..depth) whose mt_stack_hash is hash ({0} if
 * the table is full). */
mt_stack_id_t mt_stack_intern(mt_stack_cache_t *c, uint64_t hash, const uintptr_t *ips,
                              int depth);
/* For the writer: frames of a published id; NULL if id is unknown. */
const uintptr_t *mt_stack_get(mt_stack_id_t id, uint32_t *depth);
uint32_t mt_stack_count(void);

/* ---- the stack hash ----
 * Folded from the outermost frame in, so that a stack sharing its outer
 * frames with the previous one hashes only the new ones. */
#define MT_HASH_SEED 0x9E3779B97F4A7C15ull

static inline uint64_t mt_hash_step(uint64_t h, uintptr_t pc)
{
    h = (h ^ pc) * 0xff51afd7ed558ccdull;
    return h ^ (h >> 31);
}

static inline uint64_t mt_hash_final(uint64_t h, int depth)
{
    h ^= (uint64_t)depth * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 32;
    h *= 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return h ? h : 1;
}

/* The hash of ips[0..depth) from scratch, as the chain gives it. */
static inline uint64_t mt_stack_hash(const uintptr_t *ips, int depth)
{
    uint64_t h = MT_HASH_SEED;
    for (int i = depth; i-- > 0;)
        h = mt_hash_step(h, ips[i]);
    return mt_hash_final(h, depth);
}

#endif
