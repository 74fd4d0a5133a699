/* The live set (see blocks.h).  Heap blocks live in an open-addressing hash
 * keyed by address (backward-shift deletion keeps probes short); blocks of at
 * least range_min bytes are also kept, with all mappings, in two treaps
 * ordered by address for "which block holds this address" queries. */
#include "analyzer/model/blocks.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer/grow.h"

typedef struct tnode {
    mtr_block_t blk;
    uint64_t prio;
    struct tnode *l, *r;
} tnode_t;

struct mtr_blocks {
    mtr_block_t *slots; /* addr 0 = empty */
    uint64_t cap, n;
    uint64_t range_min;
    tnode_t *heap_tree, *map_tree;
    uint64_t rng, nmaps;
    uint64_t reserved; /* bytes of the RESERVED mappings in map_tree */
};

static uint64_t hash(uint64_t a)
{
    a ^= a >> 33;
    a *= 0xff51afd7ed558ccdull;
    a ^= a >> 33;
    return a;
}

/* ---- treap ---- */

static uint64_t next_prio(mtr_blocks_t *b)
{
    b->rng ^= b->rng << 13;
    b->rng ^= b->rng >> 7;
    b->rng ^= b->rng << 17;
    return b->rng;
}

static void split(tnode_t *t, uint64_t key, tnode_t **l, tnode_t **r)
{
    if (!t) {
        *l = *r = NULL;
    } else if (t->blk.addr < key) {
        split(t->r, key, &t->r, r);
        *l = t;
    } else {
        split(t->l, key, l, &t->l);
        *r = t;
    }
}

static tnode_t *merge(tnode_t *l, tnode_t *r)
{
    if (!l || !r)
        return l ? l : r;
    if (l->prio > r->prio) {
        l->r = merge(l->r, r);
        return l;
    }
    r->l = merge(l, r->l);
    return r;
}

static void tree_insert(mtr_blocks_t *b, tnode_t **root, const mtr_block_t *blk)
{
    tnode_t *n = mtr_calloc(1, sizeof *n);
    n->blk = *blk;
    n->prio = next_prio(b);
    tnode_t *l, *r;
    split(*root, blk->addr, &l, &r);
    *root = merge(merge(l, n), r);
}

static void tree_remove(tnode_t **root, uint64_t addr)
{
    tnode_t **p = root;
    while (*p && (*p)->blk.addr != addr)
        p = addr < (*p)->blk.addr ? &(*p)->l : &(*p)->r;
    if (!*p)
        return;
    tnode_t *dead = *p;
    *p = merge(dead->l, dead->r);
    free(dead);
}

/* The node with the largest start <= addr. */
static tnode_t *tree_pred(tnode_t *t, uint64_t addr)
{
    tnode_t *best = NULL;
    while (t) {
        if (t->blk.addr <= addr) {
            best = t;
            t = t->r;
        } else {
            t = t->l;
        }
    }
    return best;
}

static void tree_free(tnode_t *t)
{
    if (!t)
        return;
    tree_free(t->l);
    tree_free(t->r);
    free(t);
}

static void tree_each(const tnode_t *t, void (*fn)(const mtr_block_t *, void *), void *arg)
{
    if (!t)
        return;
    tree_each(t->l, fn, arg);
    fn(&t->blk, arg);
    tree_each(t->r, fn, arg);
}

/* ---- hash ---- */

mtr_blocks_t *mtr_blocks_new(uint64_t range_min)
{
    mtr_blocks_t *b = mtr_calloc(1, sizeof *b);
    b->cap = 1024;
    b->slots = mtr_calloc(b->cap, sizeof *b->slots);
    b->range_min = range_min;
    b->rng = 0x9E3779B97F4A7C15ull;
    return b;
}

void mtr_blocks_free(mtr_blocks_t *b)
{
    if (!b)
        return;
    tree_free(b->heap_tree);
    tree_free(b->map_tree);
    free(b->slots);
    free(b);
}

static uint64_t find_slot(const mtr_blocks_t *b, uint64_t addr)
{
    uint64_t i = hash(addr) & (b->cap - 1);
    while (b->slots[i].addr && b->slots[i].addr != addr)
        i = (i + 1) & (b->cap - 1);
    return i;
}

static void grow(mtr_blocks_t *b)
{
    mtr_block_t *old = b->slots;
    uint64_t oldcap = b->cap;
    b->slots = mtr_calloc(oldcap * 2, sizeof *b->slots);
    b->cap = oldcap * 2;
    for (uint64_t i = 0; i < oldcap; i++)
        if (old[i].addr)
            b->slots[find_slot(b, old[i].addr)] = old[i];
    free(old);
}

/* The mappings' tree, with the count and the reserved bytes kept beside it. */
static void map_insert(mtr_blocks_t *b, const mtr_block_t *blk)
{
    b->nmaps++;
    if (blk->mapping == MTR_MAP_RESERVED)
        b->reserved += blk->size;
    tree_insert(b, &b->map_tree, blk);
}

static void map_remove(mtr_blocks_t *b, const mtr_block_t *blk)
{
    b->nmaps--;
    if (blk->mapping == MTR_MAP_RESERVED)
        b->reserved -= blk->size;
    tree_remove(&b->map_tree, blk->addr);
}

