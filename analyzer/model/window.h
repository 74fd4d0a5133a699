/* A report restricted to a region (--region NAME): the time windows of the
 * regions of that name, each on its thread.  Inside the windows the analysis
 * finds the peak (and what was live at it), the payload and extra copies;
 * it keeps the copies of the window's thread, the stalls that began inside,
 * and as leaks the heap blocks allocated inside a window and still live at
 * its end.  No windows: the whole run. */
#ifndef MTR_MODEL_WINDOW_H
#define MTR_MODEL_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/load/regions.h"
#include "analyzer/model/analyze.h"
#include "analyzer/model/blocks.h"

typedef struct mtr_window {
    uint64_t begin, end; /* absolute ns */
    uint32_t tid;
} mtr_window_t;

typedef struct mtr_windows {
    mtr_window_t *v; /* by end */
    size_t n, next;  /* next: the first window whose end the replay has not passed */
    uint64_t *begins; /* ascending */
    size_t next_begin; /* the first the replay has not reached */
    mtr_stack_use_t *leaks; /* per stack, while replaying */
    size_t nstacks;
} mtr_windows_t;

/* The windows of the regions named name; -1 with one line in err when the
 * trace has none. */
int mtr_windows_of(mtr_windows_t *w, const mtr_region_t *r, size_t nr, const char *name,
                   size_t nstacks, char *err, size_t cap);
void mtr_windows_free(mtr_windows_t *w);

/* 1 when there are no windows or ts lies inside one (of thread tid, unless
 * tid is 0: memory is the process's, not a thread's). */
int mtr_windows_inside(const mtr_windows_t *w, uint64_t ts, uint32_t tid);
static inline int mtr_windows_has(const mtr_windows_t *w, uint64_t ts, uint32_t tid)
{
    return !w->n || mtr_windows_inside(w, ts, tid); /* once per event: the common case inline */
}

/* The earliest begin of the windows that began since the last call, by ts;
 * 0 if none did.  Memory between two events is what the first left, so a
 * window that begins in between holds it at its begin, though no event of
 * its own may follow. */
uint64_t mtr_windows_began(mtr_windows_t *w, uint64_t ts);

/* The replay reached time ts with the live set live: every window that
 * ended before it takes its leaks from live. */
void mtr_windows_passed(mtr_windows_t *w, const mtr_blocks_t *live, uint64_t ts);
static inline void mtr_windows_advance(mtr_windows_t *w, const mtr_blocks_t *live, uint64_t ts)
{
    if (w->next < w->n && w->v[w->next].end < ts)
        mtr_windows_passed(w, live, ts);
}
/* The leaks of every window, largest first (call after the replay ended and
 * mtr_windows_advance(w, live, UINT64_MAX)). */
mtr_stack_use_t *mtr_windows_leaks(mtr_windows_t *w, size_t *n, uint64_t *bytes);
/* Drops the stalls (times relative to start) that began outside every
 * window. */
void mtr_windows_filter_stalls(const mtr_windows_t *w, mtr_report_t *r, uint64_t start);

#endif
