/* The regions of a trace in the text and JSON reports: which region the
 * report is restricted to, and the list of every region (name, thread,
 * start, duration, nesting) with each name's figures. */
#ifndef MTR_REPORT_REGIONS_PRINT_H
#define MTR_REPORT_REGIONS_PRINT_H

#include <stdio.h>

#include "analyzer/model/analyze.h"
#include "analyzer/report/jsonw.h"

/* The line under the run's facts that says which region the report is
 * restricted to (nothing for the whole run). */
void mtr_text_region_header(FILE *out, const mtr_report_t *r);
/* The REGIONS section (nothing when the trace has none). */
void mtr_text_regions(FILE *out, const mtr_report_t *r);
/* "region": NAME | null, "regions": [ { "name", "tid", "depth", "parent",
 * "begin_ns", "duration_ns", "open" } ] (times relative to the start), and
 * "region_figures": [ { "name", "count", "duration_ns", "peak_bytes",
 * "peak_ns", "copies", "copied_bytes", "extra_copies", "stalls", "leaks",
 * "leaked_bytes" } ] per name, as --region NAME reports it (empty with
 * --region). */
void mtr_json_regions(mtr_jsonw_t *w, const mtr_report_t *r);
/* "region_figures" alone (the HTML page's data). */
void mtr_json_region_figures(mtr_jsonw_t *w, const mtr_report_t *r);

#endif
