/* The alloc_batches codec and the schema, without any preload. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

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
    tcase_add_test(t, schema_creates_every_table);
    tcase_add_test(t, kinds_and_keys_are_stable);
    suite_add_tcase(s, t);
    return s;
}
