/* The report as JSON: a documented, stable object (README "JSON report"). */
#ifndef MTR_REPORT_JSON_H
#define MTR_REPORT_JSON_H

#include <stdio.h>

#include "analyzer/model/analyze.h"
#include "analyzer/report/jsonw.h"
#include "analyzer/symbolize/frames.h"

/* 2: copies and stalls grouped (copy_groups, stall_groups), or with
 * --ungrouped listed one by one (copies, stalls) */
#define MTR_JSON_SCHEMA 2

/* top: at most this many entries in peak.stacks, leaks.stacks and the
 * copies or copy groups (0: all); the *_count fields give the totals.
 * grouped: copy_groups and stall_groups, else copies and stalls. */
void mtr_json_report(FILE *out, const mtr_report_t *r, mtr_frames_t *f, size_t top, int grouped);
/* The pieces the HTML page shares, written into the object open in w: the
 * run (command, pid, complete, warning, duration_ns), the totals' and the
 * peak's fields. */
void mtr_json_run(mtr_jsonw_t *w, const mtr_report_t *r);
void mtr_json_totals(mtr_jsonw_t *w, const mtr_report_t *r);
void mtr_json_peak(mtr_jsonw_t *w, const mtr_report_t *r);
/* One stack as an array of frames, innermost first. */
void mtr_json_stack(mtr_jsonw_t *w, mtr_frames_t *f, uint32_t stack);

#endif
