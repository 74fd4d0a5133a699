/* Budget checks (see gate.h).  The lines name the option that set the
 * budget, so a failed CI job says which knob to look at. */
#include "analyzer/model/gate.h"

#include <stdio.h>
#include <string.h>

#include "format/size.h"

/* Both sizes for one line, as every report shows sizes; when rounding
 * would make a value over its budget look equal to it ("150 MiB exceeds
 * 150 MiB"), exact bytes are added. */
static void byte_pair(uint64_t a, uint64_t b, char *ha, char *hb, size_t cap)
{
    char ra[MT_SIZE_TEXT], rb[MT_SIZE_TEXT];
    snprintf(ha, cap, "%s", mt_size_text(a, ra));
    snprintf(hb, cap, "%s", mt_size_text(b, rb));
    if (a != b && strcmp(ra, rb) == 0) {
        size_t la = strlen(ha), lb = strlen(hb);
        snprintf(ha + la, cap - la, " (%llu bytes)", (unsigned long long)a);
        snprintf(hb + lb, cap - lb, " (%llu bytes)", (unsigned long long)b);
    }
}

static mtr_violation_t *add(mtr_gate_result_t *res, int budget, uint64_t actual, uint64_t limit)
{
    mtr_violation_t *v = &res->v[res->n++];
    *v = (mtr_violation_t){.budget = budget, .actual = actual, .limit = limit};
    return v;
}

/* Over the tolerance: actual > base x (1 + pct/100), compared as
 * actual x 100 > base x (100 + pct) so whole percentages are exact (long
 * double holds 64-bit integers). */
static int grew_too_much(uint64_t actual, uint64_t base, double pct)
{
    return (long double)actual * 100.0L > (long double)base * (100.0L + (long double)pct);
}

static void growth(mtr_gate_result_t *res, int budget, const char *what, int bytes,
                   uint64_t actual, uint64_t base, double pct)
{
    if (!grew_too_much(actual, base, pct))
        return;
    mtr_violation_t *v = add(res, budget, actual, base);
    char a[64], b[64];
    if (bytes) {
        byte_pair(actual, base, a, b, sizeof a);
    } else {
        snprintf(a, sizeof a, "%llu", (unsigned long long)actual);
        snprintf(b, sizeof b, "%llu", (unsigned long long)base);
    }
    if (base)
        snprintf(v->line, sizeof v->line,
                 "%s %s grew %.1f%% over the baseline's %s, more than --tolerance %g%%", what, a,
                 100.0 * ((double)actual - (double)base) / (double)base, b, pct);
    else
        snprintf(v->line, sizeof v->line,
                 "%s %s grew from the baseline's %s, more than --tolerance %g%%", what, a, b, pct);
}

int mtr_gate_any(const mtr_budgets_t *b)
{
    return b->has_max_peak || b->has_max_extra_copies || b->has_max_stalls || b->has_baseline;
}

size_t mtr_gate_check(const mtr_budgets_t *b, const mtr_report_t *run, const mtr_report_t *base,
                      mtr_gate_result_t *res)
{
    memset(res, 0, sizeof *res);
    uint64_t peak = run->peak.total_bytes;
    uint64_t extra = run->extra_copies > 0 ? (uint64_t)run->extra_copies : 0;
    if (b->has_max_peak && peak > b->max_peak) {
        mtr_violation_t *v = add(res, MTR_GATE_PEAK, peak, b->max_peak);
        char a[64], l[64];
        byte_pair(peak, b->max_peak, a, l, sizeof a);
        snprintf(v->line, sizeof v->line, "peak %s exceeds --max-peak %s", a, l);
    }
    if (b->has_max_extra_copies && extra > b->max_extra_copies) {
        mtr_violation_t *v = add(res, MTR_GATE_EXTRA_COPIES, extra, b->max_extra_copies);
        snprintf(v->line, sizeof v->line, "extra copies %llu exceed --max-extra-copies %llu",
                 (unsigned long long)extra, (unsigned long long)b->max_extra_copies);
    }
    if (b->has_max_stalls && run->nstalls > b->max_stalls) {
        mtr_violation_t *v = add(res, MTR_GATE_STALLS, run->nstalls, b->max_stalls);
        snprintf(v->line, sizeof v->line, "stalls %llu exceed --max-stalls %llu",
                 (unsigned long long)run->nstalls, (unsigned long long)b->max_stalls);
    }
    if (b->has_baseline && base) {
        uint64_t base_extra = base->extra_copies > 0 ? (uint64_t)base->extra_copies : 0;
        growth(res, MTR_GATE_PEAK_GROWTH, "peak", 1, peak, base->peak.total_bytes,
               b->tolerance_pct);
        growth(res, MTR_GATE_COPIED_GROWTH, "copied bytes", 1, run->totals.copied_bytes,
               base->totals.copied_bytes, b->tolerance_pct);
        growth(res, MTR_GATE_EXTRA_GROWTH, "extra copies", 0, extra, base_extra,
               b->tolerance_pct);
    }
    return res->n;
}
