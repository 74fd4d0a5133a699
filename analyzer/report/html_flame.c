/* The flamegraph tree (see html_flame.h).  Stacks become paths of functions,
 * outermost first; sorted, the paths sharing a prefix are neighbours, so
 * every node is a range of the sorted array and the tree is walked without
 * being built. */
#include "analyzer/report/html_flame.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer/grow.h"

#define MAX_DEPTH 1024

typedef struct {
    uint32_t *func, *frame; /* per depth, outermost first */
    uint32_t len;
    uint64_t bytes, count;
} path_t;

typedef struct {
    mtr_jsonw_t *w; /* NULL: count nodes only */
    mtr_hstacks_t *t;
    path_t *p;
    uint64_t min;
    size_t nodes;
} walk_t;

static int path_cmp(const void *a, const void *b)
{
    const path_t *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    for (uint32_t i = 0; i < n; i++)
        if (x->func[i] != y->func[i])
            return x->func[i] < y->func[i] ? -1 : 1;
    return (x->len > y->len) - (x->len < y->len);
}

typedef struct {
    size_t lo, hi;
    uint64_t bytes, count;
} child_t;

static int child_cmp(const void *a, const void *b)
{
    const child_t *x = a, *y = b;
    return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : (x->lo > y->lo) - (x->lo < y->lo);
}

static void node(walk_t *k, uint32_t depth, int64_t frame, uint64_t bytes, uint64_t count,
                 uint64_t merged)
{
    k->nodes++;
    if (!k->w)
        return;
    mtr_jw_arr(k->w);
    mtr_jw_u64(k->w, depth);
    mtr_jw_i64(k->w, frame);
    mtr_jw_u64(k->w, bytes);
    mtr_jw_u64(k->w, count);
    if (frame < 0)
        mtr_jw_u64(k->w, merged);
    mtr_jw_arr_end(k->w);
}

/* The children of the node that paths [lo, hi) share `depth` frames of. */
static void walk(walk_t *k, size_t lo, size_t hi, uint32_t depth)
{
    while (lo < hi && k->p[lo].len == depth) /* they end here: the node's own */
        lo++;
    child_t *c = NULL;
    size_t nc = 0, cap = 0;
    uint64_t other = 0, other_count = 0, merged = 0;
    for (size_t i = lo; i < hi;) {
        child_t ch = {i, i, 0, 0};
        uint32_t fn = k->p[i].func[depth];
        for (; i < hi && k->p[i].func[depth] == fn; i++) {
            ch.bytes += k->p[i].bytes;
            ch.count += k->p[i].count;
        }
        ch.hi = i;
        if (ch.bytes < k->min) {
            other += ch.bytes;
            other_count += ch.count;
            merged++;
            continue;
        }
        MTR_PUSH(c, nc, cap, ch);
    }
    qsort(c, nc, sizeof *c, child_cmp);
    for (size_t i = 0; i < nc; i++) {
        /* the first path's frame names the node (its line, for the tooltip) */
        uint32_t fr = k->p[c[i].lo].frame[depth];
        node(k, depth + 1, k->w ? mtr_hstacks_use(k->t, fr) : fr, c[i].bytes, c[i].count, 0);
        walk(k, c[i].lo, c[i].hi, depth + 1);
    }
    if (merged)
        node(k, depth + 1, -1, other, other_count, merged);
    free(c);
}

void mtr_html_flame(mtr_jsonw_t *w, mtr_hstacks_t *t, const mtr_stack_use_t *u, size_t n)
{
    path_t *p = mtr_calloc(n, sizeof *p);
    uint64_t total = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        const uint32_t *fr;
        size_t len = mtr_hstacks_path(t, u[i].stack, &fr);
        if (len > MAX_DEPTH) /* keeps walk()'s recursion bounded */
            len = MAX_DEPTH;
        p[i].func = mtr_realloc(NULL, len, sizeof *p[i].func);
        p[i].frame = mtr_realloc(NULL, len, sizeof *p[i].frame);
        memcpy(p[i].frame, fr, len * sizeof *fr);
        for (size_t d = 0; d < len; d++)
            p[i].func[d] = mtr_hstacks_func(t, fr[d]);
        p[i].len = (uint32_t)len;
        p[i].bytes = u[i].bytes;
        p[i].count = u[i].count;
        total += u[i].bytes;
        count += u[i].count;
    }
    qsort(p, n, sizeof *p, path_cmp);
    walk_t k = {.t = t, .p = p, .min = (uint64_t)((double)total * MTR_HTML_FLAME_MIN_SHARE)};
    if (!k.min)
        k.min = 1;
    /* a bushy trace (thousands of callers of one allocator) gets a coarser tree */
    for (;;) {
        k.nodes = 0;
        walk(&k, 0, n, 0);
        if (k.nodes <= MTR_HTML_FLAME_MAX_NODES)
            break;
        k.min *= 2;
    }
    mtr_jw_obj(w);
    mtr_jw_ku64(w, "bytes", total);
    mtr_jw_ku64(w, "count", count);
    mtr_jw_ku64(w, "stacks", n);
    mtr_jw_ku64(w, "min_bytes", k.min);
    mtr_jw_key(w, "nodes");
    mtr_jw_arr(w);
    k.w = w;
    walk(&k, 0, n, 0);
    mtr_jw_arr_end(w);
    mtr_jw_obj_end(w);
    for (size_t i = 0; i < n; i++) {
        free(p[i].func);
        free(p[i].frame);
    }
    free(p);
}
