/* Restricting the analysis to a region's windows (see window.h). */
#include "analyzer/model/window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/grow.h"
#include "analyzer/model/peak.h"

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int by_end(const void *a, const void *b)
{
    const mtr_window_t *x = a, *y = b;
    return (x->end > y->end) - (x->end < y->end);
}

int mtr_windows_of(mtr_windows_t *w, const mtr_region_t *r, size_t nr, const char *name,
                   size_t nstacks, char *err, size_t cap)
{
    memset(w, 0, sizeof *w);
    size_t capw = 0;
    for (size_t i = 0; i < nr; i++)
        if (!strcmp(r[i].name, name)) {
            mtr_window_t x = {r[i].begin_ns, r[i].end_ns, r[i].tid};
            MTR_PUSH(w->v, w->n, capw, x);
        }
    if (!w->n) {
        snprintf(err, cap, "no region named \"%s\" in the trace (%zu region%s)", name, nr,
                 nr == 1 ? "" : "s");
        return -1;
    }
    w->begins = mtr_calloc(w->n, sizeof *w->begins);
    for (size_t i = 0; i < w->n; i++)
        w->begins[i] = w->v[i].begin;
    qsort(w->begins, w->n, sizeof *w->begins, by_u64);
    qsort(w->v, w->n, sizeof *w->v, by_end);
    w->nstacks = nstacks;
    w->leaks = mtr_calloc(nstacks ? nstacks : 1, sizeof *w->leaks);
    return 0;
}

void mtr_windows_free(mtr_windows_t *w)
{
    free(w->v);
    free(w->begins);
    free(w->leaks);
    memset(w, 0, sizeof *w);
}

uint64_t mtr_windows_began(mtr_windows_t *w, uint64_t ts)
{
    uint64_t first = 0;
    if (w->next_begin < w->n && w->begins[w->next_begin] <= ts)
        first = w->begins[w->next_begin];
    while (w->next_begin < w->n && w->begins[w->next_begin] <= ts)
        w->next_begin++;
    return first;
}

int mtr_windows_inside(const mtr_windows_t *w, uint64_t ts, uint32_t tid)
{
    for (size_t i = 0; i < w->n; i++)
        if (ts >= w->v[i].begin && ts <= w->v[i].end && (!tid || tid == w->v[i].tid))
            return 1;
    return 0;
}

typedef struct {
    mtr_windows_t *w;
    const mtr_window_t *win;
} leak_arg_t;

static void leak_of(const mtr_block_t *b, void *arg)
{
    leak_arg_t *a = arg;
    if (b->mapping != MTR_MAP_NONE || b->ts < a->win->begin || b->ts > a->win->end ||
        b->stack >= a->w->nstacks)
        return;
    mtr_stack_use_t *u = &a->w->leaks[b->stack];
    u->stack = b->stack;
    u->bytes += b->size;
    u->count++;
}

void mtr_windows_passed(mtr_windows_t *w, const mtr_blocks_t *live, uint64_t ts)
{
    for (; w->next < w->n && w->v[w->next].end < ts; w->next++) {
        leak_arg_t a = {w, &w->v[w->next]};
        mtr_blocks_each(live, leak_of, &a);
    }
}

mtr_stack_use_t *mtr_windows_leaks(mtr_windows_t *w, size_t *n, uint64_t *bytes)
{
    size_t k = 0;
    *bytes = 0;
    for (size_t i = 0; i < w->nstacks; i++)
        if (w->leaks[i].count) {
            *bytes += w->leaks[i].bytes;
            w->leaks[k++] = w->leaks[i];
        }
    qsort(w->leaks, k, sizeof *w->leaks, mtr_use_by_bytes);
    mtr_stack_use_t *v = w->leaks;
    w->leaks = NULL;
    *n = k;
    return v;
}

void mtr_windows_filter_stalls(const mtr_windows_t *w, mtr_report_t *r, uint64_t start)
{
    if (!w->n)
        return;
    size_t k = 0;
    for (size_t i = 0; i < r->nstalls; i++)
        if (mtr_windows_has(w, r->stalls[i].ts + start, 0))
            r->stalls[k++] = r->stalls[i];
    r->nstalls = k;
}