uint64_t mtr_blocks_add(mtr_blocks_t *b, const mtr_block_t *blk)
{
    uint64_t replaced = 0;
    if (blk->mapping) { /* a mapping: MAP_FIXED may replace what was there */
        mtr_blocks_unmap(b, blk->addr, blk->size);
        map_insert(b, blk);
        return 0;
    }
    if (!blk->addr)
        return 0;
    if ((b->n + 1) * 4 > b->cap * 3)
        grow(b);
    uint64_t i = find_slot(b, blk->addr);
    if (b->slots[i].addr) {
        replaced = b->slots[i].size;
        if (replaced >= b->range_min)
            tree_remove(&b->heap_tree, blk->addr);
        b->n--;
    }
    b->slots[i] = *blk;
    b->n++;
    if (blk->size >= b->range_min)
        tree_insert(b, &b->heap_tree, blk);
    return replaced;
}

int mtr_blocks_remove(mtr_blocks_t *b, uint64_t addr, mtr_block_t *out)
{
    if (!addr)
        return 0;
    uint64_t i = find_slot(b, addr);
    if (!b->slots[i].addr)
        return 0;
    *out = b->slots[i];
    if (out->size >= b->range_min)
        tree_remove(&b->heap_tree, addr);
    /* backward-shift deletion */
    uint64_t j = i;
    for (;;) {
        j = (j + 1) & (b->cap - 1);
        if (!b->slots[j].addr)
            break;
        uint64_t home = hash(b->slots[j].addr) & (b->cap - 1);
        if (((j - home) & (b->cap - 1)) >= ((j - i) & (b->cap - 1))) {
            b->slots[i] = b->slots[j];
            i = j;
        }
    }
    memset(&b->slots[i], 0, sizeof b->slots[i]);
    b->n--;
    return 1;
}

const mtr_block_t *mtr_blocks_get(const mtr_blocks_t *b, uint64_t addr)
{
    if (!addr)
        return NULL;
    uint64_t i = find_slot(b, addr);
    return b->slots[i].addr ? &b->slots[i] : NULL;
}

const mtr_block_t *mtr_blocks_holding(const mtr_blocks_t *b, uint64_t addr)
{
    const mtr_block_t *exact = mtr_blocks_get(b, addr);
    if (exact)
        return exact;
    tnode_t *t = tree_pred(b->heap_tree, addr);
    if (t && addr - t->blk.addr < t->blk.size)
        return &t->blk;
    t = tree_pred(b->map_tree, addr);
    if (t && addr - t->blk.addr < t->blk.size)
        return &t->blk;
    return NULL;
}

uint64_t mtr_blocks_unmap(mtr_blocks_t *b, uint64_t addr, uint64_t len)
{
    uint64_t end = addr + len, released = 0;
    mtr_block_t keep[2 * 16];
    int nkeep = 0;
    tnode_t *t;
    while (len && (t = tree_pred(b->map_tree, end - 1)) && t->blk.addr + t->blk.size > addr) {
        mtr_block_t m = t->blk;
        uint64_t mend = m.addr + m.size;
        uint64_t lo = m.addr > addr ? m.addr : addr, hi = mend < end ? mend : end;
        if (m.mapping == MTR_MAP_ANON || m.mapping == MTR_MAP_ARENA)
            released += hi - lo;
        map_remove(b, &m);
        if (m.addr < addr && nkeep < 32) {
            keep[nkeep] = m;
            keep[nkeep++].size = addr - m.addr;
        }
        if (mend > end && nkeep < 32) {
            keep[nkeep] = m;
            keep[nkeep].addr = end;
            keep[nkeep++].size = mend - end;
        }
    }
    for (int i = 0; i < nkeep; i++)
        map_insert(b, &keep[i]);
    return released;
}

int64_t mtr_blocks_protect(mtr_blocks_t *b, uint64_t addr, uint64_t len, int prot_none)
{
    int to = prot_none ? MTR_MAP_RESERVED : MTR_MAP_ANON, from = prot_none ? MTR_MAP_ANON
                                                                          : MTR_MAP_RESERVED;
    uint64_t end = addr + len, cursor = end;
    int64_t delta = 0;
    tnode_t *t;
    /* right to left: the pieces put back all start at or after the cursor,
     * so the next look to its left never finds them */
    while (len && cursor > addr && (t = tree_pred(b->map_tree, cursor - 1)) &&
           t->blk.addr + t->blk.size > addr) {
        mtr_block_t m = t->blk;
        cursor = m.addr;
        if (m.mapping != from)
            continue;
        uint64_t mend = m.addr + m.size;
        uint64_t lo = m.addr > addr ? m.addr : addr, hi = mend < end ? mend : end;
        map_remove(b, &m);
        mtr_block_t piece = m;
        if (m.addr < lo) {
            piece.size = lo - m.addr;
            map_insert(b, &piece);
        }
        piece = m;
        piece.addr = lo;
        piece.size = hi - lo;
        piece.mapping = to;
        map_insert(b, &piece);
        if (hi < mend) {
            piece = m;
            piece.addr = hi;
            piece.size = mend - hi;
            map_insert(b, &piece);
        }
        delta += prot_none ? -(int64_t)(hi - lo) : (int64_t)(hi - lo);
    }
    return delta;
}

uint64_t mtr_blocks_reserved(const mtr_blocks_t *b) { return b->reserved; }

void mtr_blocks_each(const mtr_blocks_t *b, void (*fn)(const mtr_block_t *, void *), void *arg)
{
    for (uint64_t i = 0; i < b->cap; i++)
        if (b->slots[i].addr)
            fn(&b->slots[i], arg);
    tree_each(b->map_tree, fn, arg);
}

uint64_t mtr_blocks_count(const mtr_blocks_t *b) { return b->n + b->nmaps; }
