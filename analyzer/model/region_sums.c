/* Region figures per name in the whole run's replay (see region_sums.h).
 * Each figure follows window.h's definition, so the list and --region NAME
 * agree: the peak over every event inside a window of the name, copies of
 * the window's thread, stalls that began inside, and as leaks the heap blocks
 * allocated inside a window and still live at its end.  A window's leaks are
 * counted as they happen rather than by a walk of the live set at its end:
 * thousands of tests each walking a large live set was the cost to avoid. */
#include "analyzer/model/region_sums.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer/grow.h"
#include "analyzer/model/peak.h"

typedef struct {
    uint64_t begin, end; /* absolute ns */
    uint32_t tid;
    size_t name;
    uint64_t live_bytes, live_count; /* allocated inside and live now */
} win_t;

typedef struct {
    uint64_t largest, peak_index, stamp;
    size_t *copies; /* indexes into the report's copies, in time order */
    size_t ncopies, capcopies;
    uint64_t *wb, *we; /* its windows' begins, and the latest end so far */
    size_t nwin, capwb, capwe;
} name_t;

struct mtr_rsums {
    win_t *w; /* in the order they began */
    size_t nw, next;
    size_t *active; /* windows holding the current time */
    size_t nactive;
    mtr_region_sum_t *sum;
    name_t *st;
    size_t nnames, nstacks;
    uint64_t start; /* the run's, for relative times */
    uint64_t stamp, payload;
    size_t *by_peak; /* names with a peak, earliest peak first */
    size_t npeaks, next_peak;
};

typedef struct {
    const char *name;
    size_t i;
} named_t;

static int by_name(const void *a, const void *b)
{
    const named_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

mtr_rsums_t *mtr_rsums_new(const mtr_region_t *r, size_t n, size_t nstacks, uint64_t start_ns)
{
    if (!n)
        return NULL;
    mtr_rsums_t *s = mtr_calloc(1, sizeof *s);
    named_t *k = mtr_calloc(n, sizeof *k);
    for (size_t i = 0; i < n; i++)
        k[i] = (named_t){r[i].name, i};
    qsort(k, n, sizeof *k, by_name);
    /* a name's first region (the smallest index of its run of keys) marks
     * it; names then number in the order their first regions began */
    char *first = mtr_calloc(n, 1);
    for (size_t j = 0; j < n; j++)
        first[k[j].i] = !j || strcmp(k[j].name, k[j - 1].name);
    size_t *id = mtr_calloc(n, sizeof *id);
    s->sum = mtr_calloc(n, sizeof *s->sum);
    for (size_t i = 0; i < n; i++)
        if (first[i]) {
            s->sum[s->nnames] = (mtr_region_sum_t){.name = r[i].name, .depth = r[i].depth};
            id[i] = s->nnames++;
        }
    for (size_t j = 1; j < n; j++)
        if (!first[k[j].i])
            id[k[j].i] = id[k[j - 1].i];
    s->w = mtr_calloc(n, sizeof *s->w);
    s->active = mtr_calloc(n, sizeof *s->active);
    s->st = mtr_calloc(s->nnames, sizeof *s->st);
    for (size_t i = 0; i < n; i++) {
        s->w[i] = (win_t){.begin = r[i].begin_ns, .end = r[i].end_ns, .tid = r[i].tid,
                          .name = id[i]};
        name_t *nm = &s->st[id[i]];
        MTR_PUSH(nm->wb, nm->nwin, nm->capwb, r[i].begin_ns);
        nm->nwin--; /* counted once, by the push below */
        uint64_t e = nm->nwin && nm->we[nm->nwin - 1] > r[i].end_ns ? nm->we[nm->nwin - 1]
                                                                      : r[i].end_ns;
        MTR_PUSH(nm->we, nm->nwin, nm->capwe, e);
        s->sum[id[i]].count++;
        s->sum[id[i]].duration_ns += r[i].end_ns - r[i].begin_ns;
    }
    s->nw = n;
    s->nstacks = nstacks;
    s->start = start_ns;
    free(k);
    free(first);
    free(id);
    return s;
}

void mtr_rsums_free(mtr_rsums_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nnames; i++) {
        free(s->st[i].copies);
        free(s->st[i].wb);
        free(s->st[i].we);
    }
    free(s->st);
    free(s->sum);
    free(s->w);
    free(s->active);
    free(s->by_peak);
    free(s);
}

