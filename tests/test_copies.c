/* Copies and stalls a user can trust (issue 11), on traced fixture programs:
 * the same program gives the same counts every run, a remap is no copy,
 * real heap growth is still a copy, exactly. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "analyzer/model/analyze.h"
#include "tests/helpers.h"

#define MiB (1024ull * 1024)

typedef struct {
    uint64_t copies, copied_bytes, remaps, stalls, realloc_copies;
    int64_t extra_copies;
    char out[256];
} facts_t;

/* Traces argv into dir/run.db and analyzes it with stall_ms. */
static facts_t trace_facts(char *const argv[], double stall_ms)
{
    char db[4096], err[1024];
    snprintf(db, sizeof db, "%s/run.db", th_tempdir());
    facts_t f = {0};
    int st = th_trace(db, argv, f.out, sizeof f.out);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed: %d", argv[0], st);
    mtr_options_t opt;
    mtr_options_default(&opt);
    opt.stall_ms = stall_ms;
    mtr_trace_t *t = mtr_trace_open(db, err, sizeof err);
    ck_assert_msg(t != NULL, "%s", err);
    mtr_report_t r;
    ck_assert_msg(mtr_analyze(t, &opt, &r, err, sizeof err) == 0, "%s", err);
    f.copies = r.totals.copies;
    f.copied_bytes = r.totals.copied_bytes;
    f.remaps = r.totals.remaps;
    f.stalls = r.nstalls;
    f.extra_copies = r.extra_copies;
    for (size_t i = 0; i < r.ncopies; i++)
        f.realloc_copies += r.copies[i].kind == MT_COPY_REALLOC;
    mtr_report_free(&r);
    mtr_trace_close(t);
    return f;
}

/* The program, ten times.  Its copies are the 32 MiB memcpy and the
 * one move from the heap into the allocator's own mapping; every move after
 * that is an mremap.  20 ms: on this 2-core machine, shared with other test
 * runs, a descheduled 240 KiB copy was once seen taking 5.8 ms. */
START_TEST(regrow_ten_runs_identical)
{
    char *argv[] = {FIXTURE("regrow"), "regrow", NULL};
    facts_t first = trace_facts(argv, 20);
    ck_assert_uint_eq(first.copies, 2);
    ck_assert_uint_eq(first.realloc_copies, 1);
    ck_assert_uint_eq(first.stalls, 1);
    for (int i = 1; i < 10; i++) {
        facts_t f = trace_facts(argv, 20);
        ck_assert_uint_eq(f.copies, first.copies);
        ck_assert_uint_eq(f.copied_bytes, first.copied_bytes);
        ck_assert_uint_eq(f.stalls, first.stalls);
        ck_assert_int_eq(f.extra_copies, first.extra_copies);
    }
}
END_TEST

/* Additive growth on the heap really copies: every move the program saw
 * (it prints them) is one realloc copy of exactly those bytes. */
START_TEST(heap_growth_still_copies)
{
    char *argv[] = {FIXTURE("regrow"), "heap", "1000", NULL};
    facts_t f = trace_facts(argv, 5);
    unsigned long moves, bytes;
    ck_assert_int_eq(sscanf(f.out, "%lu %lu", &moves, &bytes), 2);
    ck_assert_uint_gt(moves, 0);
    ck_assert_uint_eq(f.copies, moves);
    ck_assert_uint_eq(f.realloc_copies, moves);
    ck_assert_uint_eq(f.copied_bytes, bytes);
    ck_assert_uint_eq(f.remaps, 0);
}
END_TEST

Suite *copies_suite(void)
{
    Suite *s = suite_create("copies");
    TCase *t = tcase_create("traced");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, regrow_ten_runs_identical);
    tcase_add_test(t, heap_growth_still_copies);
    suite_add_tcase(s, t);
    return s;
}
