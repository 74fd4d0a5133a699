/* The diff and gate subcommands (see commands.h): option parsing, loading
 * each database once, and the exit codes.  The logic is in diff.c and
 * gate.c; errors are one line on stderr, as the plain report prints them. */
#include "analyzer/cli/commands.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/model/analyze.h"
#include "format/size.h"
#include "analyzer/model/diff.h"
#include "analyzer/report/diff_print.h"
#include "analyzer/symbolize/frames.h"
#include "analyzer/model/gate.h"

#define PROG "memtrace-report"

/* ---- options ---- */

/* One line on stderr; returns the exit code of a usage error. */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, PROG ": ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    if (!*s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* A non-negative finite number; "10%" is accepted for percentages. */
static int parse_real(const char *s, int pct, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    if (pct && end != s && *end == '%')
        end++;
    return end != s && !*end && !errno && isfinite(*out) && *out >= 0 ? 0 : -1;
}

/* The analysis options both commands take.  Returns 1 when argv[*i] was one
 * (consumed with its value), 0 when it was not, 2 after printing an error. */
int mtr_cli_analysis_option(int argc, char **argv, int *i, mtr_options_t *opt)
{
    const char *a = argv[*i];
    if (strcmp(a, "--payload") && strcmp(a, "--stall-ms") && strcmp(a, "--flush-pieces"))
        return 0;
    if (*i + 1 >= argc)
        return fail("%s needs a value", a);
    const char *v = argv[++*i];
    uint64_t n;
    double d;
    if (!strcmp(a, "--payload")) {
        if (mt_parse_size(v, &n) < 0 || !n)
            return fail("--payload %s: not a size", v);
        opt->payload = n;
    } else if (!strcmp(a, "--stall-ms")) {
        if (parse_real(v, 0, &d) < 0)
            return fail("--stall-ms %s: not a number", v);
        opt->stall_ms = d;
    } else {
        if (parse_count(v, &n) < 0)
            return fail("--flush-pieces %s: not a count", v);
        opt->flush_pieces = n;
    }
    return 1;
}

/* ---- loading ---- */

int mtr_cli_load(const char *path, const mtr_options_t *opt, mtr_loaded_t *l)
{
    char err[1024];
    memset(l, 0, sizeof *l);
    l->trace = mtr_trace_open(path, err, sizeof err);
    if (!l->trace) {
        fprintf(stderr, PROG ": %s\n", err);
        return -1;
    }
    if (mtr_analyze(l->trace, opt, &l->r, err, sizeof err) < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        mtr_trace_close(l->trace);
        l->trace = NULL;
        return -1;
    }
    if (l->r.warning[0])
        fprintf(stderr, PROG ": warning: %s: %s\n", path, l->r.warning);
    return 0;
}

void mtr_cli_unload(mtr_loaded_t *l)
{
    if (!l->trace)
        return;
    mtr_report_free(&l->r);
    mtr_trace_close(l->trace);
    l->trace = NULL;
}

/* ---- diff ---- */

static int diff_usage(void)
{
    fprintf(stderr, "usage: " PROG " diff BASE.db RUN.db [--json] [--top N] [--payload SIZE]"
                    " [--stall-ms MS] [--flush-pieces N]\n");
    return 2;
}

int mtr_cmd_diff(int argc, char **argv)
{
    const char *path[2] = {NULL, NULL};
    int npath = 0, json = 0;
    uint64_t top = 10;
    mtr_options_t opt;
    mtr_options_default(&opt);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = mtr_cli_analysis_option(argc, argv, &i, &opt);
        if (rc == 2)
            return 2;
        if (rc == 1)
            continue;
        if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--top") && i + 1 < argc) {
            if (parse_count(argv[++i], &top) < 0)
                return fail("--top %s: not a count", argv[i]);
        } else if (a[0] == '-' || npath == 2) {
            return diff_usage();
        } else {
            path[npath++] = a;
        }
    }
    if (npath != 2)
        return diff_usage();
    mtr_loaded_t base, run;
    if (mtr_cli_load(path[0], &opt, &base) < 0)
        return 2;
    if (mtr_cli_load(path[1], &opt, &run) < 0) {
        mtr_cli_unload(&base);
        return 2;
    }
    mtr_frames_t *fb = mtr_frames_open(base.trace), *fr = mtr_frames_open(run.trace);
    mtr_diff_t d;
    mtr_diff_compute(&base.r, fb, &run.r, fr, &d);
    if (json)
        mtr_diff_json(stdout, &d, (size_t)top);
    else
        mtr_diff_text(stdout, &d, (size_t)top);
    fflush(stdout);
    mtr_diff_free(&d);
    mtr_frames_close(fb);
    mtr_frames_close(fr);
    mtr_cli_unload(&run);
    mtr_cli_unload(&base);
    return 0;
}