static void settle(mtr_rsums_t *s, const win_t *w)
{
    s->sum[w->name].leaks += w->live_count;
    s->sum[w->name].leaked_bytes += w->live_bytes;
}

static void peak_at(mtr_rsums_t *s, size_t name, uint64_t total, uint64_t index, uint64_t rel_ts)
{
    if (total > s->sum[name].peak_bytes) {
        s->sum[name].peak_bytes = total;
        s->sum[name].peak_ns = rel_ts;
        s->st[name].peak_index = index;
    }
}

void mtr_rsums_at(mtr_rsums_t *s, uint64_t ts, uint64_t total, uint64_t index)
{
    for (size_t k = 0; k < s->nactive;) {
        const win_t *w = &s->w[s->active[k]];
        if (w->end < ts) {
            settle(s, w);
            s->active[k] = s->active[--s->nactive];
        } else {
            k++;
        }
    }
    for (; s->next < s->nw && s->w[s->next].begin <= ts; s->next++) {
        const win_t *w = &s->w[s->next];
        peak_at(s, w->name, total, index, w->begin > s->start ? w->begin - s->start : 0);
        if (w->end >= ts) /* else no event fell inside it */
            s->active[s->nactive++] = s->next;
    }
}

void mtr_rsums_size(mtr_rsums_t *s, uint64_t size)
{
    for (size_t k = 0; k < s->nactive; k++) {
        name_t *n = &s->st[s->w[s->active[k]].name];
        if (size > n->largest)
            n->largest = size;
    }
}

void mtr_rsums_born(mtr_rsums_t *s, const mtr_block_t *b)
{
    if (b->stack >= s->nstacks)
        return;
    for (size_t k = 0; k < s->nactive; k++) {
        win_t *w = &s->w[s->active[k]];
        w->live_bytes += b->size;
        w->live_count++;
    }
}

void mtr_rsums_gone(mtr_rsums_t *s, const mtr_block_t *b)
{
    if (b->stack >= s->nstacks || b->mapping != MTR_MAP_NONE)
        return;
    /* an open window counted b when b began inside it */
    for (size_t k = 0; k < s->nactive; k++) {
        win_t *w = &s->w[s->active[k]];
        if (w->begin <= b->ts) {
            w->live_bytes -= b->size;
            w->live_count--;
        }
    }
}

void mtr_rsums_copy(mtr_rsums_t *s, uint32_t tid, size_t index)
{
    s->stamp++; /* two windows of one name count a copy once */
    for (size_t k = 0; k < s->nactive; k++) {
        const win_t *w = &s->w[s->active[k]];
        name_t *n = &s->st[w->name];
        if (w->tid == tid && n->stamp != s->stamp) {
            n->stamp = s->stamp;
            MTR_PUSH(n->copies, n->ncopies, n->capcopies, index);
        }
    }
}

void mtr_rsums_sample(mtr_rsums_t *s, uint64_t total, uint64_t index, uint64_t rel_ts)
{
    for (size_t k = 0; k < s->nactive; k++)
        peak_at(s, s->w[s->active[k]].name, total, index, rel_ts);
}

static const mtr_rsums_t *peak_order; /* qsort has no argument */

static int by_peak(const void *a, const void *b)
{
    uint64_t x = peak_order->st[*(const size_t *)a].peak_index;
    uint64_t y = peak_order->st[*(const size_t *)b].peak_index;
    return (x > y) - (x < y);
}

