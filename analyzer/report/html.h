/* The report as one self-contained HTML page: memory over time with the
 * peak, copies and stalls marked; a flamegraph of what was live at the peak
 * (or allocated over the run); tables of the largest copies and the stalls.
 * The page's script and style are built into the program (analyzer/report/html/);
 * the report goes into it as one JSON blob.  It loads nothing from anywhere. */
#ifndef MTR_REPORT_HTML_H
#define MTR_REPORT_HTML_H

#include <stdio.h>

#include "analyzer/model/analyze.h"
#include "analyzer/symbolize/frames.h"

/* Copies and stalls listed (and marked on the timeline): the largest
 * copies, the longest stalls.  With the flamegraph's node cap this keeps a
 * page of any trace to a few MB. */
#define MTR_HTML_COPIES 200
#define MTR_HTML_STALLS 200

/* 0 on success, -1 if the page could not be written (see errno). */
int mtr_html_write(FILE *out, const mtr_report_t *r, mtr_frames_t *f);

#endif
