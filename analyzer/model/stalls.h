/* Stalls: the moments a program stood still copying.  mtr_find_stalls adds
 * the large-copy and accumulator-flush stalls of r->copies (still in time
 * order) to r->stalls and sorts them by time. */
#ifndef MTR_MODEL_STALLS_H
#define MTR_MODEL_STALLS_H

#include "analyzer/model/analyze.h"

void mtr_find_stalls(mtr_report_t *r, const mtr_options_t *opt);
void mtr_push_stall(mtr_report_t *r, const mtr_stall_t *s);

#endif
