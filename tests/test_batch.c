/* The alloc_batches codec and the schema, without any preload. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "format/batch.h"
#include "format/kinds.h"
#include "format/meta.h"
#include "format/schema.h"
#include "tests/helpers.h"

static mt_alloc_event_t *sample(size_t n)
{
    mt_alloc_event_t *ev = calloc(n, sizeof *ev);
    uint64_t ts = 1000000000ull;
    for (size_t i = 0; i < n; i++) {
        ts += 17 + i % 5;
        uint8_t kind = i % 3 == 0 ? MT_EV_ALLOC : i % 3 == 1 ? MT_EV_FREE : MT_EV_REALLOC;
        ev[i] = (mt_alloc_event_t){.ts = ts, .kind = kind,
                                   .addr = 0x7f0000000000ull + (i * 48) % 4096};
        if (kind != MT_EV_FREE) {
            ev[i].size = 16u << (i % 8);
            ev[i].stack = 1 + i % 8;
        }
        if (kind == MT_EV_REALLOC)
            ev[i].old_addr = 0x5500000000ull + i; /* far below: negative delta */
    }
    return ev;
}

START_TEST(round_trip)
{
    size_t n = 100000;
    mt_alloc_event_t *ev = sample(n), *back = calloc(n, sizeof *back);
    void *blob;
    size_t len = mt_batch_encode(ev, n, &blob);
    ck_assert_uint_gt(len, 0);
    ck_assert_int_eq(mt_batch_decode(blob, len, back, n), 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_mem_eq(&ev[i], &back[i], sizeof ev[i]);
    /* a regular pattern must compress far below 2 bytes per event */
    ck_assert_uint_lt(len, n * 2);
    free(blob);
    free(ev);
    free(back);
}
END_TEST

START_TEST(corrupt_blobs_rejected)
{
    size_t n = 1000;
    mt_alloc_event_t *ev = sample(n), *back = calloc(n + 1, sizeof *back);
    void *blob;
    size_t len = mt_batch_encode(ev, n, &blob);
    ck_assert_int_eq(mt_batch_decode(blob, len, back, n + 1), -1); /* wrong count */
    ck_assert_int_eq(mt_batch_decode(blob, len / 2, back, n), -1); /* truncated */
    ck_assert_int_eq(mt_batch_decode("garbage!", 8, back, n), -1);
    for (size_t at = 0; at < len; at += len / 7 + 1) { /* any damaged byte is refused */
        ((unsigned char *)blob)[at] ^= 0x5a;
        ck_assert_int_eq(mt_batch_decode(blob, len, back, n), -1);
        ((unsigned char *)blob)[at] ^= 0x5a;
    }
    ck_assert_int_eq(mt_batch_decode(blob, len, back, n), 0);
    free(blob);
    free(ev);
    free(back);
}
END_TEST

START_TEST(empty_batch)
{
    void *blob;
    size_t len = mt_batch_encode(NULL, 0, &blob);
    ck_assert_uint_gt(len, 0);
    ck_assert_int_eq(mt_batch_decode(blob, len, NULL, 0), 0);
    free(blob);
}
END_TEST

static int same_events(const mt_alloc_event_t *a, const mt_alloc_event_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].ts != b[i].ts || a[i].kind != b[i].kind || a[i].addr != b[i].addr ||
            a[i].old_addr != b[i].old_addr || a[i].size != b[i].size ||
            a[i].stack != b[i].stack)
            return 0;
    return 1;
}

