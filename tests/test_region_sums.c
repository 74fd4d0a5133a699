/* Every region's figures in the whole-run report (model/region_sums.h) are
 * what --region NAME reports of that name: checked on random traces (two
 * threads, blocks freed by the other thread, moving reallocs, copies that
 * stall, a realloc chain crossing a region's end, regions of one name that
 * repeat and overlap, bounds on event times), and on the hand-made trace of
 * test_regions.c's shape through the text and JSON reports. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/model/analyze.h"
#include "tests/helpers.h"
#include "tests/tracegen.h"

#define MiB (1ull << 20)
#define MS 1000000ull

static uint64_t seed;

static uint64_t rnd(uint64_t n)
{
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (seed >> 33) % n;
}

typedef struct {
    uint64_t addr, size;
} live_t;

static void random_trace(const char *path, uint64_t s)
{
    static const char *names[] = {"a", "b", "c", "d", "grow"};
    seed = s;
    tg_open(path);
    uint32_t st[4];
    for (int i = 0; i < 4; i++) {
        uint64_t ip = 0x401000 + 0x100 * (uint64_t)i;
        st[i] = tg_stack(1, &ip);
    }
    live_t live[64];
    int n = 0;
    uint64_t next = 0x10000000, t = 1000;
    for (int ev = 0; ev < 3000; ev++, t += 1000) {
        uint32_t tid = 1 + (uint32_t)rnd(2), stack = st[rnd(4)];
        uint64_t op = rnd(100);
        if (n < 64 && (op < 40 || n < 2)) {
            uint64_t size = rnd(10) ? 16 + rnd(4080) : MiB + rnd(64 * MiB);
            tg_alloc(tid, t, next, size, stack);
            live[n++] = (live_t){next, size};
            next += size + 0x1000;
        } else if (op < 70) {
            int k = (int)rnd((uint64_t)n);
            tg_free(tid, t, live[k].addr); /* either thread frees it */
            live[k] = live[--n];
        } else if (op < 80) {
            int k = (int)rnd((uint64_t)n);
            uint64_t size = live[k].size + 16 + rnd(8192);
            tg_copy(tid, t, rnd(4) ? 1000 : 6 * MS, MT_COPY_REALLOC, live[k].addr, next,
                    live[k].size, 1, stack);
            tg_realloc(tid, t, live[k].addr, next, size, stack);
            live[k] = (live_t){next, size};
            next += size + 0x1000;
        } else if (op < 95) {
            int a = (int)rnd((uint64_t)n), b = (int)rnd((uint64_t)n);
            uint64_t bytes = live[a].size < live[b].size ? live[a].size : live[b].size;
            tg_copy(tid, t, rnd(5) ? 500 : 7 * MS, MT_COPY_MEMCPY, live[a].addr, live[b].addr,
                    bytes, 1, stack);
        } else {
            tg_mmap(t, 0x700000000000ull + (uint64_t)ev * 0x100000, 0x80000, 1, stack);
        }
    }
    /* an additive realloc chain on thread 1 that outlives region "grow" */
    uint64_t addr = next, size = 4096, grow_begin = t;
    tg_alloc(1, t, addr, size, st[0]);
    for (int i = 0; i < 12; i++) {
        t += 1000;
        uint64_t to = addr + 0x1000000;
        tg_copy(1, t, MS, MT_COPY_REALLOC, addr, to, size, 1, st[1]);
        tg_realloc(1, t, addr, to, size + 4096, st[1]);
        addr = to;
        size += 4096;
        t += MS;
    }
    uint64_t end = t + 1000;
    for (int i = 0; i < 14; i++) {
        uint64_t b = 500 * rnd(grow_begin / 500), e = b + 500 * rnd(2000);
        tg_region((uint64_t)i + 1, 1 + (uint32_t)rnd(2), 0, 0, names[rnd(4)], b, e);
    }
    tg_region(15, 1, 0, 0, "grow", grow_begin, grow_begin + 3 * MS);
    tg_region(16, 2, 0, 0, "instant", 200000, 200000); /* at an event's time */
    tg_close(end, 1);
}

static uint64_t leak_count(const mtr_report_t *r)
{
    uint64_t k = 0;
    for (size_t i = 0; i < r->nleaks; i++)
        k += r->leaks[i].count;
    return k;
}

