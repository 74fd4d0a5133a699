/* Diff and gate suite: three traces built by hand with exact sizes, compared
 * through the library (mtr_diff_compute, mtr_gate_check) and through the
 * subcommands (mtr_cmd_diff, mtr_cmd_gate, and mtr_cmd_report for what they
 * share) with their output captured.
 *
 *   base: a 96 MiB payload, 1 MiB "small", 3 MiB "gone"; a 48 MiB memmove
 *         (1 ms)                                      peak 100 MiB, 0 extra
 *   run:  the payload, "small" as two 1.5 MiB blocks from two nodes with the
 *         same frames, a 96 MiB copy of the payload (memcpy, 10 ms: a stall),
 *         5 MiB "other", the same memmove             peak 200 MiB, 1 extra
 *   more: base plus 10 MiB "other"                    peak 110 MiB (+10%)
 *
 * Stack nodes are made in a different order in each trace, so their ids
 * differ and only their (module-less, offset-only) frames can match them. */
#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/cli/commands.h"
#include "analyzer/model/analyze.h"
#include "analyzer/model/diff.h"
#include "analyzer/model/gate.h"
#include "analyzer/symbolize/frames.h"
#include "format/size.h"
#include "tests/helpers.h"
#include "tests/tracegen.h"

#define MiB (1ull << 20)
#define MS 1000000ull

/* made-up return addresses: with no module they symbolize to ip - 1 */
enum {
    IP_MAIN = 0x401000,
    IP_LOAD = 0x401100,
    IP_SMALL = 0x401200,
    IP_GONE = 0x401300,
    IP_COPYBUF = 0x401400,
    IP_OTHER = 0x401500,
    IP_MEMCPY = 0x401600,
    IP_MEMMOVE = 0x401700,
};

#define PAYLOAD 0x10000000ull
#define COPYBUF 0x20000000ull

static char *dir;
static char base_db[256], run_db[256], more_db[256];
/* the run's nodes, to recognize them in the diff */
static uint32_t run_copybuf, run_small[2], base_small, base_gone;

static uint32_t stack2(uint64_t ip)
{
    uint64_t ips[2] = {ip, IP_MAIN};
    return tg_stack(2, ips);
}

/* base, or base plus 10 MiB "other" (more) */
static void write_base(const char *path, int more)
{
    tg_open(path);
    uint32_t load = stack2(IP_LOAD);
    base_small = stack2(IP_SMALL);
    base_gone = stack2(IP_GONE);
    uint32_t mv = stack2(IP_MEMMOVE);
    tg_alloc(1, 1000, PAYLOAD, 96 * MiB, load);
    tg_alloc(1, 2000, 0x30000000, 1 * MiB, base_small);
    tg_alloc(1, 3000, 0x40000000, 3 * MiB, base_gone);
    if (more)
        tg_alloc(1, 3500, 0x50000000, 10 * MiB, stack2(IP_OTHER));
    tg_copy(1, 4000, 1 * MS, MT_COPY_MEMMOVE, PAYLOAD, PAYLOAD + 48 * MiB, 48 * MiB, 1, mv);
    tg_close(100 * MS, 1);
}

static void write_run(const char *path)
{
    tg_open(path);
    uint32_t other = stack2(IP_OTHER);
    run_copybuf = stack2(IP_COPYBUF);
    uint32_t cp = stack2(IP_MEMCPY);
    run_small[0] = stack2(IP_SMALL);
    run_small[1] = stack2(IP_SMALL); /* same frames, another node */
    uint32_t load = stack2(IP_LOAD);
    uint32_t mv = stack2(IP_MEMMOVE);
    tg_alloc(1, 1000, PAYLOAD, 96 * MiB, load);
    tg_alloc(1, 2000, 0x30000000, 3 * MiB / 2, run_small[0]);
    tg_alloc(1, 2500, 0x38000000, 3 * MiB / 2, run_small[1]);
    tg_alloc(1, 3000, COPYBUF, 96 * MiB, run_copybuf);
    tg_alloc(1, 3500, 0x50000000, 5 * MiB, other);
    tg_copy(1, 4000, 1 * MS, MT_COPY_MEMMOVE, PAYLOAD, PAYLOAD + 48 * MiB, 48 * MiB, 1, mv);
    tg_copy(1, 5000, 10 * MS, MT_COPY_MEMCPY, PAYLOAD, COPYBUF, 96 * MiB, 1, cp);
    tg_close(100 * MS, 1);
}

