/* The region API's recorder: a begin or end becomes one event in the
 * calling thread's buffer; the writer makes the regions row of it
 * (storage/regions.c). */
#ifndef MT_CAPTURE_REGION_H
#define MT_CAPTURE_REGION_H

/* Names longer than this are cut: a region name is a label, not data. */
#define MT_REGION_NAME_MAX 1024

/* begin: 1 with the region's name (copied), 0 to end the thread's
 * innermost region. */
void mt_record_region(int begin, const char *name);

#endif