/* ---- gate ---- */

static int gate_usage(void)
{
    fprintf(stderr, "usage: " PROG " gate RUN.db [--max-peak SIZE] [--max-extra-copies N]"
                    " [--max-stalls N] [--baseline BASE.db --tolerance PCT]\n");
    return 2;
}

int mtr_cmd_gate(int argc, char **argv)
{
    const char *path = NULL, *baseline = NULL;
    int has_tolerance = 0;
    mtr_budgets_t b = {0};
    mtr_options_t opt;
    mtr_options_default(&opt);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = mtr_cli_analysis_option(argc, argv, &i, &opt);
        if (rc == 2)
            return 2;
        if (rc == 1)
            continue;
        if (a[0] == '-' && strcmp(a, "--max-peak") && strcmp(a, "--max-extra-copies") &&
            strcmp(a, "--max-stalls") && strcmp(a, "--baseline") && strcmp(a, "--tolerance"))
            return gate_usage();
        if (a[0] == '-' && i + 1 >= argc)
            return fail("%s needs a value", a);
        const char *v = a[0] == '-' ? argv[++i] : NULL;
        if (!strcmp(a, "--max-peak")) {
            if (mt_parse_size(v, &b.max_peak) < 0)
                return fail("--max-peak %s: not a size (like 150M, 1G or bytes)", v);
            b.has_max_peak = 1;
        } else if (!strcmp(a, "--max-extra-copies")) {
            if (parse_count(v, &b.max_extra_copies) < 0)
                return fail("--max-extra-copies %s: not a count", v);
            b.has_max_extra_copies = 1;
        } else if (!strcmp(a, "--max-stalls")) {
            if (parse_count(v, &b.max_stalls) < 0)
                return fail("--max-stalls %s: not a count", v);
            b.has_max_stalls = 1;
        } else if (!strcmp(a, "--baseline")) {
            baseline = v;
        } else if (!strcmp(a, "--tolerance")) {
            if (parse_real(v, 1, &b.tolerance_pct) < 0)
                return fail("--tolerance %s: not a percentage (like 10)", v);
            has_tolerance = 1;
        } else if (path) {
            return gate_usage();
        } else {
            path = a;
        }
    }
    if (!path)
        return gate_usage();
    /* a baseline alone would silently mean "no growth at all": ask for it */
    if (baseline && !has_tolerance)
        return fail("--baseline needs --tolerance PCT");
    if (has_tolerance && !baseline)
        return fail("--tolerance needs --baseline BASE.db");
    b.has_baseline = baseline != NULL;
    if (!mtr_gate_any(&b))
        return fail("gate: no budget given (--max-peak, --max-extra-copies, --max-stalls,"
                    " --baseline with --tolerance)");
    mtr_loaded_t run, base = {0};
    if (mtr_cli_load(path, &opt, &run) < 0)
        return 2;
    if (baseline && mtr_cli_load(baseline, &opt, &base) < 0) {
        mtr_cli_unload(&run);
        return 2;
    }
    mtr_gate_result_t res;
    mtr_gate_check(&b, &run.r, baseline ? &base.r : NULL, &res);
    for (size_t i = 0; i < res.n; i++)
        printf("%s\n", res.v[i].line);
    fflush(stdout);
    mtr_cli_unload(&base);
    mtr_cli_unload(&run);
    return res.n ? 1 : 0;
}
