/* The alloc_batches codec (format in batch.h).  Body layout before zstd:
 *   magic, varint n, varint length of each column, the columns.
 * "MTB2" (schema 3), 7 columns: kind; time delta from the previous event
 * (the first from 0); address code (batch_model.h: for an allocation a
 * rank among recently freed addresses, else an escape; for a free only on
 * escape, a zigzag delta from the previous event's address); reference
 * (frees and reallocs' old blocks: 0 = escape, d = the allocation d
 * allocations back in this batch); old address on escape, a zigzag delta
 * from the realloc's new address; size; stack.
 * "MTB1" (schemas 1 and 2), read only, 6 columns: kind, time delta,
 * address as a zigzag delta from the previous event's, old address,
 * size, stack.  Columns hold entries only for kinds that have them. */
#include "format/batch.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "format/batch_model.h"

enum { KIND, TIME, ADDR, REF, OLD, SIZE, STACK, NCOLS };
enum { V1_KIND, V1_TIME, V1_ADDR, V1_OLD, V1_SIZE, V1_STACK, V1_NCOLS };
#define VARINT_MAX 10

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

#define zigzag mt_model_zigzag
#define unzigzag mt_model_unzigzag
static int has_size(uint8_t kind) { return kind == MT_EV_ALLOC || kind == MT_EV_REALLOC; }
static int stored_kind(uint8_t kind) { return kind > MT_EV_NONE && kind < MT_EV_END; }

/* ---- encoder ---- */

/* The encoder's own index of this batch's allocations by address: direct
 * mapped, small enough to stay in cache.  An allocation pushed out of it
 * is freed by escape: the decoder follows whatever the encoder chose. */
#define SLOT_BITS 14
#define SLOTS (1u << SLOT_BITS)
typedef struct {
    uint64_t addr;
    uint32_t idx, gen;
} slot_t;

struct mt_batch_encoder {
    uint8_t *col[NCOLS], *body;
    size_t col_cap, body_cap, z_cap;
    void *z;
    ZSTD_CCtx *cc;
    slot_t slots[SLOTS];
    uint32_t gen;
    int bits; /* of slots this batch uses: a small batch touches few pages */
    mt_model_t m;
};

