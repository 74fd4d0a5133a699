/* Regions: the C API traced and untraced (tests/fixtures/regions.c), what
 * the tracer records of them, memtrace_sync, and the analysis restricted to
 * one region (--region) on a trace built by hand with exact sizes:
 *
 *   thread 1: A 10 MiB (before the region, live to the end)
 *   region "r" on thread 1, 2000..9000 ns:
 *     3000 P 100 MiB, 4000 Q 100 MiB, 5000 memcpy P->Q 100 MiB (10 ms: a stall),
 *     6000 free P, 7000 L 1 MiB (left live at the region's end), 8000 free Q
 *   thread 2 at 5500 (inside the window, another thread): memcpy 50 MiB
 *   after it: 10000 Z 300 MiB, 11000 free Z, 12000 memcpy 200 MiB on thread 1
 *
 * Restricted to "r": peak 210 MiB at 4000, payload 100 MiB, baseline 10 MiB,
 * 1 extra copy, 1 copy of 100 MiB, 1 stall, leaks 1 MiB (L only). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyzer/cli/commands.h"
#include "analyzer/model/analyze.h"
#include "tests/helpers.h"
#include "tests/tracegen.h"

#define MiB (1ull << 20)
#define MS 1000000ull

static char out[8192];

START_TEST(region_api_is_a_noop_untraced)
{
    char *argv[] = {FIXTURE("regions"), NULL};
    int status = th_run(argv, NULL, out, sizeof out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_str_eq(out, "sync -1\n");
}
END_TEST

START_TEST(regions_are_recorded_per_thread_and_nested)
{
    char *dir = th_tempdir(), db[256];
    snprintf(db, sizeof db, "%s/run.db", dir);
    char *argv[] = {FIXTURE("regions"), "check", NULL};
    int status = th_trace(db, argv, out, sizeof out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* sqlite3 saw the region that ended just before memtrace_sync */
    ck_assert_str_eq(out, "sync 0\n1\n");
    sqlite3 *d = th_open(db);
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM regions"), 7);
    int64_t outer = th_int(d, "SELECT id FROM regions WHERE name = 'outer'");
    ck_assert_int_eq(th_int(d, "SELECT depth FROM regions WHERE name = 'outer'"), 0);
    ck_assert_int_eq(th_int(d, "SELECT parent FROM regions WHERE name = 'outer'"), 0);
    ck_assert_int_eq(th_int(d, "SELECT depth FROM regions WHERE name = 'inner'"), 1);
    ck_assert_int_eq(th_int(d, "SELECT parent FROM regions WHERE name = 'inner'"), outer);
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM regions i, regions o WHERE i.name = 'inner'"
                               " AND o.name = 'outer' AND i.begin_ns > o.begin_ns"
                               " AND i.end_ns < o.end_ns AND i.tid = o.tid"), 1);
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM regions WHERE name = 'loop' AND depth = 0"
                               " AND parent = 0 AND end_ns > begin_ns"), 3);
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM regions w, regions o WHERE"
                               " w.name = 'worker' AND o.name = 'outer' AND w.tid != o.tid"
                               " AND w.depth = 0"), 1);
    sqlite3_close(d);
}
END_TEST

/* the Python module over the same functions, with Debian's python3 */
START_TEST(python_regions)
{
    char *dir = th_tempdir(), db[256], script[256];
    snprintf(db, sizeof db, "%s/run.db", dir);
    snprintf(script, sizeof script, "%s/regions.py", dir);
    FILE *f = fopen(script, "w");
    fputs("import memtrace\n"
          "print(memtrace.traced())\n"
          "with memtrace.region('py-outer'):\n"
          "    with memtrace.region('py-inner'):\n"
          "        b = bytearray(8 << 20)\n"
          "print(memtrace.sync())\n", f);
    fclose(f);
    char *argv[] = {"/usr/bin/python3", script, NULL};
    char *env[] = {"PYTHONPATH=" MT_SOURCE_DIR "/python", NULL};
    int status = th_run(argv, env, out, sizeof out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_str_eq(out, "False\nFalse\n");
    char env_out[300];
    snprintf(env_out, sizeof env_out, "MEMTRACE_OUTPUT=%s", db);
    char *traced[] = {"PYTHONPATH=" MT_SOURCE_DIR "/python", "LD_PRELOAD=" PRELOAD_LIB, env_out,
                      NULL};
    status = th_run(argv, traced, out, sizeof out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_str_eq(out, "True\nTrue\n");
    sqlite3 *d = th_open(db);
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM regions"), 2);
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM regions i, regions o WHERE"
                               " i.name = 'py-inner' AND o.name = 'py-outer' AND i.depth = 1"
                               " AND i.parent = o.id AND o.depth = 0 AND i.tid = o.tid"), 1);
    sqlite3_close(d);
}
END_TEST

