/* Grouping (see groups.h): sort indices by key, then one pass merges each
 * run of equal keys. */
#include "analyzer/model/groups.h"

#include <stdlib.h>

#include "analyzer/grow.h"

/* An allocation's stack as a group key: 0 for "not a live allocation",
 * else its stack + 1, so the empty stack of a known block stays apart. */
static uint64_t owner_key(const mtr_owner_t *o) { return o->known ? (uint64_t)o->stack + 1 : 0; }

typedef struct {
    uint64_t k[4];
    size_t i;
} gkey_t;

static int by_key(const void *a, const void *b)
{
    const gkey_t *x = a, *y = b;
    for (int j = 0; j < 4; j++)
        if (x->k[j] != y->k[j])
            return x->k[j] < y->k[j] ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static int same(const gkey_t *a, const gkey_t *b)
{
    return a->k[0] == b->k[0] && a->k[1] == b->k[1] && a->k[2] == b->k[2] && a->k[3] == b->k[3];
}

static int group_by_bytes(const void *a, const void *b)
{
    const mtr_event_group_t *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return (x->first_ts > y->first_ts) - (x->first_ts < y->first_ts);
}

static int group_by_time(const void *a, const void *b)
{
    const mtr_event_group_t *x = a, *y = b;
    if (x->duration_ns != y->duration_ns)
        return x->duration_ns < y->duration_ns ? 1 : -1;
    return (x->first_ts > y->first_ts) - (x->first_ts < y->first_ts);
}

/* Merges n keyed events into groups; add(g, i) folds event i into g. */
static mtr_event_group_t *merge(gkey_t *keys, size_t n, size_t *ngroups, const mtr_report_t *r,
                                void (*add)(mtr_event_group_t *, const mtr_report_t *, size_t))
{
    qsort(keys, n, sizeof *keys, by_key);
    mtr_event_group_t *g = NULL;
    size_t ng = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        if (!i || !same(&keys[i], &keys[i - 1])) {
            mtr_event_group_t fresh = {.example = keys[i].i, .first_ts = UINT64_MAX};
            MTR_PUSH(g, ng, cap, fresh);
        }
        add(&g[ng - 1], r, keys[i].i);
    }
    *ngroups = ng;
    return g;
}

static void fold(mtr_event_group_t *g, uint64_t ts, uint64_t bytes, uint64_t ns)
{
    g->count++;
    g->bytes += bytes;
    g->duration_ns += ns;
    g->first_ts = ts < g->first_ts ? ts : g->first_ts;
    g->last_ts = ts > g->last_ts ? ts : g->last_ts;
}

static void add_copy(mtr_event_group_t *g, const mtr_report_t *r, size_t i)
{
    const mtr_copy_t *c = &r->copies[i];
    fold(g, c->ts, c->bytes, c->duration_ns);
    g->pieces += c->pieces;
    if (c->bytes > r->copies[g->example].bytes)
        g->example = i;
}

static void add_stall(mtr_event_group_t *g, const mtr_report_t *r, size_t i)
{
    const mtr_stall_t *s = &r->stalls[i];
    fold(g, s->ts, s->bytes, s->duration_ns);
    g->pieces += s->pieces;
    if (s->duration_ns > r->stalls[g->example].duration_ns)
        g->example = i;
}

void mtr_group_events(mtr_report_t *r)
{
    size_t n = r->ncopies > r->nstalls ? r->ncopies : r->nstalls;
    gkey_t *keys = mtr_calloc(n ? n : 1, sizeof *keys);
    for (size_t i = 0; i < r->ncopies; i++) {
        const mtr_copy_t *c = &r->copies[i];
        keys[i] = (gkey_t){{(uint64_t)c->kind, c->stack, owner_key(&c->from), owner_key(&c->to)}, i};
    }
    r->copy_groups = merge(keys, r->ncopies, &r->ncopy_groups, r, add_copy);
    qsort(r->copy_groups, r->ncopy_groups, sizeof *r->copy_groups, group_by_bytes);
    for (size_t i = 0; i < r->nstalls; i++) {
        const mtr_stall_t *s = &r->stalls[i];
        keys[i] = (gkey_t){{(uint64_t)s->kind, s->stack, s->alloc_stack, 0}, i};
    }
    r->stall_groups = merge(keys, r->nstalls, &r->nstall_groups, r, add_stall);
    qsort(r->stall_groups, r->nstall_groups, sizeof *r->stall_groups, group_by_time);
    free(keys);
}