START_TEST(figures_match_each_region_report)
{
    char *dir = th_tempdir(), db[256], err[512];
    snprintf(db, sizeof db, "%s/run.db", dir);
    random_trace(db, (uint64_t)_i * 7919 + 1);
    mtr_trace_t *t = mtr_trace_open(db, err, sizeof err);
    ck_assert_ptr_nonnull(t);
    mtr_options_t o;
    mtr_options_default(&o);
    mtr_report_t whole, r;
    ck_assert_int_eq(mtr_analyze(t, &o, &whole, err, sizeof err), 0);
    ck_assert_uint_ge(whole.nregion_sums, 3);
    uint64_t stalls = 0, extra = 0, leaks = 0, copies = 0, regions = 0;
    for (size_t i = 0; i < whole.nregion_sums; i++) {
        const mtr_region_sum_t *s = &whole.region_sums[i];
        o.region = s->name;
        ck_assert_int_eq(mtr_analyze(t, &o, &r, err, sizeof err), 0);
        ck_assert_uint_eq(s->peak_bytes, r.peak.total_bytes);
        ck_assert_uint_eq(s->peak_ns, r.peak.time_ns);
        ck_assert_uint_eq(s->copies, r.totals.copies);
        ck_assert_uint_eq(s->copied_bytes, r.totals.copied_bytes);
        ck_assert_int_eq(s->extra_copies, r.extra_copies);
        ck_assert_uint_eq(s->stalls, r.nstalls);
        ck_assert_uint_eq(s->leaked_bytes, r.leaked_bytes);
        ck_assert_uint_eq(s->leaks, leak_count(&r));
        ck_assert_ptr_null(r.region_sums);
        stalls += s->stalls;
        extra += (uint64_t)s->extra_copies;
        leaks += s->leaks;
        copies += s->copies;
        regions += s->count;
        if (!strcmp(s->name, "grow")) /* the chain's twelve moves, and its copies */
            ck_assert_uint_eq(s->stalls, 1);
        mtr_report_free(&r);
    }
    ck_assert_uint_eq(regions, whole.nregions);
    /* the comparison saw every kind of figure */
    ck_assert_uint_gt(stalls, 1);
    ck_assert_uint_gt(extra, 0);
    ck_assert_uint_gt(leaks, 0);
    ck_assert_uint_gt(copies, 0);
    mtr_report_free(&whole);
    mtr_trace_close(t);
}
END_TEST

/* A test's extra copies are buffers it made: one that an earlier test left
 * live is not a copy of this test's payload. */
START_TEST(older_buffers_are_not_extra_copies)
{
    char *dir = th_tempdir(), db[256], err[512];
    snprintf(db, sizeof db, "%s/run.db", dir);
    tg_open(db);
    uint64_t ip = 0x401000;
    uint32_t st = tg_stack(1, &ip);
    tg_region(1, 1, 0, 0, "test_a", 1000, 3000);
    tg_alloc(1, 2000, 0x10000000, 100 * MiB, st); /* test_a leaks it */
    tg_region(2, 1, 0, 0, "test_b", 4000, 9000);
    tg_alloc(1, 5000, 0x20000000, 100 * MiB, st);
    tg_alloc(1, 6000, 0x30000000, 100 * MiB, st);
    tg_copy(1, 7000, 1000, MT_COPY_MEMCPY, 0x20000000, 0x30000000, 100 * MiB, 1, st);
    tg_free(1, 8000, 0x20000000);
    tg_free(1, 8500, 0x30000000);
    tg_close(10000, 1);
    mtr_trace_t *t = mtr_trace_open(db, err, sizeof err);
    ck_assert_ptr_nonnull(t);
    mtr_options_t o;
    mtr_options_default(&o);
    mtr_report_t whole, r;
    ck_assert_int_eq(mtr_analyze(t, &o, &whole, err, sizeof err), 0);
    ck_assert_uint_eq(whole.nregion_sums, 2);
    ck_assert_int_eq(whole.region_sums[0].extra_copies, 0);
    ck_assert_uint_eq(whole.region_sums[0].leaked_bytes, 100 * MiB);
    ck_assert_int_eq(whole.region_sums[1].extra_copies, 1); /* its own two, not test_a's */
    ck_assert_uint_eq(whole.region_sums[1].peak_bytes, 300 * MiB);
    ck_assert_uint_eq(whole.region_sums[1].leaked_bytes, 0);
    o.region = "test_b";
    ck_assert_int_eq(mtr_analyze(t, &o, &r, err, sizeof err), 0);
    ck_assert_int_eq(r.extra_copies, 1);
    mtr_report_free(&r);
    mtr_report_free(&whole);
    mtr_trace_close(t);
}
END_TEST

Suite *region_sums_suite(void)
{
    Suite *s = suite_create("region_sums");
    TCase *t = tcase_create("region_sums");
    tcase_set_timeout(t, 60);
    tcase_add_loop_test(t, figures_match_each_region_report, 0, 4);
    tcase_add_test(t, older_buffers_are_not_extra_copies);
    suite_add_tcase(s, t);
    return s;
}