static void write_trace(const char *path)
{
    tg_open(path);
    uint64_t ipa[] = {0x401000}, ipp[] = {0x401100}, ipq[] = {0x401200}, ipl[] = {0x401300},
             ipc[] = {0x401400};
    uint32_t sa = tg_stack(1, ipa), sp = tg_stack(1, ipp), sq = tg_stack(1, ipq),
             sl = tg_stack(1, ipl), sc = tg_stack(1, ipc);
    tg_alloc(1, 1000, 0x10000000, 10 * MiB, sa);
    tg_region(1, 1, 0, 0, "r", 2000, 9000);
    tg_region(2, 1, 1, 1, "inner", 2500, 2600);
    tg_alloc(1, 3000, 0x20000000, 100 * MiB, sp);
    tg_alloc(1, 4000, 0x30000000, 100 * MiB, sq);
    tg_copy(1, 5000, 10 * MS, MT_COPY_MEMCPY, 0x20000000, 0x30000000, 100 * MiB, 1, sc);
    tg_copy(2, 5500, 1000, MT_COPY_MEMCPY, 0x20000000, 0x30000000, 50 * MiB, 1, sc);
    tg_free(1, 6000, 0x20000000);
    tg_alloc(1, 7000, 0x40000000, 1 * MiB, sl);
    tg_free(1, 8000, 0x30000000);
    tg_alloc(1, 10000, 0x50000000, 300 * MiB, sp);
    tg_free(1, 11000, 0x50000000);
    tg_copy(1, 12000, 1000, MT_COPY_MEMCPY, 0x10000000, 0x50000000, 200 * MiB, 1, sc);
    tg_close(100 * MS, 1);
}

START_TEST(region_restricts_the_analysis)
{
    char *dir = th_tempdir(), db[256], err[512];
    snprintf(db, sizeof db, "%s/run.db", dir);
    write_trace(db);
    mtr_trace_t *t = mtr_trace_open(db, err, sizeof err);
    ck_assert_ptr_nonnull(t);
    mtr_options_t o;
    mtr_options_default(&o);
    mtr_report_t whole, r;
    ck_assert_int_eq(mtr_analyze(t, &o, &whole, err, sizeof err), 0);
    ck_assert_uint_eq(whole.peak.total_bytes, 311 * MiB); /* A, L and Z */
    ck_assert_uint_eq(whole.ncopies, 3);
    ck_assert_uint_eq(whole.nregions, 2);
    ck_assert_str_eq(whole.regions[0].name, "r");
    ck_assert_uint_eq(whole.regions[0].begin_ns, TG_START_NS + 2000);
    ck_assert_uint_eq(whole.regions[0].end_ns, TG_START_NS + 9000);
    ck_assert_int_eq(whole.regions[1].parent, 1);
    ck_assert_int_eq(whole.regions[1].depth, 1);
    mtr_report_free(&whole);

    o.region = "r";
    ck_assert_int_eq(mtr_analyze(t, &o, &r, err, sizeof err), 0);
    ck_assert_str_eq(r.region, "r");
    ck_assert_uint_eq(r.peak.total_bytes, 210 * MiB);
    ck_assert_uint_eq(r.peak.time_ns, 4000);
    ck_assert_uint_eq(r.peak.nstacks, 3); /* A, P and Q live at that peak */
    ck_assert_uint_eq(r.payload_bytes, 100 * MiB);
    ck_assert_uint_eq(r.baseline_bytes, 10 * MiB);
    ck_assert_int_eq(r.extra_copies, 1);
    ck_assert_uint_eq(r.ncopies, 1);
    ck_assert_uint_eq(r.copies[0].bytes, 100 * MiB);
    ck_assert_uint_eq(r.totals.copied_bytes, 100 * MiB);
    ck_assert_uint_eq(r.nstalls, 1);
    ck_assert_uint_eq(r.leaked_bytes, 1 * MiB);
    ck_assert_uint_eq(r.nleaks, 1);
    mtr_report_free(&r);

    o.region = "missing";
    ck_assert_int_eq(mtr_analyze(t, &o, &r, err, sizeof err), -1);
    ck_assert_str_eq(err, "no region named \"missing\" in the trace (2 regions)");
    mtr_trace_close(t);
}
END_TEST