static void setup(void)
{
    dir = th_tempdir();
    snprintf(base_db, sizeof base_db, "%s/base.db", dir);
    snprintf(run_db, sizeof run_db, "%s/run.db", dir);
    snprintf(more_db, sizeof more_db, "%s/more.db", dir);
    write_base(more_db, 1);
    write_base(base_db, 0); /* last, so base_small/base_gone are base's */
    write_run(run_db);
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* ---- running a subcommand with its output captured ---- */

typedef struct {
    int rc;
    char out[1 << 16], err[4096];
    int out_lines, err_lines;
} run_t;

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
}

/* cmd with the arguments after it (NULL-terminated); stdout and stderr go to
 * files while it runs (Check forks each test, so nothing else is writing). */
static run_t *run_cmd(int (*cmd)(int, char **), ...)
{
    static run_t r;
    char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, cmd);
    for (const char *a; (a = va_arg(ap, const char *)) && argc < 31;)
        argv[argc++] = strdup(a);
    va_end(ap);
    argv[argc] = NULL;
    char out[300], err[300];
    snprintf(out, sizeof out, "%s/stdout", dir);
    snprintf(err, sizeof err, "%s/stderr", dir);
    fflush(stdout);
    fflush(stderr);
    int save1 = dup(1), save2 = dup(2);
    int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert(fo >= 0 && fe >= 0);
    dup2(fo, 1);
    dup2(fe, 2);
    r.rc = cmd(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(save1, 1);
    dup2(save2, 2);
    close(save1);
    close(save2);
    close(fo);
    close(fe);
    slurp(out, r.out, sizeof r.out);
    slurp(err, r.err, sizeof r.err);
    r.out_lines = count_lines(r.out);
    r.err_lines = count_lines(r.err);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return &r;
}

#define GATE(...) run_cmd(mtr_cmd_gate, "gate", __VA_ARGS__, (const char *)NULL)
#define DIFF(...) run_cmd(mtr_cmd_diff, "diff", __VA_ARGS__, (const char *)NULL)
#define REPORT(...) run_cmd(mtr_cmd_report, "report", __VA_ARGS__, (const char *)NULL)

/* ---- loading reports for the library tests ---- */

typedef struct {
    mtr_trace_t *trace;
    mtr_report_t r;
    mtr_frames_t *f;
} loaded_t;

static void load(const char *path, loaded_t *l)
{
    char err[1024];
    mtr_options_t opt;
    mtr_options_default(&opt);
    l->trace = mtr_trace_open(path, err, sizeof err);
    ck_assert_msg(l->trace != NULL, "%s", err);
    ck_assert_msg(mtr_analyze(l->trace, &opt, &l->r, err, sizeof err) == 0, "%s", err);
    l->f = mtr_frames_open(l->trace);
}

static void unload(loaded_t *l)
{
    mtr_frames_close(l->f);
    mtr_report_free(&l->r);
    mtr_trace_close(l->trace);
}

static uint64_t first_offset(mtr_frames_t *f, uint32_t stack)
{
    const mtr_sframe_t *fr;
    ck_assert_uint_eq(mtr_frames_get(f, stack, &fr), 2);
    ck_assert_ptr_null(fr[0].function);
    return fr[0].offset;
}

/* ---- diff ---- */

