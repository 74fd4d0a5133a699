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
    uint64_t groups, group0_count, group0_bytes, peak_total, reserved;
    uint64_t copies, copied_bytes, remaps, stalls, realloc_copies, growth_stalls;
    uint64_t gathers, gather_bytes, gather_pieces, gather_ns, gather_span_ns, growth_ns;
    int64_t extra_copies;
    char out[256];
} facts_t;

static char db[4096];

/* Traces argv into db with env (NULL-terminated "K=V", may be NULL) and
 * analyzes it with stall_ms. */
static facts_t trace_env_facts(char *const argv[], char *const env[], double stall_ms)
{
    char err[1024], output[4200];
    snprintf(db, sizeof db, "%s/run.db", th_tempdir());
    snprintf(output, sizeof output, "MEMTRACE_OUTPUT=%s", db);
    char *full[8] = {"LD_PRELOAD=" PRELOAD_LIB, output};
    for (int i = 0; env && env[i] && i < 5; i++)
        full[2 + i] = env[i];
    facts_t f = {0};
    int st = th_run(argv, full, f.out, sizeof f.out);
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
    f.groups = r.ncopy_groups;
    f.peak_total = r.peak.total_bytes;
    f.reserved = r.peak.reserved_bytes;
    if (r.ncopy_groups) {
        f.group0_count = r.copy_groups[0].count;
        f.group0_bytes = r.copy_groups[0].bytes;
    }
    for (size_t i = 0; i < r.ncopies; i++) {
        const mtr_copy_t *c = &r.copies[i];
        f.realloc_copies += c->kind == MT_COPY_REALLOC;
        if (c->kind == MT_COPY_GATHER) {
            f.gathers++;
            f.gather_bytes += c->bytes;
            f.gather_pieces += c->pieces;
            f.gather_ns += c->duration_ns;
            f.gather_span_ns += c->span_ns;
        }
    }
    for (size_t i = 0; i < r.nstalls; i++)
        if (r.stalls[i].kind == MTR_STALL_REALLOC_GROWTH) {
            f.growth_stalls++;
            f.growth_ns += r.stalls[i].duration_ns;
        }
    mtr_report_free(&r);
    mtr_trace_close(t);
    return f;
}

static facts_t trace_facts(char *const argv[], double stall_ms)
{
    return trace_env_facts(argv, NULL, stall_ms);
}

/* The program, ten times (exactly one extra copy).  Its copies are
 * the 32 MiB memcpy and the one move from the heap into the allocator's own
 * mapping; every move after that is an mremap.  The stalls are counted with
 * no time threshold, so only what was recorded decides them, never how long
 * a copy took on a machine shared with other test runs (a descheduled
 * 240 KiB copy was seen taking 20 ms): each copy is one, and the growth is
 * none (its moves past the threshold are remaps). */