/* the subcommands, in-process, stdout captured */
static int cmd(int (*fn)(int, char **), char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    fflush(stdout);
    int saved = dup(1);
    char path[] = "/tmp/mt-regions-out-XXXXXX";
    int fd = mkstemp(path);
    dup2(fd, 1);
    int rc = fn(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, out, sizeof out - 1);
    out[n > 0 ? n : 0] = 0;
    close(fd);
    unlink(path);
    return rc;
}

START_TEST(gate_and_diff_take_a_region)
{
    char *dir = th_tempdir(), db[256];
    snprintf(db, sizeof db, "%s/run.db", dir);
    write_trace(db);
    char *extra[] = {"gate", db, "--region", "r", "--max-extra-copies", "0", NULL};
    ck_assert_int_eq(cmd(mtr_cmd_gate, extra), 1);
    ck_assert_str_eq(out, "extra copies 1 exceed --max-extra-copies 0\n");
    char *ok[] = {"gate", db, "--region", "r", "--max-copied", "100M", "--max-peak", "210M",
                  "--max-stalls", "1", NULL};
    ck_assert_int_eq(cmd(mtr_cmd_gate, ok), 0);
    ck_assert_str_eq(out, "");
    char *over[] = {"gate", db, "--region", "r", "--max-copied", "99M", "--max-peak", "200M",
                    NULL};
    ck_assert_int_eq(cmd(mtr_cmd_gate, over), 1);
    ck_assert_str_eq(out, "peak 210 MiB exceeds --max-peak 200 MiB\n"
                          "copied 100 MiB exceeds --max-copied 99.0 MiB\n");
    /* the whole run copied 350 MiB */
    char *whole[] = {"gate", db, "--max-copied", "349M", NULL};
    ck_assert_int_eq(cmd(mtr_cmd_gate, whole), 1);
    ck_assert_str_eq(out, "copied 350 MiB exceeds --max-copied 349 MiB\n");
    char *diff[] = {"diff", db, db, "--region", "r", "--json", NULL};
    ck_assert_int_eq(cmd(mtr_cmd_diff, diff), 0);
    ck_assert_ptr_nonnull(strstr(out, "220200960")); /* 210 MiB on both sides */
    /* the whole run's list gives each region's figures, as --region does */
    char *text[] = {"report", db, NULL};
    ck_assert_int_eq(cmd(mtr_cmd_report, text), 0);
    ck_assert_ptr_nonnull(strstr(out,
        "REGIONS  2 (2 names; each as --region NAME reports it)\n"
        "  r  thread 1, at 2 us for 7 us: peak 210 MiB, 1 copy (100 MiB), 1 extra copy, 1 stall,"
        " leaks 1.00 MiB\n"
        "    inner  thread 1, at 2 us for 100 ns: peak 10.0 MiB, 0 copies (0 B), 0 extra copies,"
        " 0 stalls, leaks 0 B\n"));
    char *rjson[] = {"report", db, "--json", NULL};
    ck_assert_int_eq(cmd(mtr_cmd_report, rjson), 0);
    ck_assert_ptr_nonnull(strstr(out, "\"region_figures\":[{\"name\":\"r\",\"count\":1,"
                                      "\"duration_ns\":7000,\"peak_bytes\":220200960,"
                                      "\"peak_ns\":4000,\"copies\":1,\"copied_bytes\":104857600,"
                                      "\"extra_copies\":1,\"stalls\":1,\"leaks\":1,"
                                      "\"leaked_bytes\":1048576}"));
    char *json[] = {"report", db, "--region", "inner", "--json", NULL};
    ck_assert_int_eq(cmd(mtr_cmd_report, json), 0);
    ck_assert_ptr_nonnull(strstr(out, "\"region\":\"inner\""));
    ck_assert_ptr_nonnull(strstr(out, "\"name\":\"r\",\"tid\":1,\"depth\":0,\"parent\":0,"
                                      "\"begin_ns\":2000,\"duration_ns\":7000,\"open\":false"));
}
END_TEST

Suite *regions_suite(void)
{
    Suite *s = suite_create("regions");
    TCase *t = tcase_create("regions");
    tcase_add_test(t, region_api_is_a_noop_untraced);
    tcase_add_test(t, regions_are_recorded_per_thread_and_nested);
    tcase_add_test(t, python_regions);
    tcase_add_test(t, region_restricts_the_analysis);
    tcase_add_test(t, gate_and_diff_take_a_region);
    suite_add_tcase(s, t);
    return s;
}
