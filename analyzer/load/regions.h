/* The regions a program marked (format/schema.h's regions table), for the
 * region listing and --region.  A trace without the table has none. */
#ifndef MTR_LOAD_REGIONS_H
#define MTR_LOAD_REGIONS_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/load/trace.h"

typedef struct mtr_region {
    int64_t id, parent; /* parent 0: outermost */
    uint32_t tid;
    int depth;
    char *name;
    uint64_t begin_ns, end_ns; /* absolute; a region never ended ends with the trace */
    int open;                  /* 1: never ended */
} mtr_region_t;

/* Every region in the order they began (malloc'ed; *n may be 0). */
mtr_region_t *mtr_trace_regions(mtr_trace_t *t, size_t *n);
void mtr_regions_free(mtr_region_t *r, size_t n);

#endif