/* Encodes ev in batches of `per` and decodes each back; the total size. */
static size_t round_trip_in(const mt_alloc_event_t *ev, size_t n, size_t per)
{
    mt_batch_encoder_t *enc = mt_batch_encoder_new();
    mt_alloc_event_t *back = calloc(per, sizeof *back);
    size_t total = 0;
    for (size_t at = 0; at < n; at += per) {
        size_t k = n - at < per ? n - at : per;
        const void *blob;
        size_t len = mt_batch_encode_with(enc, ev + at, k, &blob);
        ck_assert_uint_gt(len, 0);
        ck_assert_int_eq(mt_batch_decode(blob, len, back, k), 0);
        ck_assert_msg(same_events(ev + at, back, k), "batch at %zu differs", at);
        total += len;
    }
    mt_batch_encoder_free(enc);
    free(back);
    return total;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A heap as the codec meets it: live blocks freed oldest first or at
 * random, addresses reused by size or from any recent free or fresh,
 * frees of blocks the stream never allocated (another thread's) and
 * double frees, reallocs in place, moved, of unknown or null blocks, and
 * sizes of every class including none (over 32 KiB) and 0. */
static mt_alloc_event_t *messy(size_t n, uint64_t seed)
{
    mt_alloc_event_t *ev = calloc(n, sizeof *ev);
    uint64_t live[256], freed[16] = {0}, ts = 5000, fresh = 0x555500000000ull;
    size_t nlive = 0;
    for (size_t i = 0; i < n; i++) {
        mt_alloc_event_t *e = &ev[i];
        e->ts = ts += rnd(&seed) % 300;
        uint64_t r = rnd(&seed) % 100;
        uint64_t size = r % 7 == 0 ? 40000 + r : r % 11 == 0 ? 0 : 16 + rnd(&seed) % 2000;
        if (nlive && (r < 40 || nlive == 256)) { /* free */
            size_t k = r < 25 ? 0 : rnd(&seed) % nlive;
            *e = (mt_alloc_event_t){.ts = e->ts, .kind = MT_EV_FREE, .addr = live[k]};
            if (r % 5 == 0) /* another thread's block, or a double free */
                e->addr = r % 2 ? fresh + 0x100000 * (r + 1) : freed[r % 16];
            else
                live[k] = live[--nlive];
            freed[i % 16] = e->addr;
        } else if (nlive && r < 55) { /* realloc */
            size_t k = rnd(&seed) % nlive;
            uint64_t to = r % 3 == 0 ? live[k] : r % 3 == 1 ? (fresh += 4096) : freed[r % 16];
            *e = (mt_alloc_event_t){.ts = e->ts, .kind = MT_EV_REALLOC, .addr = to,
                                    .old_addr = r % 13 == 0 ? 0 : r % 17 == 0 ? fresh + 7 : live[k],
                                    .size = size, .stack = r % 9};
            live[k] = to;
        } else { /* alloc */
            uint64_t at = r % 4 == 0 ? (fresh += 16 + size) : freed[rnd(&seed) % 16];
            if (!at)
                at = fresh += 64;
            *e = (mt_alloc_event_t){.ts = e->ts, .kind = MT_EV_ALLOC, .addr = at,
                                    .size = size, .stack = 1 + r % 9};
            live[nlive++] = at;
        }
    }
    return ev;
}

START_TEST(model_round_trip)
{
    size_t n = 300000;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        mt_alloc_event_t *ev = messy(n, seed * 0x9e3779b97f4a7c15ull);
        round_trip_in(ev, n, 65536);
        round_trip_in(ev, 5000, 1);
        round_trip_in(ev, n, 777);
        free(ev);
    }
}
END_TEST

/* The ring benchmark's shape: 64 live blocks of random sizes, the oldest
 * freed at each step, and malloc handing out the chunk its size class
 * freed last when there is one (glibc's tcache), else a new one.  Coded
 * as deltas (MTB1) this stream took 3.11 bytes an event; with frees as
 * references and addresses as ranks 0.78, most of it the random sizes. */
START_TEST(ring_addresses_cost_little)
{
    size_t n = 400000, at = 0;
    mt_alloc_event_t *ev = calloc(n, sizeof *ev);
    uint64_t ring[64] = {0}, rsize[64] = {0}, lifo[80][8], seed = 42, top = 0x560000000000ull;
    int fill[80] = {0};
    for (size_t step = 0; at + 2 <= n; step++) {
        size_t k = step % 64;
        if (ring[k]) {
            unsigned c = (unsigned)(rsize[k] + 23) / 16;
            if (fill[c] < 8)
                lifo[c][fill[c]++] = ring[k];
            ev[at++] = (mt_alloc_event_t){.ts = 100 * at, .kind = MT_EV_FREE, .addr = ring[k]};
        }
        uint64_t size = 16 + rnd(&seed) % 1000;
        unsigned c = (unsigned)(size + 23) / 16;
        uint64_t addr = fill[c] ? lifo[c][--fill[c]] : (top += 5120);
        ev[at++] = (mt_alloc_event_t){.ts = 100 * at, .kind = MT_EV_ALLOC, .addr = addr,
                                      .size = size, .stack = 1};
        ring[k] = addr;
        rsize[k] = size;
    }
    size_t len = round_trip_in(ev, at, 65536);
    ck_assert_msg(len < at * 6 / 5, "%zu bytes for %zu events", len, at);
    free(ev);
}
END_TEST

/* A blob of schemas 1 and 2 ("MTB1"), as their tracer wrote it. */
static const unsigned char mtb1_blob[] = {
    0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x47, 0xfd, 0x01, 0x00, 0x54, 0x03, 0x4d, 0x54, 0x42, 0x31,
    0x06, 0x06, 0x08, 0x1d, 0x07, 0x06, 0x04, 0x01, 0x01, 0x02, 0x03, 0x01, 0x02, 0xe8, 0x07,
    0x28, 0x3c, 0x50, 0x01, 0xb3, 0x06, 0xa0, 0x80, 0x80, 0xd0, 0xaa, 0x15, 0x40, 0x3f, 0xe0,
    0xbf, 0x80, 0xb0, 0xd5, 0xaa, 0x3f, 0xdf, 0xe0, 0x9f, 0x18, 0x64, 0xc0, 0x9a, 0x0c, 0x10,
    0x03, 0x04, 0x05, 0x03, 0x03, 0x04, 0x03, 0x40, 0xc0, 0x8d, 0x4a, 0x19, 0x75, 0x88, 0x7b,
    0x6a};

static const mt_alloc_event_t mtb1_events[] = {
    {.ts = 1000, .kind = MT_EV_ALLOC, .addr = 0x5555000010, .size = 24, .stack = 3},
    {.ts = 1040, .kind = MT_EV_ALLOC, .addr = 0x5555000030, .size = 100, .stack = 4},
    {.ts = 1100, .kind = MT_EV_FREE, .addr = 0x5555000010},
    {.ts = 1180, .kind = MT_EV_REALLOC, .addr = 0x7f0000001000, .old_addr = 0x5555000030,
     .size = 200000, .stack = 5},
    {.ts = 1181, .kind = MT_EV_ALLOC, .addr = 0x5555000010, .size = 16, .stack = 3},
    {.ts = 2000, .kind = MT_EV_FREE, .addr = 0x7f0000001000},
};

START_TEST(older_blobs_still_read)
{
    mt_alloc_event_t back[6];
    ck_assert_int_eq(mt_batch_decode(mtb1_blob, sizeof mtb1_blob, back, 6), 0);
    ck_assert(same_events(mtb1_events, back, 6));
    /* and the same events in today's codec */
    ck_assert_uint_eq(round_trip_in(mtb1_events, 6, 6) > 0, 1);
}
END_TEST

/* An MTB2 body made by hand: one event's columns, as varint bytes. */
static int decode_made(uint8_t kind, const uint8_t *cols[7], const size_t lens[7])
{
    uint8_t body[256], z[512];
    size_t at = 0;
    memcpy(body, "MTB2", 4);
    at = 4;
    body[at++] = 1;
    for (int c = 0; c < 7; c++)
        body[at++] = (uint8_t)lens[c];
    body[at++] = kind;
    for (int c = 1; c < 7; c++) {
        memcpy(body + at, cols[c], lens[c]);
        at += lens[c];
    }
    size_t zl = ZSTD_compress(z, sizeof z, body, at, 1);
    ck_assert(!ZSTD_isError(zl));
    mt_alloc_event_t e;
    return mt_batch_decode(z, zl, &e, 1);
}

/* A reference or rank the model cannot follow is damage, refused. */
START_TEST(unfollowable_codes_refused)
{
    static const uint8_t t[] = {5}, zero[] = {0}, big[] = {16}, ref[] = {1}, esc[] = {24 + 2};
    const uint8_t *cols[7] = {NULL, t, NULL, NULL, NULL, big, zero};
    size_t lens[7] = {1, 1, 0, 0, 0, 1, 1};
    /* an allocation at rank 0 of an empty size-class list */
    cols[2] = zero, lens[2] = 1;
    ck_assert_int_eq(decode_made(MT_EV_ALLOC, cols, lens), -1);
    /* ... at rank 0 of the empty loose list */
    cols[2] = (const uint8_t[]){8};
    ck_assert_int_eq(decode_made(MT_EV_ALLOC, cols, lens), -1);
    /* the same allocation by escape reads */
    cols[2] = esc;
    ck_assert_int_eq(decode_made(MT_EV_ALLOC, cols, lens), 0);
    /* a free naming an allocation before the batch's first */
    const uint8_t *fcols[7] = {NULL, t, NULL, ref, NULL, NULL, NULL};
    size_t flens[7] = {1, 1, 0, 1, 0, 0, 0};
    ck_assert_int_eq(decode_made(MT_EV_FREE, fcols, flens), -1);
    /* a free by escape reads; one with its address missing does not */
    fcols[3] = zero;
    ck_assert_int_eq(decode_made(MT_EV_FREE, fcols, flens), -1);
    fcols[2] = esc, flens[2] = 1;
    ck_assert_int_eq(decode_made(MT_EV_FREE, fcols, flens), 0);
}
END_TEST

/* Freeing twice by reference: the second names a block already freed. */
START_TEST(double_reference_refused)
{
    mt_alloc_event_t ev[3] = {
        {.ts = 1, .kind = MT_EV_ALLOC, .addr = 0x1000, .size = 32, .stack = 1},
        {.ts = 2, .kind = MT_EV_FREE, .addr = 0x1000},
        {.ts = 3, .kind = MT_EV_FREE, .addr = 0x1000},
    }, back[3];
    ck_assert_uint_gt(round_trip_in(ev, 3, 3), 0); /* the encoder escapes the second */
    /* hand-made: alloc by escape, then frees by reference 1 */
    static const uint8_t once[] = {'M', 'T', 'B', '2', 2, 2, 2, 1, 1, 0, 1, 1,
                                   /* kind */ 1, 2, /* time */ 1, 1, /* addr */ 24 + 0x40,
                                   /* ref */ 1, /* size */ 32, /* stack */ 1};
    static const uint8_t twice[] = {'M', 'T', 'B', '2', 3, 3, 3, 1, 2, 0, 1, 1,
                                    /* kind */ 1, 2, 2, /* time */ 1, 1, 1,
                                    /* addr */ 24 + 0x40, /* ref */ 1, 1, /* size */ 32,
                                    /* stack */ 1};
    uint8_t z[256];
    size_t zl = ZSTD_compress(z, sizeof z, once, sizeof once, 1);
    ck_assert_int_eq(mt_batch_decode(z, zl, back, 2), 0);
    ck_assert_uint_eq(back[1].addr, 0x20); /* the escape's zigzag 0x40 */
    zl = ZSTD_compress(z, sizeof z, twice, sizeof twice, 1);
    ck_assert_int_eq(mt_batch_decode(z, zl, back, 3), -1);
}
END_TEST

START_TEST(schema_creates_every_table)
{
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, MT_SCHEMA_SQL, NULL, NULL, NULL), SQLITE_OK);
    const char *tables[] = {"meta", "threads", "modules", "stack_nodes", "alloc_batches",
                            "copies", "mappings", "small_copies", "symbols"};
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
        ck_assert_int_eq(th_int(db, "SELECT count(*) FROM sqlite_master WHERE name = '%s'",
                                tables[i]),
                         1);
    /* creating twice is harmless (the tracer reopens after a failed exec) */
    ck_assert_int_eq(sqlite3_exec(db, MT_SCHEMA_SQL, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}
END_TEST

/* Stored numbers and names are the file format: old traces must still read. */
START_TEST(kinds_and_keys_are_stable)
{
    ck_assert_int_eq(MT_EV_ALLOC, 1);
    ck_assert_int_eq(MT_EV_FREE, 2);
    ck_assert_int_eq(MT_EV_REALLOC, 3);
    ck_assert_str_eq(mt_kind_name(MT_KINDS_ALLOC, MT_EV_REALLOC), "realloc");
    ck_assert_ptr_null(mt_kind_name(MT_KINDS_ALLOC, MT_EV_NONE));
    ck_assert_ptr_null(mt_kind_name(MT_KINDS_COPY, MT_COPY_KIND_COUNT));
    const char *copies[] = {"memcpy", "memmove", "mempcpy", "realloc", "gather", "remap"};
    for (int k = 0; k < MT_COPY_KIND_COUNT; k++) {
        ck_assert_str_eq(mt_kind_name(MT_KINDS_COPY, k), copies[k]);
        ck_assert_int_eq(mt_kind_parse(MT_KINDS_COPY, copies[k]), k);
    }
    ck_assert_int_eq(mt_kind_parse(MT_KINDS_COPY, "strcpy"), -1);
    ck_assert_int_eq(mt_kind_parse(MT_KINDS_MAP, "mremap"), MT_MAP_MREMAP);
    ck_assert_str_eq(mt_kind_name(MT_KINDS_EXIT, MT_EXIT_IMMEDIATE), "_exit");
    ck_assert_int_eq(mt_kind_parse(MT_KINDS_UNWIND, "libunwind"), MT_UNWIND_LIBUNWIND);
    ck_assert_int_eq(mt_kind_parse(MT_KINDS_UNWIND, NULL), -1);
    ck_assert_str_eq(mt_meta_key(MT_META_COPY_MIN), "copy_min");
    ck_assert_int_eq(mt_meta_default(MT_META_COPY_MIN), 65536);
    ck_assert_int_eq(mt_meta_default(MT_META_GATHER_MIN), 1 << 20);
    ck_assert_int_eq(mt_meta_default(MT_META_PID), -1);
    ck_assert(mt_meta_is_text(MT_META_COMMAND));
    ck_assert(!mt_meta_is_text(MT_META_COMPLETE));
    ck_assert_ptr_null(mt_meta_key(MT_META_COUNT));
}
END_TEST

Suite *batch_suite(void)
{
    Suite *s = suite_create("batch");
    TCase *t = tcase_create("codec");
    tcase_add_test(t, round_trip);
    tcase_add_test(t, corrupt_blobs_rejected);
    tcase_add_test(t, empty_batch);
    tcase_add_test(t, model_round_trip);
    tcase_add_test(t, ring_addresses_cost_little);
    tcase_add_test(t, older_blobs_still_read);
    tcase_add_test(t, unfollowable_codes_refused);
    tcase_add_test(t, double_reference_refused);
    tcase_add_test(t, schema_creates_every_table);
    tcase_add_test(t, kinds_and_keys_are_stable);
    suite_add_tcase(s, t);
    return s;
}
