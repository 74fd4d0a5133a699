/* Budgets for CI: a run passes when its peak, extra copies and stalls stay
 * under fixed limits and, given a baseline run, when its peak, copied bytes
 * and extra copies did not grow by more than a tolerance over the baseline's.
 * The check returns one line per exceeded budget for a person to read. */
#ifndef MTR_MODEL_GATE_H
#define MTR_MODEL_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/model/analyze.h"

typedef struct mtr_budgets {
    int has_max_peak, has_max_extra_copies, has_max_stalls, has_baseline, has_max_copied;
    uint64_t max_peak;         /* bytes, heap + anonymous mappings */
    uint64_t max_extra_copies;
    uint64_t max_stalls;       /* stalls of every kind together */
    uint64_t max_copied;       /* bytes of the large copies and gathers */
    double tolerance_pct;      /* with a baseline: allowed growth, percent (>= 0) */
} mtr_budgets_t;

/* The budgets, in the order their lines are reported. */
enum {
    MTR_GATE_PEAK,
    MTR_GATE_EXTRA_COPIES,
    MTR_GATE_STALLS,
    MTR_GATE_COPIED,
    MTR_GATE_PEAK_GROWTH,   /* baseline budgets */
    MTR_GATE_COPIED_GROWTH,
    MTR_GATE_EXTRA_GROWTH,
    MTR_GATE_BUDGETS
};

typedef struct mtr_violation {
    int budget;      /* MTR_GATE_* */
    uint64_t actual; /* the run's value */
    uint64_t limit;  /* the budget; for growth budgets the baseline's value */
    char line[512];   /* e.g. "peak 212.0 MiB exceeds --max-peak 150 MiB" */
} mtr_violation_t;

typedef struct mtr_gate_result {
    size_t n;
    mtr_violation_t v[MTR_GATE_BUDGETS];
} mtr_gate_result_t;

/* 1 when at least one budget is set. */
int mtr_gate_any(const mtr_budgets_t *b);

/* Checks run against every budget set in b; base is the baseline's report
 * (read only when b->has_baseline).  Growth is allowed up to and including
 * base x (1 + tolerance/100), so a baseline value of 0 allows no growth.
 * Returns res->n, the number of exceeded budgets. */
size_t mtr_gate_check(const mtr_budgets_t *b, const mtr_report_t *run, const mtr_report_t *base,
                      mtr_gate_result_t *res);

#endif
