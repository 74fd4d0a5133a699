/* Two runs compared (see diff.h).  Stacks are joined by a text key made of
 * their frames: each run's peak stacks are keyed, sorted by key, folded
 * (several nodes can share frames) and merge-joined. */
#include "analyzer/model/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/grow.h"

const char *const mtr_diff_status_names[4] = {"new", "grew", "shrank", "gone"};

/* ---- matching stacks ---- */

typedef struct {
    char *key;
    uint32_t stack;     /* the node holding the most bytes among those folded */
    uint64_t top_bytes; /* that node's bytes */
    uint64_t bytes, count;
} keyed_t;

typedef struct {
    mtr_diff_stack_t s;
    const char *key;
} entry_t;

static const char *base_name(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path;
}

/* The frames of a stack as one string, a line per frame.  The module's file
 * name, not its path, so a build tree moved between the runs still matches. */
static char *stack_key(mtr_frames_t *f, uint32_t stack)
{
    const mtr_sframe_t *fr;
    size_t n = mtr_frames_get(f, stack, &fr);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        mtr_out_of_memory();
    for (size_t i = 0; i < n; i++) {
        if (fr[i].python) /* lines move between versions of a file; names rarely */
            fprintf(m, "%s %s\n", fr[i].function, fr[i].file ? base_name(fr[i].file) : "?");
        else if (fr[i].function)
            fprintf(m, "%s\n", fr[i].function);
        else
            fprintf(m, "%s+0x%llx\n", fr[i].module ? base_name(fr[i].module) : "?",
                    (unsigned long long)fr[i].offset);
    }
    fclose(m);
    return buf;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const keyed_t *)a)->key, ((const keyed_t *)b)->key);
}

/* The peak stacks of one run keyed, sorted and folded; returns the count. */
static size_t keyed_stacks(const mtr_report_t *r, mtr_frames_t *f, keyed_t **out)
{
    keyed_t *k = mtr_calloc(r->peak.nstacks, sizeof *k);
    for (size_t i = 0; i < r->peak.nstacks; i++) {
        const mtr_stack_use_t *u = &r->peak.stacks[i];
        k[i] = (keyed_t){stack_key(f, u->stack), u->stack, u->bytes, u->bytes, u->count};
    }
    qsort(k, r->peak.nstacks, sizeof *k, by_key);
    size_t n = 0;
    for (size_t i = 0; i < r->peak.nstacks; i++) {
        if (n && strcmp(k[n - 1].key, k[i].key) == 0) {
            keyed_t *into = &k[n - 1];
            into->bytes += k[i].bytes;
            into->count += k[i].count;
            if (k[i].top_bytes > into->top_bytes) {
                into->top_bytes = k[i].top_bytes;
                into->stack = k[i].stack;
            }
            free(k[i].key);
        } else {
            k[n++] = k[i];
        }
    }
    *out = k;
    return n;
}

static int grew_first(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->s.delta_bytes != y->s.delta_bytes)
        return x->s.delta_bytes < y->s.delta_bytes ? 1 : -1;
    return strcmp(x->key, y->key);
}

static int shrank_first(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->s.delta_bytes != y->s.delta_bytes)
        return x->s.delta_bytes > y->s.delta_bytes ? 1 : -1;
    return strcmp(x->key, y->key);
}

static mtr_diff_stack_t *unwrap(entry_t *e, size_t n)
{
    mtr_diff_stack_t *s = mtr_realloc(NULL, n, sizeof *s);
    for (size_t i = 0; i < n; i++)
        s[i] = e[i].s;
    return s;
}

static void match_stacks(mtr_diff_t *d)
{
    keyed_t *b, *r;
    size_t nb = keyed_stacks(d->base, d->base_frames, &b);
    size_t nr = keyed_stacks(d->run, d->run_frames, &r);
    entry_t *up = mtr_calloc(nb + nr + 1, sizeof *up), *down = mtr_calloc(nb + nr + 1, sizeof *down);
    size_t nup = 0, ndown = 0, i = 0, j = 0;
    while (i < nb || j < nr) {
        int c = i == nb ? 1 : j == nr ? -1 : strcmp(b[i].key, r[j].key);
        const keyed_t *kb = c <= 0 ? &b[i++] : NULL;
        const keyed_t *kr = c >= 0 ? &r[j++] : NULL;
        mtr_diff_stack_t s = {0};
        if (kb) {
            s.base_stack = kb->stack;
            s.base_bytes = kb->bytes;
            s.base_count = kb->count;
        }
        if (kr) {
            s.run_stack = kr->stack;
            s.run_bytes = kr->bytes;
            s.run_count = kr->count;
        }
        s.delta_bytes = (int64_t)s.run_bytes - (int64_t)s.base_bytes;
        const char *key = kr ? kr->key : kb->key;
        if (s.delta_bytes > 0) {
            s.status = kb ? MTR_DIFF_GREW : MTR_DIFF_NEW;
            up[nup++] = (entry_t){s, key};
        } else if (s.delta_bytes < 0) {
            s.status = kr ? MTR_DIFF_SHRANK : MTR_DIFF_GONE;
            down[ndown++] = (entry_t){s, key};
        }
    }
    qsort(up, nup, sizeof *up, grew_first);
    qsort(down, ndown, sizeof *down, shrank_first);
    d->grew = unwrap(up, nup);
    d->ngrew = nup;
    d->shrank = unwrap(down, ndown);
    d->nshrank = ndown;
    free(up);
    free(down);
    for (size_t k = 0; k < nb; k++)
        free(b[k].key);
    for (size_t k = 0; k < nr; k++)
        free(r[k].key);
    free(b);
    free(r);
}

/* ---- the numbers ---- */

static mtr_delta_t delta(uint64_t base, uint64_t run)
{
    return (mtr_delta_t){(int64_t)base, (int64_t)run, (int64_t)run - (int64_t)base};
}

void mtr_diff_compute(const mtr_report_t *base, mtr_frames_t *base_frames,
                      const mtr_report_t *run, mtr_frames_t *run_frames, mtr_diff_t *d)
{
    memset(d, 0, sizeof *d);
    d->base = base;
    d->run = run;
    d->base_frames = base_frames;
    d->run_frames = run_frames;
    d->peak_bytes = delta(base->peak.total_bytes, run->peak.total_bytes);
    d->peak_heap_bytes = delta(base->peak.heap_bytes, run->peak.heap_bytes);
    d->extra_copies = delta((uint64_t)base->extra_copies, (uint64_t)run->extra_copies);
    d->copies = delta(base->totals.copies, run->totals.copies);
    d->copied_bytes = delta(base->totals.copied_bytes, run->totals.copied_bytes);
    uint64_t nb[MTR_STALL_KINDS] = {0}, nr[MTR_STALL_KINDS] = {0};
    for (size_t i = 0; i < base->nstalls; i++)
        nb[base->stalls[i].kind]++;
    for (size_t i = 0; i < run->nstalls; i++)
        nr[run->stalls[i].kind]++;
    for (int k = 0; k < MTR_STALL_KINDS; k++)
        d->stalls_by_kind[k] = delta(nb[k], nr[k]);
    d->stalls = delta(base->nstalls, run->nstalls);
    match_stacks(d);
}

void mtr_diff_free(mtr_diff_t *d)
{
    free(d->grew);
    free(d->shrank);
    memset(d, 0, sizeof *d);
}
