/* The report, diff and gate subcommands (see commands.h): what each takes,
 * loading each trace once, and the exit statuses.  The work is model/'s and
 * report/'s; cmd_html.c is the html subcommand. */
#include "analyzer/cli/commands.h"

#include <stdio.h>
#include <string.h>

#include "analyzer/cli/options.h"
#include "analyzer/model/diff.h"
#include "analyzer/model/gate.h"
#include "analyzer/report/diff_print.h"
#include "analyzer/report/json.h"
#include "analyzer/report/text.h"

/* ---- loading ---- */

int mtr_cli_load(const char *path, const mtr_options_t *opt, int frames, mtr_loaded_t *l)
{
    char err[1024];
    memset(l, 0, sizeof *l);
    l->trace = mtr_trace_open(path, err, sizeof err);
    if (!l->trace) {
        mtr_cli_fail("%s", err);
        return -1;
    }
    if (mtr_analyze(l->trace, opt, &l->r, err, sizeof err) < 0) {
        mtr_cli_fail("%s", err);
        mtr_trace_close(l->trace);
        l->trace = NULL;
        return -1;
    }
    if (l->r.warning[0])
        fprintf(stderr, "memtrace-report: warning: %s: %s\n", path, l->r.warning);
    if (frames)
        l->frames = mtr_frames_open(l->trace);
    return 0;
}

void mtr_cli_unload(mtr_loaded_t *l)
{
    if (!l->trace)
        return;
    mtr_frames_close(l->frames);
    mtr_report_free(&l->r);
    mtr_trace_close(l->trace);
    l->trace = NULL;
}

/* ---- report ---- */

static const mtr_cli_cmd_t report_cmd = {
    "[report]", "RUN.db", 1,
    MTR_OPT(JSON) | MTR_OPT(TOP) | MTR_OPT(UNGROUPED) | MTR_OPT(ALL_FRAMES) | MTR_OPTS_ANALYSIS,
    0};

int mtr_cmd_report(int argc, char **argv)
{
    mtr_cli_args_t a;
    mtr_loaded_t l;
    if (mtr_cli_parse(&report_cmd, argc, argv, &a) != 0 ||
        mtr_cli_load(a.paths[0], &a.analysis, 1, &l) < 0)
        return 2;
    mtr_frames_show_all(l.frames, a.all_frames);
    if (a.json)
        mtr_json_report(stdout, &l.r, l.frames, (size_t)a.top, !a.ungrouped);
    else
        mtr_text_report(stdout, &l.r, l.frames, (size_t)a.top, !a.ungrouped);
    mtr_cli_unload(&l);
    return 0;
}

/* ---- diff ---- */

static const mtr_cli_cmd_t diff_cmd = {
    "diff", "BASE.db RUN.db", 2,
    MTR_OPT(JSON) | MTR_OPT(TOP) | MTR_OPT(ALL_FRAMES) | MTR_OPTS_ANALYSIS, 0};

int mtr_cmd_diff(int argc, char **argv)
{
    mtr_cli_args_t a;
    mtr_loaded_t base, run;
    if (mtr_cli_parse(&diff_cmd, argc, argv, &a) != 0 ||
        mtr_cli_load(a.paths[0], &a.analysis, 1, &base) < 0)
        return 2;
    if (mtr_cli_load(a.paths[1], &a.analysis, 1, &run) < 0) {
        mtr_cli_unload(&base);
        return 2;
    }
    mtr_frames_show_all(base.frames, a.all_frames);
    mtr_frames_show_all(run.frames, a.all_frames);
    mtr_diff_t d;
    mtr_diff_compute(&base.r, base.frames, &run.r, run.frames, &d);
    if (a.json)
        mtr_diff_json(stdout, &d, (size_t)a.top);
    else
        mtr_diff_text(stdout, &d, (size_t)a.top);
    fflush(stdout);
    mtr_diff_free(&d);
    mtr_cli_unload(&base);
    mtr_cli_unload(&run);
    return 0;
}

/* ---- gate ---- */

static const mtr_cli_cmd_t gate_cmd = {
    "gate", "RUN.db", 1,
    MTR_OPT(MAX_PEAK) | MTR_OPT(MAX_EXTRA_COPIES) | MTR_OPT(MAX_STALLS) | MTR_OPT(BASELINE) |
        MTR_OPT(TOLERANCE) | MTR_OPTS_ANALYSIS,
    0};

int mtr_cmd_gate(int argc, char **argv)
{
    mtr_cli_args_t a;
    if (mtr_cli_parse(&gate_cmd, argc, argv, &a) != 0)
        return 2;
    mtr_budgets_t b = a.budgets;
    b.has_max_peak = (a.given & MTR_OPT(MAX_PEAK)) != 0;
    b.has_max_extra_copies = (a.given & MTR_OPT(MAX_EXTRA_COPIES)) != 0;
    b.has_max_stalls = (a.given & MTR_OPT(MAX_STALLS)) != 0;
    b.has_baseline = a.baseline != NULL;
    /* a baseline alone would silently mean "no growth at all": ask for it */
    int has_tolerance = (a.given & MTR_OPT(TOLERANCE)) != 0;
    if (b.has_baseline && !has_tolerance)
        return mtr_cli_fail("--baseline needs --tolerance PCT");
    if (has_tolerance && !b.has_baseline)
        return mtr_cli_fail("--tolerance needs --baseline BASE.db");
    if (!mtr_gate_any(&b))
        return mtr_cli_fail("gate: no budget given (--max-peak, --max-extra-copies, --max-stalls,"
                            " --baseline with --tolerance)");
    mtr_loaded_t run, base = {0};
    if (mtr_cli_load(a.paths[0], &a.analysis, 0, &run) < 0)
        return 2;
    if (b.has_baseline && mtr_cli_load(a.baseline, &a.analysis, 0, &base) < 0) {
        mtr_cli_unload(&run);
        return 2;
    }
    mtr_gate_result_t res;
    mtr_gate_check(&b, &run.r, b.has_baseline ? &base.r : NULL, &res);
    for (size_t i = 0; i < res.n; i++)
        printf("%s\n", res.v[i].line);
    fflush(stdout);
    mtr_cli_unload(&base);
    mtr_cli_unload(&run);
    return res.n ? 1 : 0;
}
