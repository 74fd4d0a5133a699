/* Copies and stalls grouped as DHAT and heaptrack total per stack: one
 * group per (kind, copying stack, source and destination allocation
 * stacks), so ten thousand copies from one line are one line of the
 * report.  The events themselves stay in r->copies and r->stalls. */
#ifndef MTR_MODEL_GROUPS_H
#define MTR_MODEL_GROUPS_H

#include "analyzer/model/analyze.h"

/* Makes r->copy_groups (largest bytes first) from r->copies and
 * r->stall_groups (most time first) from r->stalls. */
void mtr_group_events(mtr_report_t *r);

#endif