START_TEST(regrow_ten_runs_identical)
{
    char *argv[] = {FIXTURE("regrow"), "regrow", NULL};
    facts_t first = trace_facts(argv, 0);
    ck_assert_uint_eq(first.copies, 2);
    ck_assert_uint_eq(first.realloc_copies, 1);
    ck_assert_uint_eq(first.stalls, 2);
    ck_assert_uint_eq(first.growth_stalls, 0);
    /* the duplicate; the 19.5 MiB string is memory the program filled
     * itself, not a copy of the 32 MiB payload */
    ck_assert_int_eq(first.extra_copies, 1);
    for (int i = 1; i < 10; i++) {
        facts_t f = trace_facts(argv, 0);
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
    /* each of the two blocks grew by additive steps: quadratic; with no
     * time threshold its shape alone makes it a stall, timed by its copies */
    f = trace_facts(argv, 0);
    ck_assert_uint_eq(f.growth_stalls, 2);
    ck_assert_uint_gt(f.growth_ns, 0);
}
END_TEST

/* Debian's python3 growing 300 lists to 1400 items by append: CPython's
 * list_resize over-allocates by an eighth, geometric growth, amortized
 * linear.  Not a stall, even with no time threshold. */
START_TEST(python_list_growth_is_not_a_stall)
{
    char *argv[] = {"/usr/bin/python3", "-c",
                    "keep = []\n"
                    "for j in range(300):\n"
                    "    l = []\n"
                    "    for i in range(1400):\n"
                    "        l.append(i)\n"
                    "    keep.append(l)\n"
                    "    keep.append(bytearray(3000))\n",
                    NULL};
    facts_t f = trace_facts(argv, 0);
    ck_assert_uint_eq(f.growth_stalls, 0);
    /* and the lists did move, many times */
    sqlite3 *sql = th_open(db);
    size_t n;
    mt_alloc_event_t *ev = th_events(sql, &n);
    size_t moves = 0;
    for (size_t i = 0; i < n; i++)
        moves += ev[i].kind == MT_EV_REALLOC && ev[i].addr != ev[i].old_addr;
    free(ev);
    sqlite3_close(sql);
    ck_assert_uint_gt(moves, 1000);
}
END_TEST

/* 500 bytes in 100 pieces spread over a second: a gather whose time is its
 * pieces' own, microseconds, not its span; not a stall. */
START_TEST(spread_gather_is_not_a_stall)
{
    char *argv[] = {FIXTURE("copies"), "spread", NULL};
    facts_t f = trace_facts(argv, 5);
    ck_assert_uint_eq(f.gathers, 1);
    ck_assert_uint_eq(f.gather_bytes, 500);
    ck_assert_uint_eq(f.gather_pieces, 100);
    ck_assert_uint_ge(f.gather_span_ns, 990000000ull);
    ck_assert_uint_lt(f.gather_ns, 5000000ull);
    ck_assert_uint_eq(f.stalls, 0);
}
END_TEST

/* The same 64 KiB copy 10,000 times from one line: one group of 10,000;
 * the copies one by one are still there with --ungrouped. */
START_TEST(one_line_one_group)
{
    char *argv[] = {FIXTURE("copies"), "repeat", NULL};
    facts_t f = trace_facts(argv, 5);
    ck_assert_uint_eq(f.copies, 10000);
    ck_assert_uint_eq(f.groups, 1);
    ck_assert_uint_eq(f.group0_count, 10000);
    ck_assert_uint_eq(f.group0_bytes, 10000ull * 65536);
    static char json[1 << 16];
    char *grouped[] = {MT_BUILD_DIR "/memtrace-report", db, "--json", NULL};
    int st = th_run(grouped, NULL, json, sizeof json);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_ptr_nonnull(strstr(json, "\"copy_group_count\":1,"));
    ck_assert_ptr_nonnull(strstr(json, "\"kind\":\"memcpy\",\"count\":10000,\"bytes\":655360000,"));
    char *ungrouped[] = {MT_BUILD_DIR "/memtrace-report", db, "--json", "--ungrouped", "--top", "3",
                         NULL};
    st = th_run(ungrouped, NULL, json, sizeof json);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_ptr_null(strstr(json, "copy_groups"));
    ck_assert_ptr_nonnull(strstr(json, "\"copy_count\":10000,\"copies\":[{\"kind\":\"memcpy\",\"bytes\":65536,\"count\":1,"));
}
END_TEST

/* 4 GiB reserved PROT_NONE, 64 MiB of it committed with mprotect and
 * written: memory peaks at 64 MiB (and the 4 KiB of stdout's buffer), the
 * reservation is address space, shown apart. */
START_TEST(reservation_is_address_space)
{
    char *argv[] = {FIXTURE("reserve"), NULL};
    facts_t f = trace_facts(argv, 5);
    ck_assert_uint_ge(f.peak_total, 64 * MiB);
    ck_assert_uint_le(f.peak_total, 64 * MiB + 64 * 1024);
    ck_assert_uint_eq(f.reserved, 4096 * MiB);
    sqlite3 *sql = th_open(db);
    ck_assert_int_eq(th_int(sql, "SELECT count(*) FROM mappings WHERE kind = 'mprotect' AND "
                                 "size = 4194304 AND prot = 3"),
                     16);
    ck_assert_int_eq(th_int(sql, "SELECT count(*) FROM mappings WHERE kind = 'madvise' AND "
                                 "flags = 4"),
                     1);
    sqlite3_close(sql);
}
END_TEST

Suite *copies_suite(void)
{
    Suite *s = suite_create("copies");
    TCase *t = tcase_create("traced");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, regrow_ten_runs_identical);
    tcase_add_test(t, heap_growth_still_copies);
    tcase_add_test(t, python_list_growth_is_not_a_stall);
    tcase_add_test(t, spread_gather_is_not_a_stall);
    tcase_add_test(t, one_line_one_group);
    tcase_add_test(t, reservation_is_address_space);
    suite_add_tcase(s, t);
    return s;
}
