/* The address model of the MTB2 batch codec, internal to format/batch.c.
 * Encoder and decoder run the same model over the same events, so every
 * prediction the encoder makes the decoder can make again:
 *  - a free names its allocation by how many allocations of this batch
 *    came since (a ring of live blocks frees the same distance each time);
 *  - an allocation's address is a rank in a move-to-front list of the
 *    addresses last freed with its size class (a malloc reuses the chunk
 *    its size class freed last), or in the list of the addresses freed last
 *    whatever their size (a chunk split or merged, a block this batch did
 *    not allocate: from another thread or batch).
 * The model is reset at each batch: a batch decodes on its own.  Inline:
 * it is the hot loop of the writer and of every reader. */
#ifndef MT_FORMAT_BATCH_MODEL_H
#define MT_FORMAT_BATCH_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MT_MODEL_WAYS 8   /* addresses remembered per size class */
#define MT_MODEL_LOOSE 16 /* addresses freed last, of any size */
#define MT_MODEL_MAX_SIZE 32768
/* glibc's chunk size of a request, in 16-byte units: 2 .. 2049 */
#define MT_MODEL_CLASSES (((MT_MODEL_MAX_SIZE + 23) >> 4) + 1)
/* An allocation's address code: a rank in its class's list, a rank in the
 * loose list after MT_MODEL_WAYS, or beyond both a zigzag escape. */
#define MT_MODEL_ESCAPE (MT_MODEL_WAYS + MT_MODEL_LOOSE)

/* A move-to-front list kept as a ring: rank i is at (head + i) % ways, so
 * a push and a take of rank r cost O(r) and the common rank 0 costs O(1). */
typedef struct {
    uint8_t head, fill;
} mt_mtf_t;

typedef struct mt_model {
    uint64_t *addr, *size; /* this batch's allocations, by index */
    uint8_t *freed;
    size_t n, cap;
    uint64_t last; /* the previous event's address: escapes are deltas from it */
    mt_mtf_t cls[MT_MODEL_CLASSES], loose;
    uint64_t ways[MT_MODEL_CLASSES][MT_MODEL_WAYS];
    uint64_t loose_ways[MT_MODEL_LOOSE];
} mt_model_t;

/* 0 for sizes too large to be reused by size (mmap'ed chunks). */
static inline unsigned mt_model_class(uint64_t size)
{
    if (size > MT_MODEL_MAX_SIZE)
        return 0;
    unsigned chunk = (unsigned)(size + 8 + 15) & ~15u;
    return chunk < 32 ? 2 : chunk >> 4;
}

/* Readies m for a batch of at most n allocations; -1 when out of memory. */
static inline int mt_model_reset(mt_model_t *m, size_t n)
{
    if (n > m->cap) {
        uint64_t *a = realloc(m->addr, n * sizeof *a);
        if (a)
            m->addr = a;
        uint64_t *s = realloc(m->size, n * sizeof *s);
        if (s)
            m->size = s;
        uint8_t *f = realloc(m->freed, n);
        if (f)
            m->freed = f;
        if (!a || !s || !f)
            return -1;
        m->cap = n;
    }
    m->n = 0;
    m->last = 0;
    m->loose = (mt_mtf_t){0, 0};
    memset(m->cls, 0, sizeof m->cls);
    return 0;
}

static inline void mt_model_free(mt_model_t *m)
{
    free(m->addr);
    free(m->size);
    free(m->freed);
    memset(m, 0, sizeof *m);
}

static inline void mt_mtf_push(mt_mtf_t *l, uint64_t *ways, unsigned n, uint64_t addr)
{
    l->head = (uint8_t)((l->head - 1u) & (n - 1));
    ways[l->head] = addr;
    if (l->fill < n)
        l->fill++;
}

static inline uint64_t mt_mtf_take(mt_mtf_t *l, uint64_t *ways, unsigned n, unsigned rank)
{
    unsigned mask = n - 1, h = l->head;
    uint64_t addr = ways[(h + rank) & mask];
    for (unsigned i = rank; i > 0; i--)
        ways[(h + i) & mask] = ways[(h + i - 1) & mask];
    l->head = (uint8_t)((h + 1) & mask);
    l->fill--;
    return addr;
}

static inline int mt_mtf_find(const mt_mtf_t *l, const uint64_t *ways, unsigned n,
                              uint64_t addr)
{
    for (unsigned i = 0; i < l->fill; i++)
        if (ways[(l->head + i) & (n - 1)] == addr)
            return (int)i;
    return -1;
}

static inline uint64_t mt_model_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t mt_model_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* Encoder: the code of addr for an allocation of size; takes the address
 * out of the list it was found in, as the decoder will. */
static inline uint64_t mt_model_alloc_code(mt_model_t *m, uint64_t addr, uint64_t size)
{
    unsigned c = mt_model_class(size);
    int r;
    if (c && (r = mt_mtf_find(&m->cls[c], m->ways[c], MT_MODEL_WAYS, addr)) >= 0) {
        mt_mtf_take(&m->cls[c], m->ways[c], MT_MODEL_WAYS, (unsigned)r);
        return (uint64_t)r;
    }
    if ((r = mt_mtf_find(&m->loose, m->loose_ways, MT_MODEL_LOOSE, addr)) >= 0) {
        mt_mtf_take(&m->loose, m->loose_ways, MT_MODEL_LOOSE, (unsigned)r);
        return MT_MODEL_WAYS + (uint64_t)r;
    }
    return MT_MODEL_ESCAPE + mt_model_zigzag((int64_t)(addr - m->last));
}

/* Decoder: the address of code; -1 for a rank beyond a list's fill. */
static inline int mt_model_alloc_addr(mt_model_t *m, uint64_t code, uint64_t size,
                                      uint64_t *addr)
{
    if (code >= MT_MODEL_ESCAPE) {
        *addr = m->last + (uint64_t)mt_model_unzigzag(code - MT_MODEL_ESCAPE);
        return 0;
    }
    if (code < MT_MODEL_WAYS) {
        unsigned c = mt_model_class(size);
        if (!c || code >= m->cls[c].fill)
            return -1;
        *addr = mt_mtf_take(&m->cls[c], m->ways[c], MT_MODEL_WAYS, (unsigned)code);
        return 0;
    }
    code -= MT_MODEL_WAYS;
    if (code >= m->loose.fill)
        return -1;
    *addr = mt_mtf_take(&m->loose, m->loose_ways, MT_MODEL_LOOSE, (unsigned)code);
    return 0;
}

/* Both sides, once an allocation's address is known: its index.
 * mt_model_reset sized the arrays for the batch, so the index fits. */
static inline size_t mt_model_allocated(mt_model_t *m, uint64_t addr, uint64_t size)
{
    size_t idx = m->n++;
    m->addr[idx] = addr;
    m->size[idx] = size;
    m->freed[idx] = 0;
    m->last = addr;
    return idx;
}

/* Both sides, a free (or a realloc's old block; moved says whether it
 * moved) of allocation idx, or of an address the batch did not allocate
 * (idx == SIZE_MAX). */
static inline void mt_model_freed(mt_model_t *m, size_t idx, uint64_t addr, int moved)
{
    unsigned c = 0;
    if (idx != SIZE_MAX) {
        m->freed[idx] = 1;
        c = mt_model_class(m->size[idx]);
    }
    if (!moved || !addr)
        return;
    if (c)
        mt_mtf_push(&m->cls[c], m->ways[c], MT_MODEL_WAYS, addr);
    mt_mtf_push(&m->loose, m->loose_ways, MT_MODEL_LOOSE, addr);
}

#endif
