/* Codec of alloc_batches.data: one thread's allocation events in time order.
 * Columnar so zstd sees long runs of alike bytes: a header, then the columns
 * kind, time delta, address delta, old address, size and stack, each a run of
 * LEB128 varints (signed ones zigzag), the whole body zstd-compressed
 * (format/batch.c and batch_model.h tell the columns).
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

/* The body's magic: "MTB2" since schema 3; readers also take "MTB1". */
#define MT_BATCH_MAGIC "MTB2"

/* An encoder keeps its buffers and its compression context from batch to
 * batch; one per writing thread. */
typedef struct mt_batch_encoder mt_batch_encoder_t;
mt_batch_encoder_t *mt_batch_encoder_new(void);
void mt_batch_encoder_free(mt_batch_encoder_t *enc);
/* Encodes n events; *blob points into the encoder, valid until its next
 * use.  Returns the blob's length, 0 on failure. */
size_t mt_batch_encode_with(mt_batch_encoder_t *enc, const mt_alloc_event_t *ev, size_t n,
                            const void **blob);
/* The same into a malloc'ed blob, with an encoder of its own. */
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
    const uint8_t *p[7], *end[7];
    uint64_t ts, addr;
    int bad, version;
    struct mt_model *m; /* MTB2's address model (format/batch_model.h) */
} mt_batch_reader_t;

int mt_batch_open(mt_batch_reader_t *r, const void *blob, size_t len, size_t n);
int mt_batch_next(mt_batch_reader_t *r, mt_alloc_event_t *e);
void mt_batch_reader_free(mt_batch_reader_t *r);

#endif