START_TEST(diff_numbers_and_stacks)
{
    loaded_t b, r;
    load(base_db, &b);
    load(run_db, &r);
    ck_assert_uint_eq(b.r.peak.total_bytes, 100 * MiB);
    ck_assert_uint_eq(r.r.peak.total_bytes, 200 * MiB);
    mtr_diff_t d;
    mtr_diff_compute(&b.r, b.f, &r.r, r.f, &d);
    ck_assert_int_eq(d.peak_bytes.base, (int64_t)(100 * MiB));
    ck_assert_int_eq(d.peak_bytes.delta, (int64_t)(100 * MiB));
    ck_assert_int_eq(d.peak_heap_bytes.delta, (int64_t)(100 * MiB));
    ck_assert_int_eq(d.extra_copies.base, 0);
    ck_assert_int_eq(d.extra_copies.run, 1);
    ck_assert_int_eq(d.extra_copies.delta, 1);
    ck_assert_int_eq(d.copies.base, 1);
    ck_assert_int_eq(d.copies.delta, 1);
    ck_assert_int_eq(d.copied_bytes.delta, (int64_t)(96 * MiB));
    ck_assert_int_eq(d.stalls.delta, 1);
    ck_assert_int_eq(d.stalls_by_kind[MTR_STALL_LARGE_COPY].run, 1);
    ck_assert_int_eq(d.stalls_by_kind[MTR_STALL_FLUSH].run, 0);

    /* grew: the copy's buffer (new), "other" (new), "small" (1 -> 3 MiB);
     * the payload did not change and is not listed */
    ck_assert_uint_eq(d.ngrew, 3);
    ck_assert_int_eq(d.grew[0].status, MTR_DIFF_NEW);
    ck_assert_uint_eq(d.grew[0].run_stack, run_copybuf);
    ck_assert_uint_eq(d.grew[0].base_stack, 0);
    ck_assert_int_eq(d.grew[0].delta_bytes, (int64_t)(96 * MiB));
    ck_assert_uint_eq(first_offset(r.f, d.grew[0].run_stack), IP_COPYBUF - 1);
    ck_assert_int_eq(d.grew[1].status, MTR_DIFF_NEW);
    ck_assert_uint_eq(first_offset(r.f, d.grew[1].run_stack), IP_OTHER - 1);
    ck_assert_int_eq(d.grew[2].status, MTR_DIFF_GREW);
    ck_assert_uint_eq(d.grew[2].base_stack, base_small);
    ck_assert(d.grew[2].run_stack == run_small[0] || d.grew[2].run_stack == run_small[1]);
    ck_assert_uint_ne(d.grew[2].run_stack, base_small); /* ids differ: matched by frames */
    ck_assert_uint_eq(d.grew[2].base_bytes, 1 * MiB);
    ck_assert_uint_eq(d.grew[2].run_bytes, 3 * MiB); /* both nodes folded */
    ck_assert_uint_eq(d.grew[2].run_count, 2);
    ck_assert_int_eq(d.grew[2].delta_bytes, (int64_t)(2 * MiB));

    ck_assert_uint_eq(d.nshrank, 1);
    ck_assert_int_eq(d.shrank[0].status, MTR_DIFF_GONE);
    ck_assert_uint_eq(d.shrank[0].base_stack, base_gone);
    ck_assert_int_eq(d.shrank[0].delta_bytes, -(int64_t)(3 * MiB));
    mtr_diff_free(&d);

    /* the other way round: everything mirrored */
    mtr_diff_compute(&r.r, r.f, &b.r, b.f, &d);
    ck_assert_int_eq(d.peak_bytes.delta, -(int64_t)(100 * MiB));
    ck_assert_int_eq(d.extra_copies.delta, -1);
    ck_assert_uint_eq(d.ngrew, 1);
    ck_assert_uint_eq(d.nshrank, 3);
    ck_assert_uint_eq(d.shrank[0].base_stack, run_copybuf);
    ck_assert_int_eq(d.shrank[0].status, MTR_DIFF_GONE);
    ck_assert_int_eq(d.shrank[2].status, MTR_DIFF_SHRANK);
    mtr_diff_free(&d);

    /* a run against itself: nothing changed */
    mtr_diff_compute(&r.r, r.f, &r.r, r.f, &d);
    ck_assert_int_eq(d.peak_bytes.delta, 0);
    ck_assert_uint_eq(d.ngrew + d.nshrank, 0);
    mtr_diff_free(&d);
    unload(&b);
    unload(&r);
}
END_TEST

