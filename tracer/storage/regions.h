/* The regions table's writer side: the open regions of every thread, so
 * each begin gets its depth and parent and each end closes the innermost
 * region of its thread.  Writer thread only. */
#ifndef MT_STORAGE_REGIONS_H
#define MT_STORAGE_REGIONS_H

#include <stdint.h>

#include "tracer/buffer/buffer.h"

/* An MT_RAW_REGION event of thread tid. */
void mt_regions_event(uint32_t tid, const mt_raw_t *r);
/* Fork child: the parent's open regions are not in the child's database. */
void mt_regions_reset(void);

#endif
