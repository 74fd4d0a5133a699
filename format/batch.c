/* The alloc_batches codec (format in batch.h).  Body layout before zstd:
 *   "MTB1", varint n, varint length of each of the 6 columns, the columns.
 * Times are deltas from the previous event (the first from 0), addresses
 * zigzag deltas from the previous event's address, old addresses zigzag
 * deltas from their event's address, sizes and stacks plain varints (zstd
 * finds their repeats).  Columns hold entries only for kinds that have them. */
#include "format/batch.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

enum { COL_KIND = MT_COL_KIND, COL_TIME, COL_ADDR, COL_OLD, COL_SIZE, COL_STACK, NCOLS };
#define MAGIC "MTB1"
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

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
#define unzigzag mt_batch_unzigzag

typedef struct {
    const uint8_t *p, *end;
    int bad;
} reader_t;

static inline uint64_t get_varint(reader_t *r)
{
    if (r->p < r->end && *r->p < 0x80) /* most deltas fit one byte */
        return *r->p++;
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->bad = 1;
            return 0;
        }
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->bad = 1;
    return 0;
}

#define has_size mt_batch_has_size

size_t mt_batch_encode(const mt_alloc_event_t *ev, size_t n, void **blob)
{
    *blob = NULL;
    uint8_t *col[NCOLS], *pos[NCOLS];
    for (int c = 0; c < NCOLS; c++) {
        col[c] = malloc(n * VARINT_MAX + 1);
        pos[c] = col[c];
    }
    uint8_t *body = NULL;
    size_t out_len = 0;
    if (!col[0] || !col[1] || !col[2] || !col[3] || !col[4] || !col[5])
        goto done;

    uint64_t prev_ts = 0, prev_addr = 0;
    for (size_t i = 0; i < n; i++) {
        const mt_alloc_event_t *e = &ev[i];
        *pos[COL_KIND]++ = e->kind;
        pos[COL_TIME] = put_varint(pos[COL_TIME], e->ts - prev_ts);
        pos[COL_ADDR] = put_varint(pos[COL_ADDR], zigzag((int64_t)(e->addr - prev_addr)));
        prev_ts = e->ts;
        prev_addr = e->addr;
        if (e->kind == MT_EV_REALLOC)
            pos[COL_OLD] = put_varint(pos[COL_OLD], zigzag((int64_t)(e->old_addr - e->addr)));
        if (has_size(e->kind)) {
            pos[COL_SIZE] = put_varint(pos[COL_SIZE], e->size);
            pos[COL_STACK] = put_varint(pos[COL_STACK], e->stack);
        }
    }

    size_t raw = 4 + VARINT_MAX * (NCOLS + 1);
    for (int c = 0; c < NCOLS; c++)
        raw += (size_t)(pos[c] - col[c]);
    body = malloc(raw);
    if (!body)
        goto done;
    uint8_t *p = body;
    memcpy(p, MAGIC, 4);
    p = put_varint(p + 4, n);
    for (int c = 0; c < NCOLS; c++)
        p = put_varint(p, (uint64_t)(pos[c] - col[c]));
    for (int c = 0; c < NCOLS; c++) {
        memcpy(p, col[c], (size_t)(pos[c] - col[c]));
        p += pos[c] - col[c];
    }
    size_t body_len = (size_t)(p - body);
    size_t cap = ZSTD_compressBound(body_len);
    void *z = malloc(cap);
    if (!z)
        goto done;
    /* One context per thread, kept: setting one up clears about a megabyte.
     * With a checksum, a damaged batch is always refused, never misread. */
    static _Thread_local ZSTD_CCtx *cc;
    if (!cc && (cc = ZSTD_createCCtx()) != NULL &&
        (ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1)) ||
         ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)))) {
        ZSTD_freeCCtx(cc);
        cc = NULL;
    }
    size_t zl = cc ? ZSTD_compress2(cc, z, cap, body, body_len) : 1;
    if (!cc || ZSTD_isError(zl)) {
        free(z);
        goto done;
    }
    *blob = z;
    out_len = zl;
done:
    free(body);
    for (int c = 0; c < NCOLS; c++)
        free(col[c]);
    return out_len;
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
    if (body_len > r->cap || !r->body) {
        uint8_t *b = realloc(r->body, body_len ? body_len : 1);
        if (!b)
            return -1;
        r->body = b;
        r->cap = body_len ? body_len : 1;
    }
    size_t got = ZSTD_decompressDCtx(r->dctx, r->body, body_len, blob, len);
    if (ZSTD_isError(got) || got != body_len || got < 4 || memcmp(r->body, MAGIC, 4) != 0)
        return -1;
    reader_t hdr = {r->body + 4, r->body + got, 0};
    size_t lens[NCOLS];
    uint64_t count = get_varint(&hdr);
    for (int c = 0; c < NCOLS; c++)
        lens[c] = get_varint(&hdr);
    if (hdr.bad || count != n || lens[COL_KIND] != n)
        return -1;
    const uint8_t *p = hdr.p;
    for (int c = 0; c < NCOLS; c++) {
        if (lens[c] > (size_t)(r->body + got - p))
            return -1;
        r->p[c] = p;
        r->end[c] = p + lens[c];
        p += lens[c];
    }
    r->left = n;
    r->ts = r->addr = 0;
    r->bad = 0;
    return 0;
}

void mt_batch_reader_free(mt_batch_reader_t *r)
{
    ZSTD_freeDCtx(r->dctx);
    free(r->body);
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
