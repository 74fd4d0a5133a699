/* Codec of alloc_batches.data: one thread's allocation events in time order.
 * Columnar so zstd sees long runs of alike bytes: a header, then the columns
 * kind, time delta, address delta, old address, size and stack, each a run of
 * LEB128 varints (signed ones zigzag), the whole body zstd-compressed.
 * Shared by the tracer (encoder), the analyzer and the sqlite extension. */
#ifndef MT_FORMAT_BATCH_H
#define MT_FORMAT_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "format/kinds.h"

typedef struct mt_alloc_event {
    uint64_t ts;       /* CLOCK_MONOTONIC ns */
    uint64_t addr;     /* block allocated or freed; new block for realloc */
    uint64_t old_addr; /* realloc: block it was moved or grown from */
    uint64_t size;     /* requested bytes (alloc, realloc) */
    uint64_t stack;    /* stack_nodes.id (alloc, realloc) */
    uint8_t kind;      /* MT_EV_* (format/kinds.h) */
} mt_alloc_event_t;

/* Encodes n events into a malloc'ed blob; returns its length, 0 on failure. */
size_t mt_batch_encode(const mt_alloc_event_t *ev, size_t n, void **blob);

/* Decodes a blob that holds exactly n events into out[n].
 * Returns 0, or -1 when the blob is corrupt or holds another count. */
int mt_batch_decode(const void *blob, size_t len, mt_alloc_event_t *out, size_t n);

/* The same, one event at a time, for readers that stream: the decompressed
 * body (a few bytes per event) stays in cache, no array of events is built.
 * Zero-initialize, open a blob (0 or -1), call next until it returns 0 (all
 * n events read and every column used up exactly) or -1 (corrupt); reopen
 * for the next blob; free at the end. */
typedef struct mt_batch_reader {
    void *dctx;
    uint8_t *body;
    size_t cap, left;
    const uint8_t *p[6], *end[6];
    uint64_t ts, addr;
    int bad;
} mt_batch_reader_t;

int mt_batch_open(mt_batch_reader_t *r, const void *blob, size_t len, size_t n);
/* mt_batch_next is defined below, inline */
void mt_batch_reader_free(mt_batch_reader_t *r);

/* ---- the per-event decoder, inline: it is every reader's hot loop ---- */

enum { MT_COL_KIND, MT_COL_TIME, MT_COL_ADDR, MT_COL_OLD, MT_COL_SIZE, MT_COL_STACK };

static inline int64_t mt_batch_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }
static inline int mt_batch_has_size(uint8_t kind)
{
    return kind == MT_EV_ALLOC || kind == MT_EV_REALLOC;
}

static inline uint64_t mt_batch_col(mt_batch_reader_t *r, int c)
{
    const uint8_t *p = r->p[c], *end = r->end[c];
    if (p < end && *p < 0x80) { /* most values fit one byte */
        r->p[c] = p + 1;
        return *p;
    }
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            r->p[c] = p;
            return v;
        }
    }
    r->bad = 1;
    return 0;
}

static inline int mt_batch_next(mt_batch_reader_t *r, mt_alloc_event_t *e)
{
    if (r->bad)
        return -1;
    if (!r->left) {
        for (int c = 0; c < 6; c++)
            if (r->p[c] != r->end[c])
                return -1;
        return 0;
    }
    r->left--;
    uint8_t kind = *r->p[MT_COL_KIND]++;
    if (kind <= MT_EV_NONE || kind >= MT_EV_END) {
        r->bad = 1;
        return -1;
    }
    r->ts += mt_batch_col(r, MT_COL_TIME);
    r->addr += (uint64_t)mt_batch_unzigzag(mt_batch_col(r, MT_COL_ADDR));
    e->kind = kind;
    e->ts = r->ts;
    e->addr = r->addr;
    e->old_addr = kind == MT_EV_REALLOC ? r->addr + (uint64_t)mt_batch_unzigzag(mt_batch_col(r, MT_COL_OLD)) : 0;
    e->size = mt_batch_has_size(kind) ? mt_batch_col(r, MT_COL_SIZE) : 0;
    e->stack = mt_batch_has_size(kind) ? mt_batch_col(r, MT_COL_STACK) : 0;
    return r->bad ? -1 : 1;
}

#endif