/* Growth stalls have no thread: any window of the name holding their start. */
static void count_growth(mtr_rsums_t *s, const mtr_stall_t *growth, size_t ngrowth,
                         uint64_t start)
{
    for (size_t g = 0; g < ngrowth; g++) {
        uint64_t ts = growth[g].ts + start;
        s->stamp++;
        for (size_t i = 0; i < s->nw; i++) {
            const win_t *w = &s->w[i];
            name_t *n = &s->st[w->name];
            if (ts >= w->begin && ts <= w->end && n->stamp != s->stamp) {
                n->stamp = s->stamp;
                s->sum[w->name].stalls++;
            }
        }
    }
}

uint64_t mtr_rsums_first_done(mtr_rsums_t *s, const mtr_report_t *r, const mtr_options_t *opt,
                              const mtr_stall_t *growth, size_t ngrowth)
{
    for (size_t k = 0; k < s->nactive; k++)
        settle(s, &s->w[s->active[k]]);
    s->nactive = 0;
    s->next = s->nw;
    uint64_t stall_ns = (uint64_t)(opt->stall_ms * 1e6);
    for (size_t i = 0; i < s->nnames; i++) {
        const name_t *n = &s->st[i];
        mtr_region_sum_t *sum = &s->sum[i];
        sum->copies = n->ncopies;
        for (size_t j = 0; j < n->ncopies; j++) {
            const mtr_copy_t *cp = &r->copies[n->copies[j]];
            sum->copied_bytes += cp->bytes;
            sum->stalls += cp->duration_ns >= stall_ns; /* a large copy or a flush */
        }
    }
    count_growth(s, growth, ngrowth, r->run->start_ns);
    s->payload = opt->payload;
    s->by_peak = mtr_calloc(s->nnames, sizeof *s->by_peak);
    for (size_t i = 0; i < s->nnames; i++)
        if (s->st[i].peak_index)
            s->by_peak[s->npeaks++] = i;
    peak_order = s;
    qsort(s->by_peak, s->npeaks, sizeof *s->by_peak, by_peak);
    return s->npeaks ? s->st[s->by_peak[s->npeaks - 1]].peak_index : 0;
}

/* b was allocated inside a window of the name (arg): the last window that
 * began by then reaches b, or an earlier longer one does. */
static int made_in(const mtr_block_t *b, const void *arg)
{
    const name_t *n = arg;
    size_t lo = 0, hi = n->nwin;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (n->wb[mid] <= b->ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo && n->we[lo - 1] >= b->ts;
}

/* The name's extra copies, as model/peak.c counts them at its peak with its
 * payload, its copies and the blocks made inside it. */
static int64_t extra_copies(const mtr_rsums_t *s, size_t i, const mtr_report_t *r,
                            const mtr_blocks_t *live)
{
    const name_t *n = &s->st[i];
    mtr_copy_t *cp = mtr_calloc(n->ncopies ? n->ncopies : 1, sizeof *cp);
    for (size_t j = 0; j < n->ncopies; j++)
        cp[j] = r->copies[n->copies[j]];
    mtr_report_t x = {.run = r->run, .payload_bytes = s->payload ? s->payload : n->largest,
                      .copies = cp, .ncopies = n->ncopies};
    mtr_explain_peak(&x, live, s->nstacks, made_in, n);
    mtr_count_extra_copies(&x);
    free(x.buffers);
    free(x.fills);
    free(cp);
    return x.extra_copies;
}

void mtr_rsums_second(mtr_rsums_t *s, const mtr_report_t *r, uint64_t index,
                      const mtr_blocks_t *live)
{
    for (; s->next_peak < s->npeaks && s->st[s->by_peak[s->next_peak]].peak_index <= index;
         s->next_peak++) {
        size_t i = s->by_peak[s->next_peak];
        s->sum[i].extra_copies = extra_copies(s, i, r, live);
    }
}

mtr_region_sum_t *mtr_rsums_take(mtr_rsums_t *s, size_t *n)
{
    mtr_region_sum_t *v = s->sum;
    *n = s->nnames;
    s->sum = NULL;
    return v;
}
