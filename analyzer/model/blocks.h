/* The live set during a replay: heap blocks by address (hash), and the
 * larger blocks and anonymous mappings by address range (treap), so a copy's
 * source and destination can be traced to the allocation holding them. */
#ifndef MTR_MODEL_BLOCKS_H
#define MTR_MODEL_BLOCKS_H

#include <stdint.h>

/* What a block is: a heap block, or a mapping: anonymous, of a file, or an
 * allocator's arena (anonymous memory that many small objects share, so
 * never taken for one of the program's buffers). */
/* RESERVED: anonymous and PROT_NONE, address space the program cannot
 * touch (until mprotect makes it ANON): never memory. */
enum { MTR_MAP_NONE, MTR_MAP_ANON, MTR_MAP_FILE, MTR_MAP_ARENA, MTR_MAP_RESERVED };

typedef struct mtr_block {
    uint64_t addr, size, ts; /* ts: when it was allocated (identifies it) */
    uint32_t stack;
    int mapping;             /* MTR_MAP_*: a heap block or a mapping */
    /* realloc chain that produced this block: its moves, the bytes they
     * copied, the time the recorded moves spent copying, and the old size
     * and step of its first and last growing move (analyze.c: additive) */
    uint64_t chain_ts, chain_copied, chain_ns;
    uint64_t chain_first_old, chain_first_step, chain_last_old, chain_last_step;
    uint32_t chain_moves;
} mtr_block_t;

typedef struct mtr_blocks mtr_blocks_t;

/* Blocks of at least range_min bytes (and all mappings) are range-indexed. */
mtr_blocks_t *mtr_blocks_new(uint64_t range_min);
void mtr_blocks_free(mtr_blocks_t *b);
/* Adds a heap block or a mapping.  A heap block replaces one live at the same
 * address; the replaced block's size is returned (0 if none).  A mapping
 * first unmaps whatever it overlaps (MAP_FIXED): use mtr_blocks_unmap before
 * to learn how much that was. */
uint64_t mtr_blocks_add(mtr_blocks_t *b, const mtr_block_t *blk);
/* Removes the heap block at addr into *out; 0 if there was none. */
int mtr_blocks_remove(mtr_blocks_t *b, uint64_t addr, mtr_block_t *out);
/* The heap block starting at addr, or NULL. */
const mtr_block_t *mtr_blocks_get(const mtr_blocks_t *b, uint64_t addr);
/* The range-indexed block or mapping holding addr, or NULL. */
const mtr_block_t *mtr_blocks_holding(const mtr_blocks_t *b, uint64_t addr);
/* Unmaps [addr, addr+len) from the mappings; returns the anonymous bytes
 * released.  Partly unmapped mappings shrink or split. */
uint64_t mtr_blocks_unmap(mtr_blocks_t *b, uint64_t addr, uint64_t len);
/* mprotect: the anonymous mappings in [addr, addr+len) become RESERVED
 * (prot_none) or ANON, split where the range ends inside one.  Returns the
 * anonymous bytes that became memory minus those that stopped being it. */
int64_t mtr_blocks_protect(mtr_blocks_t *b, uint64_t addr, uint64_t len, int prot_none);
/* The RESERVED bytes mapped now. */
uint64_t mtr_blocks_reserved(const mtr_blocks_t *b);
/* Calls fn on every live block and mapping. */
void mtr_blocks_each(const mtr_blocks_t *b, void (*fn)(const mtr_block_t *, void *), void *arg);
uint64_t mtr_blocks_count(const mtr_blocks_t *b);

#endif