mt_batch_encoder_t *mt_batch_encoder_new(void)
{
    mt_batch_encoder_t *enc = calloc(1, sizeof *enc);
    if (!enc)
        return NULL;
    /* With a checksum, a damaged batch is always refused, never misread. */
    enc->cc = ZSTD_createCCtx();
    if (!enc->cc || ZSTD_isError(ZSTD_CCtx_setParameter(enc->cc, ZSTD_c_compressionLevel, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(enc->cc, ZSTD_c_checksumFlag, 1))) {
        mt_batch_encoder_free(enc);
        return NULL;
    }
    return enc;
}

void mt_batch_encoder_free(mt_batch_encoder_t *enc)
{
    if (!enc)
        return;
    for (int c = 0; c < NCOLS; c++)
        free(enc->col[c]);
    free(enc->body);
    free(enc->z);
    ZSTD_freeCCtx(enc->cc);
    mt_model_free(&enc->m);
    free(enc);
}

static int reserve(void **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    void *b = realloc(*buf, need);
    if (!b)
        return -1;
    *buf = b;
    *cap = need;
    return 0;
}

/* Buffers grow to the largest batch and stay: freeing them each batch let
 * glibc trim them, and the next batch faulted them in again. */
static int prepare(mt_batch_encoder_t *enc, size_t n)
{
    if (n * VARINT_MAX + 1 > enc->col_cap) {
        size_t cap = n * VARINT_MAX + 1;
        for (int c = 0; c < NCOLS; c++) {
            uint8_t *b = realloc(enc->col[c], cap);
            if (!b)
                return -1;
            enc->col[c] = b;
        }
        enc->col_cap = cap;
    }
    for (enc->bits = 10; enc->bits < SLOT_BITS && (1u << enc->bits) < 2 * n;)
        enc->bits++;
    if (++enc->gen == 0) {
        memset(enc->slots, 0, sizeof enc->slots);
        enc->gen = 1;
    }
    return mt_model_reset(&enc->m, n);
}

static slot_t *slot_of(mt_batch_encoder_t *enc, uint64_t addr)
{
    return &enc->slots[((addr >> 4) * 0x9e3779b97f4a7c15ull) >> (64 - enc->bits)];
}

/* The live allocation at addr, or SIZE_MAX when unknown. */
static size_t live_at(mt_batch_encoder_t *enc, uint64_t addr)
{
    slot_t *s = slot_of(enc, addr);
    return s->gen == enc->gen && s->addr == addr && !enc->m.freed[s->idx] ? s->idx : SIZE_MAX;
}

static void remember(mt_batch_encoder_t *enc, uint64_t addr, size_t idx)
{
    slot_t *s = slot_of(enc, addr);
    *s = (slot_t){.addr = addr, .idx = (uint32_t)idx, .gen = enc->gen};
}

/* -1 for an event of no stored kind: the batch is not written. */
static int encode_events(mt_batch_encoder_t *enc, const mt_alloc_event_t *ev, size_t n,
                         uint8_t **pos)
{
    mt_model_t *m = &enc->m;
    uint64_t prev_ts = 0;
    for (size_t i = 0; i < n; i++) {
        const mt_alloc_event_t *e = &ev[i];
        if (!stored_kind(e->kind))
            return -1;
        *pos[KIND]++ = e->kind;
        pos[TIME] = put_varint(pos[TIME], e->ts - prev_ts);
        prev_ts = e->ts;
        if (has_size(e->kind)) {
            pos[SIZE] = put_varint(pos[SIZE], e->size);
            pos[STACK] = put_varint(pos[STACK], e->stack);
            pos[ADDR] = put_varint(pos[ADDR], mt_model_alloc_code(m, e->addr, e->size));
        }
        if (e->kind == MT_EV_ALLOC) {
            remember(enc, e->addr, mt_model_allocated(m, e->addr, e->size));
            continue;
        }
        uint64_t freed = e->kind == MT_EV_FREE ? e->addr : e->old_addr;
        size_t idx = live_at(enc, freed);
        pos[REF] = put_varint(pos[REF], idx == SIZE_MAX ? 0 : m->n - idx);
        if (idx == SIZE_MAX && e->kind == MT_EV_FREE)
            pos[ADDR] = put_varint(pos[ADDR], zigzag((int64_t)(freed - m->last)));
        else if (idx == SIZE_MAX)
            pos[OLD] = put_varint(pos[OLD], zigzag((int64_t)(freed - e->addr)));
        mt_model_freed(m, idx, freed, freed != e->addr || e->kind == MT_EV_FREE);
        if (e->kind == MT_EV_FREE)
            m->last = freed;
        else
            remember(enc, e->addr, mt_model_allocated(m, e->addr, e->size));
    }
    return 0;
}

size_t mt_batch_encode_with(mt_batch_encoder_t *enc, const mt_alloc_event_t *ev, size_t n,
                            const void **blob)
{
    *blob = NULL;
    if (prepare(enc, n) < 0)
        return 0;
    uint8_t *pos[NCOLS];
    memcpy(pos, enc->col, sizeof pos);
    if (encode_events(enc, ev, n, pos) < 0)
        return 0;

    size_t raw = 4 + VARINT_MAX * (NCOLS + 1);
    for (int c = 0; c < NCOLS; c++)
        raw += (size_t)(pos[c] - enc->col[c]);
    if (reserve((void **)&enc->body, &enc->body_cap, raw) < 0)
        return 0;
    uint8_t *p = enc->body;
    memcpy(p, MT_BATCH_MAGIC, 4);
    p = put_varint(p + 4, n);
    for (int c = 0; c < NCOLS; c++)
        p = put_varint(p, (uint64_t)(pos[c] - enc->col[c]));
    for (int c = 0; c < NCOLS; c++) {
        memcpy(p, enc->col[c], (size_t)(pos[c] - enc->col[c]));
        p += pos[c] - enc->col[c];
    }
    size_t body_len = (size_t)(p - enc->body);
    if (reserve(&enc->z, &enc->z_cap, ZSTD_compressBound(body_len)) < 0)
        return 0;
    size_t zl = ZSTD_compress2(enc->cc, enc->z, enc->z_cap, enc->body, body_len);
    if (ZSTD_isError(zl))
        return 0;
    *blob = enc->z;
    return zl;
}

size_t mt_batch_encode(const mt_alloc_event_t *ev, size_t n, void **blob)
{
    *blob = NULL;
    mt_batch_encoder_t *enc = mt_batch_encoder_new();
    const void *z;
    size_t len = enc ? mt_batch_encode_with(enc, ev, n, &z) : 0;
    if (len && (*blob = malloc(len)) != NULL)
        memcpy(*blob, z, len);
    else
        len = 0;
    mt_batch_encoder_free(enc);
    return len;
}

/* ---- decoder ---- */

static inline uint64_t col(mt_batch_reader_t *r, int c)
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

int mt_batch_open(mt_batch_reader_t *r, const void *blob, size_t len, size_t n)
{
    r->left = 0;
    r->bad = 1;
    unsigned long long body_len = ZSTD_getFrameContentSize(blob, len);
    if (body_len == ZSTD_CONTENTSIZE_ERROR || body_len == ZSTD_CONTENTSIZE_UNKNOWN ||
        body_len > (unsigned long long)n * (VARINT_MAX * NCOLS + 1) + 256)
        return -1;
    /* kept across blobs: a fresh context or body for every batch would be
     * new pages to fault in */
    if (!r->dctx && !(r->dctx = ZSTD_createDCtx()))
        return -1;
    if (reserve((void **)&r->body, &r->cap, body_len ? body_len : 1) < 0)
        return -1;
    size_t got = ZSTD_decompressDCtx(r->dctx, r->body, body_len, blob, len);
    if (ZSTD_isError(got) || got != body_len || got < 4)
        return -1;
    int ncols;
    if (memcmp(r->body, MT_BATCH_MAGIC, 4) == 0)
        r->version = 2, ncols = NCOLS;
    else if (memcmp(r->body, "MTB1", 4) == 0)
        r->version = 1, ncols = V1_NCOLS;
    else
        return -1;
    if (r->version == 2 && ((!r->m && !(r->m = calloc(1, sizeof *r->m))) ||
                            mt_model_reset(r->m, n) < 0))
        return -1;
    memset(r->p, 0, sizeof r->p);
    memset(r->end, 0, sizeof r->end);
    r->p[0] = r->body + 4;
    r->end[0] = r->body + got;
    r->bad = 0;
    uint64_t count = col(r, 0), lens[NCOLS];
    for (int c = 0; c < ncols; c++)
        lens[c] = col(r, 0);
    if (r->bad || count != n || lens[0] != n) {
        r->bad = 1;
        return -1;
    }
    const uint8_t *p = r->p[0];
    for (int c = 0; c < ncols; c++) {
        if (lens[c] > (size_t)(r->body + got - p)) {
            r->bad = 1;
            return -1;
        }
        r->p[c] = p;
        r->end[c] = p + lens[c];
        p += lens[c];
    }
    r->left = n;
    r->ts = r->addr = 0;
    r->bad = 0;
    return 0;
}

static int next_v1(mt_batch_reader_t *r, uint8_t kind, mt_alloc_event_t *e)
{
    r->addr += (uint64_t)unzigzag(col(r, V1_ADDR));
    e->addr = r->addr;
    e->old_addr = kind == MT_EV_REALLOC ? r->addr + (uint64_t)unzigzag(col(r, V1_OLD)) : 0;
    e->size = has_size(kind) ? col(r, V1_SIZE) : 0;
    e->stack = has_size(kind) ? col(r, V1_STACK) : 0;
    return r->bad ? -1 : 1;
}

/* The old block of a realloc, or a free's block: by reference or escape. */
static int freed_block(mt_batch_reader_t *r, uint8_t kind, uint64_t base, uint64_t *addr)
{
    mt_model_t *m = r->m;
    uint64_t d = col(r, REF);
    size_t idx = SIZE_MAX;
    if (d == 0) {
        *addr = base + (uint64_t)unzigzag(col(r, kind == MT_EV_FREE ? ADDR : OLD));
    } else {
        if (d > m->n || m->freed[m->n - d])
            return -1;
        idx = m->n - (size_t)d;
        *addr = m->addr[idx];
    }
    mt_model_freed(m, idx, *addr, kind == MT_EV_FREE || *addr != base);
    return 0;
}

static int next_v2(mt_batch_reader_t *r, uint8_t kind, mt_alloc_event_t *e)
{
    mt_model_t *m = r->m;
    e->old_addr = e->size = e->stack = 0;
    if (kind == MT_EV_FREE) {
        if (freed_block(r, kind, m->last, &e->addr) < 0)
            return -1;
        m->last = e->addr;
        return r->bad ? -1 : 1;
    }
    e->size = col(r, SIZE);
    e->stack = col(r, STACK);
    if (mt_model_alloc_addr(m, col(r, ADDR), e->size, &e->addr) < 0)
        return -1;
    if (kind == MT_EV_REALLOC && freed_block(r, kind, e->addr, &e->old_addr) < 0)
        return -1;
    mt_model_allocated(m, e->addr, e->size);
    return r->bad ? -1 : 1;
}

int mt_batch_next(mt_batch_reader_t *r, mt_alloc_event_t *e)
{
    if (r->bad)
        return -1;
    if (!r->left) {
        for (int c = 0; c < NCOLS; c++)
            if (r->p[c] != r->end[c])
                return -1;
        return 0;
    }
    r->left--;
    uint8_t kind = *r->p[KIND]++;
    if (!stored_kind(kind)) {
        r->bad = 1;
        return -1;
    }
    r->ts += col(r, TIME);
    e->kind = kind;
    e->ts = r->ts;
    int rc = r->version == 2 ? next_v2(r, kind, e) : next_v1(r, kind, e);
    if (rc < 0)
        r->bad = 1;
    return rc;
}

void mt_batch_reader_free(mt_batch_reader_t *r)
{
    ZSTD_freeDCtx(r->dctx);
    free(r->body);
    if (r->m)
        mt_model_free(r->m);
    free(r->m);
    memset(r, 0, sizeof *r);
}

int mt_batch_decode(const void *blob, size_t len, mt_alloc_event_t *out, size_t n)
{
    static _Thread_local mt_batch_reader_t r;
    if (mt_batch_open(&r, blob, len, n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (mt_batch_next(&r, &out[i]) != 1)
            return -1;
    mt_alloc_event_t extra;
    return mt_batch_next(&r, &extra) == 0 ? 0 : -1;
}