/* The first entry of "grew" in the JSON: its bytes and its first frame. */
START_TEST(diff_json)
{
    run_t *o = DIFF(base_db, run_db, "--json");
    ck_assert_int_eq(o->rc, 0);
    ck_assert_int_eq(o->err_lines, 0);
    ck_assert_int_eq(o->out_lines, 1);
    ck_assert_ptr_nonnull(strstr(o->out, "\"schema\":1,"));
    ck_assert_ptr_nonnull(
        strstr(o->out, "\"peak_bytes\":{\"base\":104857600,\"run\":209715200,\"delta\":104857600}"));
    ck_assert_ptr_nonnull(strstr(o->out, "\"extra_copies\":{\"base\":0,\"run\":1,\"delta\":1}"));
    ck_assert_ptr_nonnull(strstr(o->out, "\"large-copy\":{\"base\":0,\"run\":1,\"delta\":1}"));
    ck_assert_ptr_nonnull(strstr(o->out, "\"grew_count\":3,\"shrank_count\":1"));
    const char *g = strstr(o->out, "\"grew\":[{\"status\":\"new\",\"base_bytes\":0,"
                                   "\"run_bytes\":100663296,\"delta_bytes\":100663296,");
    ck_assert_ptr_nonnull(g);
    const char *off = strstr(g, "\"offset\":");
    ck_assert_ptr_nonnull(off);
    ck_assert_uint_eq(strtoull(off + 9, NULL, 10), IP_COPYBUF - 1);
    /* valid JSON as a whole (python3 is a build dependency) */
    char path[300], cmd[400];
    snprintf(path, sizeof path, "%s/diff.json", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(o->out, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' %s",
             path);
    ck_assert_int_eq(system(cmd), 0);

    /* --top 1 keeps one entry per list, the counts stay whole */
    o = DIFF(base_db, run_db, "--json", "--top", "1");
    ck_assert_int_eq(o->rc, 0);
    ck_assert_ptr_nonnull(strstr(o->out, "\"grew_count\":3,\"shrank_count\":1"));
    ck_assert_ptr_null(strstr(o->out, "\"status\":\"grew\""));
}
END_TEST

START_TEST(diff_text_and_errors)
{
    run_t *o = DIFF(base_db, run_db);
    ck_assert_int_eq(o->rc, 0);
    ck_assert_int_eq(o->err_lines, 0);
    /* the copy's buffer is listed before "small" */
    char copybuf[32], small[32];
    snprintf(copybuf, sizeof copybuf, "?+0x%x", IP_COPYBUF - 1);
    snprintf(small, sizeof small, "?+0x%x", IP_SMALL - 1);
    const char *a = strstr(o->out, copybuf), *b = strstr(o->out, small);
    ck_assert(a && b && a < b);

    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing.db", dir);
    o = DIFF(base_db, missing);
    ck_assert_int_eq(o->rc, 2);
    ck_assert_int_eq(o->err_lines, 1);
    ck_assert_int_eq(o->out_lines, 0);
    ck_assert_ptr_nonnull(strstr(o->err, missing));
    o = DIFF(base_db);
    ck_assert_int_eq(o->rc, 2);
    ck_assert_int_eq(o->err_lines, 1);
    o = DIFF(base_db, run_db, "--bogus");
    ck_assert_int_eq(o->rc, 2);
    ck_assert_int_eq(o->err_lines, 1);
}
END_TEST

/* ---- gate ---- */

START_TEST(gate_within)
{
    /* at the budget is within it: the peak is exactly 200 MiB */
    run_t *o = GATE(run_db, "--max-peak", "200M", "--max-extra-copies", "1", "--max-stalls", "1");
    ck_assert_int_eq(o->rc, 0);
    ck_assert_int_eq(o->out_lines + o->err_lines, 0);
    o = GATE(run_db, "--max-peak", "209715200");
    ck_assert_int_eq(o->rc, 0);
    o = GATE(base_db, "--max-peak", "1G", "--max-extra-copies", "0", "--max-stalls", "0");
    ck_assert_int_eq(o->rc, 0);
}
END_TEST

/* One formatter: the gate and the report name a 147.5 MiB peak alike. */
START_TEST(gate_and_report_show_sizes_alike)
{
    char odd[300];
    snprintf(odd, sizeof odd, "%s/odd.db", dir);
    tg_open(odd);
    tg_alloc(1, 1000, 0x7f0000000000, 295 * MiB / 2, stack2(IP_OTHER));
    tg_close(2000, 1);
    run_t *o = GATE(odd, "--max-peak", "100M");
    ck_assert_int_eq(o->rc, 1);
    ck_assert_str_eq(o->out, "peak 148 MiB exceeds --max-peak 100 MiB\n");
    o = REPORT(odd);
    ck_assert_ptr_nonnull(strstr(o->out, "PEAK MEMORY  148 MiB ("));
    char buf[MT_SIZE_TEXT];
    ck_assert_str_eq(mt_size_text(512, buf), "512 B");
    ck_assert_str_eq(mt_size_text(1536, buf), "1.50 KiB");
    ck_assert_str_eq(mt_size_text(12 * MiB + 300 * 1024, buf), "12.3 MiB");
}
END_TEST

START_TEST(gate_each_budget)
{
    run_t *o = GATE(run_db, "--max-peak", "209715199");
    ck_assert_int_eq(o->rc, 1);
    ck_assert_int_eq(o->out_lines, 1);
    ck_assert_int_eq(o->err_lines, 0);
    ck_assert_int_eq(strncmp(o->out, "peak ", 5), 0);
    o = GATE(run_db, "--max-peak", "150M");
    ck_assert_int_eq(o->rc, 1);
    ck_assert_int_eq(o->out_lines, 1);
    o = GATE(run_db, "--max-extra-copies", "0");
    ck_assert_int_eq(o->rc, 1);
    ck_assert_int_eq(o->out_lines, 1);
    ck_assert_int_eq(strncmp(o->out, "extra copies 1 ", 15), 0);
    o = GATE(run_db, "--max-stalls", "0");
    ck_assert_int_eq(o->rc, 1);
    ck_assert_int_eq(o->out_lines, 1);
    ck_assert_int_eq(strncmp(o->out, "stalls 1 ", 9), 0);
    o = GATE(run_db, "--max-peak", "150M", "--max-extra-copies", "0", "--max-stalls", "0");
    ck_assert_int_eq(o->rc, 1);
    ck_assert_int_eq(o->out_lines, 3);
}
END_TEST

START_TEST(gate_baseline)
{
    /* more vs base: peak +10% exactly, copies and extra copies unchanged */
    run_t *o = GATE(more_db, "--baseline", base_db, "--tolerance", "10");
    ck_assert_int_eq(o->rc, 0);
    ck_assert_int_eq(o->out_lines, 0);
    o = GATE(more_db, "--baseline", base_db, "--tolerance", "9.99");
    ck_assert_int_eq(o->rc, 1);
    ck_assert_int_eq(o->out_lines, 1);
    ck_assert_int_eq(strncmp(o->out, "peak ", 5), 0);
    /* run vs base: peak +100% (within 100), copied bytes +200%, extra 0 -> 1 */
    o = GATE(run_db, "--baseline", base_db, "--tolerance", "100%");
    ck_assert_int_eq(o->rc, 1);
    ck_assert_int_eq(o->out_lines, 2);
    o = GATE(run_db, "--baseline", base_db, "--tolerance", "200");
    ck_assert_int_eq(o->rc, 1);
    ck_assert_int_eq(o->out_lines, 1); /* from 0 extra copies no growth is allowed */
    ck_assert_int_eq(strncmp(o->out, "extra copies ", 13), 0);
    o = GATE(run_db, "--baseline", base_db, "--tolerance", "99.9");
    ck_assert_int_eq(o->out_lines, 3);
    /* shrinking is fine; so is a run against itself at 0% */
    o = GATE(base_db, "--baseline", run_db, "--tolerance", "0");
    ck_assert_int_eq(o->rc, 0);
    o = GATE(run_db, "--baseline", run_db, "--tolerance", "0");
    ck_assert_int_eq(o->rc, 0);
    /* fixed budgets and the baseline together: each line once */
    o = GATE(run_db, "--max-stalls", "0", "--baseline", base_db, "--tolerance", "100");
    ck_assert_int_eq(o->rc, 1);
    ck_assert_int_eq(o->out_lines, 3);
}
END_TEST

static void expect_usage_error(run_t *o)
{
    ck_assert_int_eq(o->rc, 2);
    ck_assert_int_eq(o->err_lines, 1);
    ck_assert_int_eq(o->out_lines, 0);
}

START_TEST(gate_errors)
{
    char missing[300], corrupt[300], text[300];
    snprintf(missing, sizeof missing, "%s/missing.db", dir);
    snprintf(corrupt, sizeof corrupt, "%s/corrupt.db", dir);
    snprintf(text, sizeof text, "%s/text.db", dir);
    FILE *f = fopen(corrupt, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite("SQLite format 3", 1, 16, f);
    for (int i = 0; i < 8192; i++)
        fputc((i * 7919) & 0xff, f);
    fclose(f);
    f = fopen(text, "w");
    ck_assert_ptr_nonnull(f);
    fputs("not a database at all\n", f);
    fclose(f);

    run_t *o = GATE(missing, "--max-peak", "1G");
    expect_usage_error(o);
    ck_assert_ptr_nonnull(strstr(o->err, missing));
    expect_usage_error(GATE(corrupt, "--max-peak", "1G"));
    expect_usage_error(GATE(text, "--max-peak", "1G"));
    expect_usage_error(GATE(run_db, "--baseline", missing, "--tolerance", "10"));
    expect_usage_error(GATE(run_db, "--baseline", corrupt, "--tolerance", "10"));
    /* no budget, bad values, half a baseline, unknown option, no database */
    expect_usage_error(GATE(run_db));
    expect_usage_error(GATE(run_db, "--max-peak", "lots"));
    expect_usage_error(GATE(run_db, "--max-peak", "-5M"));
    expect_usage_error(GATE(run_db, "--max-extra-copies", "-1"));
    expect_usage_error(GATE(run_db, "--max-stalls", "x"));
    expect_usage_error(GATE(run_db, "--baseline", base_db));
    expect_usage_error(GATE(run_db, "--tolerance", "10"));
    expect_usage_error(GATE(run_db, "--baseline", base_db, "--tolerance", "-1"));
    expect_usage_error(GATE(run_db, "--max-peak"));
    expect_usage_error(GATE(run_db, "--max-pea", "1G"));
    expect_usage_error(GATE("--max-peak", "1G"));
    expect_usage_error(GATE(run_db, base_db, "--max-peak", "1G"));
}
END_TEST

/* --top is a count, and 0 lists everything in the text report as in JSON
 * (run has 5 stacks at the peak and 2 copies) */
START_TEST(report_top)
{
    static char all[sizeof ((run_t *)0)->out];
    run_t *o = REPORT(run_db, "--top", "1000");
    ck_assert_int_eq(o->rc, 0);
    memcpy(all, o->out, sizeof all);
    o = REPORT(run_db, "--top", "0");
    ck_assert_int_eq(o->rc, 0);
    ck_assert_str_eq(o->out, all);
    o = REPORT(run_db, "--top", "1");
    ck_assert_int_eq(o->rc, 0);
    ck_assert_str_ne(o->out, all);
    o = REPORT(run_db, "--json", "--top", "1000");
    memcpy(all, o->out, sizeof all);
    o = REPORT(run_db, "--json", "--top", "0");
    ck_assert_int_eq(o->rc, 0);
    ck_assert_str_eq(o->out, all);
    expect_usage_error(REPORT(run_db, "--top", "2.5"));
    expect_usage_error(REPORT(run_db, "--top", "-1"));
    expect_usage_error(REPORT(run_db, "--top"));
}
END_TEST

/* A database that opens but whose events cannot be decoded: mtr_analyze's
 * error line, exit 2. */
START_TEST(gate_damaged_events)
{
    sqlite3 *db = th_open(run_db);
    ck_assert_int_eq(sqlite3_exec(db, "UPDATE alloc_batches SET data = x'0102030405'", NULL, NULL,
                                  NULL), SQLITE_OK);
    sqlite3_close(db);
    expect_usage_error(GATE(run_db, "--max-peak", "1G"));
}
END_TEST

/* The library alone, on reports filled by hand. */
START_TEST(gate_check_library)
{
    mtr_report_t run = {0}, base = {0};
    run.peak.total_bytes = 150 * MiB + 1; /* rounds to the budget: exact bytes shown */
    run.extra_copies = 2;
    run.nstalls = 4;
    run.totals.copied_bytes = 110;
    base.peak.total_bytes = 100 * MiB;
    base.extra_copies = 2;
    base.totals.copied_bytes = 100;
    mtr_budgets_t b = {.has_max_peak = 1, .max_peak = 150 * MiB, .has_max_extra_copies = 1,
                       .max_extra_copies = 1, .has_max_stalls = 1, .max_stalls = 4,
                       .has_baseline = 1, .tolerance_pct = 10};
    ck_assert(mtr_gate_any(&b));
    mtr_gate_result_t res;
    ck_assert_uint_eq(mtr_gate_check(&b, &run, &base, &res), 3);
    ck_assert_int_eq(res.v[0].budget, MTR_GATE_PEAK);
    ck_assert_uint_eq(res.v[0].actual, 150 * MiB + 1);
    ck_assert_uint_eq(res.v[0].limit, 150 * MiB);
    ck_assert_ptr_nonnull(strstr(res.v[0].line, "157286401"));
    ck_assert_int_eq(res.v[1].budget, MTR_GATE_EXTRA_COPIES);
    ck_assert_uint_eq(res.v[1].actual, 2);
    ck_assert_int_eq(res.v[2].budget, MTR_GATE_PEAK_GROWTH); /* copied +10%: within */
    ck_assert_uint_eq(res.v[2].limit, 100 * MiB);
    b.tolerance_pct = 9.999;
    ck_assert_uint_eq(mtr_gate_check(&b, &run, &base, &res), 4);
    ck_assert_int_eq(res.v[3].budget, MTR_GATE_COPIED_GROWTH);
    mtr_budgets_t none = {0};
    ck_assert(!mtr_gate_any(&none));
    ck_assert_uint_eq(mtr_gate_check(&none, &run, NULL, &res), 0);
}
END_TEST

Suite *gate_suite(void)
{
    Suite *s = suite_create("gate");
    TCase *t = tcase_create("diff and gate");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, diff_numbers_and_stacks);
    tcase_add_test(t, diff_json);
    tcase_add_test(t, diff_text_and_errors);
    tcase_add_test(t, gate_within);
    tcase_add_test(t, gate_each_budget);
    tcase_add_test(t, gate_and_report_show_sizes_alike);
    tcase_add_test(t, gate_baseline);
    tcase_add_test(t, gate_errors);
    tcase_add_test(t, gate_damaged_events);
    tcase_add_test(t, report_top);
    tcase_add_test(t, gate_check_library);
    suite_add_tcase(s, t);
    return s;
}
