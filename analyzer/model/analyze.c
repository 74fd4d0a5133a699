/* The analysis (see analyze.h).  Both replays share apply(), which keeps the
 * live set and the memory in use; the first also collects what only needs
 * one look at each event, the second stops right after the peak. */
#include "analyzer/model/analyze.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "analyzer/grow.h"
#include "analyzer/load/stream.h"
#include "analyzer/model/blocks.h"
#include "analyzer/model/groups.h"
#include "analyzer/model/peak.h"
#include "analyzer/model/region_sums.h"
#include "analyzer/model/stalls.h"
#include "analyzer/model/window.h"

void mtr_options_default(mtr_options_t *o)
{
    *o = (mtr_options_t){.payload = 0, .stall_ms = 5.0, .flush_pieces = 1000,
                         .growth_factor = 4.0, .growth_moves = 8};
}

typedef struct {
    uint32_t tid;
    int valid;
    mtr_block_t blk;
    long pending_copy; /* realloc copy waiting for its new block, or -1 */
    /* the last realloc copy's destination and time, recorded or not: a
     * chain's time must not depend on which copies --region keeps */
    uint64_t pending_dst, pending_ns;
    int pending_valid;
    int pending_remap; /* the next realloc of this thread was an mremap */
} stash_t;

typedef struct {
    mtr_trace_t *trace;
    const mtr_run_t *run;
    const mtr_options_t *opt;
    mtr_report_t *r;
    mtr_blocks_t *live;
    uint64_t heap, anon, index;
    int pass;
    /* first replay */
    uint64_t peak_index, largest, nrealloc, nfree;
    struct stair {
        uint64_t size, before;
    } *stair;
    size_t nstair, capstair, capcopies;
    stash_t *stash;
    size_t nstash, capstash;
    mtr_stall_t *growth; /* realloc-growth stalls, for mtr_find_stalls */
    size_t ngrowth, capgrowth;
    mtr_stack_use_t *alloc_by_stack;
    uint64_t nstacks, slice, slice_end;
    mtr_windows_t win; /* --region: what counts; empty for the whole run */
    mtr_rsums_t *rs;   /* the whole run with regions: every name's figures */
    uint64_t stop_index; /* the second pass's last event */
    uint64_t now;      /* the time of the event being applied */
} ctx_t;

static uint64_t rel(const ctx_t *c, uint64_t ts) { return ts > c->run->start_ns ? ts - c->run->start_ns : 0; }

static void note_size(ctx_t *c, uint64_t size, uint32_t stack)
{
    if (c->pass != 1 || !mtr_windows_has(&c->win, c->now, 0))
        return;
    if (c->rs)
        mtr_rsums_size(c->rs, size);
    if (stack < c->nstacks) {
        c->alloc_by_stack[stack].stack = stack;
        c->alloc_by_stack[stack].bytes += size;
        c->alloc_by_stack[stack].count++;
    }
    if (size > c->largest)
        c->largest = size;
    if (!c->nstair || size > c->stair[c->nstair - 1].size) {
        struct stair s = {size, c->heap + c->anon};
        MTR_PUSH(c->stair, c->nstair, c->capstair, s);
    }
}

static stash_t *stash_of(ctx_t *c, uint32_t tid)
{
    for (size_t i = 0; i < c->nstash; i++)
        if (c->stash[i].tid == tid)
            return &c->stash[i];
    stash_t s = {.tid = tid, .pending_copy = -1};
    MTR_PUSH(c->stash, c->nstash, c->capstash, s);
    return &c->stash[c->nstash - 1];
}

/* Additive steps: from the chain's first growing move to its last, the
 * step grew less than the square root of the size's growth.  A geometric
 * chain's step grows as its size does; an additive one's stays put (the
 * root keeps either far from the line through rounding and headers). */
static int additive(const mtr_block_t *b)
{
    if (!b->chain_first_step || !b->chain_first_old || b->chain_last_old <= b->chain_first_old)
        return 0;
    double step = (double)b->chain_last_step / (double)b->chain_first_step;
    double size = (double)b->chain_last_old / (double)b->chain_first_old;
    return step * step < size;
}

/* A realloc chain ended with blk: quadratic growth if it copied many times
 * what it finally held in additive steps, and that took measurable time. */
static void chain_end(ctx_t *c, const mtr_block_t *blk)
{
    if (blk->chain_moves < c->opt->growth_moves ||
        (double)blk->chain_copied < c->opt->growth_factor * (double)blk->size ||
        (double)blk->chain_ns < c->opt->stall_ms * 1e6 || !additive(blk))
        return;
    mtr_stall_t s = {.kind = MTR_STALL_REALLOC_GROWTH, .ts = rel(c, blk->chain_ts),
                     .duration_ns = blk->chain_ns, .bytes = blk->chain_copied,
                     .pieces = blk->chain_moves, .stack = blk->stack, .block_size = blk->size};
    MTR_PUSH(c->growth, c->ngrowth, c->capgrowth, s);
}

static mtr_owner_t owner(const mtr_block_t *b)
{
    if (!b)
        return (mtr_owner_t){0};
    return (mtr_owner_t){.known = 1, .mapping = b->mapping, .addr = b->addr, .size = b->size,
                         .ts = b->ts, .stack = b->stack};
}

static void on_copy(ctx_t *c, const mtr_event_t *e)
{
    mtr_report_t *r = c->r;
    if (e->copy_kind == MT_COPY_REMAP) {
        /* outside the region it still marks the realloc that follows */
        if (mtr_windows_has(&c->win, e->ts, e->tid)) {
            r->totals.remaps++;
            r->totals.remapped_bytes += e->size;
        }
        stash_of(c, e->tid)->pending_remap = 1;
        return;
    }
    if (e->copy_kind == MT_COPY_REALLOC) {
        stash_t *s = stash_of(c, e->tid);
        s->pending_valid = 1;
        s->pending_dst = e->addr;
        s->pending_ns = e->copy_ns;
    }
    if (!mtr_windows_has(&c->win, e->ts, e->tid))
        return;
    mtr_copy_t cp = {.kind = e->copy_kind, .ts = rel(c, e->ts), .duration_ns = e->copy_ns,
                     .span_ns = e->end_ts > e->ts ? e->end_ts - e->ts : 0,
                     .bytes = e->size, .pieces = e->pieces ? e->pieces : 1, .src = e->src,
                     .dst = e->addr, .stack = e->stack, .tid = e->tid};
    cp.from = owner(mtr_blocks_holding(c->live, e->src));
    cp.to = owner(mtr_blocks_holding(c->live, e->addr));
    if (e->copy_kind == MT_COPY_REALLOC) {
        /* the old block was released at the same instant; the new one
         * arrives with the REALLOC event that follows */
        stash_t *s = stash_of(c, e->tid);
        if (s->valid && s->blk.addr == e->src)
            cp.from = owner(&s->blk);
        s->pending_copy = (long)r->ncopies;
    }
    r->totals.copies++;
    MTR_PUSH(r->copies, r->ncopies, c->capcopies, cp);
    if (c->rs)
        mtr_rsums_copy(c->rs, e->tid, r->ncopies - 1);
}

static void on_realloc_copy_done(ctx_t *c, stash_t *s, const mtr_block_t *nb)
{
    if (s->pending_copy < 0)
        return;
    mtr_copy_t *cp = &c->r->copies[s->pending_copy];
    s->pending_copy = -1;
    if (cp->dst != nb->addr)
        return;
    cp->to = owner(nb);
    if (cp->from.known) /* exact: the tracer could only see the usable size */
        cp->bytes = cp->from.size < nb->size ? cp->from.size : nb->size;
}

/* A new heap block at an address still live means the trace missed the old
 * block's free (a thread that was never drained, a free before tracing began):
 * the old block is gone either way, and must stop counting. */
static void add_heap_block(ctx_t *c, const mtr_block_t *b)
{
    if (c->rs && c->pass == 1) {
        const mtr_block_t *old = mtr_blocks_get(c->live, b->addr);
        if (old)
            mtr_rsums_gone(c->rs, old);
        mtr_rsums_born(c->rs, b);
    }
    c->heap -= mtr_blocks_add(c->live, b);
    c->heap += b->size;
}

static void apply(ctx_t *c, const mtr_event_t *e)
{
    mtr_block_t b = {0};
    if ((e->kind == MTR_EV_ALLOC || e->kind == MTR_EV_REALLOC) && !e->addr)
        return; /* a failed allocation holds nothing */
    switch (e->kind) {
    case MTR_EV_ALLOC:
        note_size(c, e->size, e->stack);
        b = (mtr_block_t){.addr = e->addr, .size = e->size, .ts = e->ts, .stack = e->stack};
        add_heap_block(c, &b);
        if (c->pass == 1) {
            c->r->totals.allocations++;
            c->r->totals.allocated_bytes += e->size;
        }
        break;
    case MTR_EV_FREE:
        if (mtr_blocks_remove(c->live, e->addr, &b)) {
            c->heap -= b.size;
            if (c->rs && c->pass == 1)
                mtr_rsums_gone(c->rs, &b);
            if (c->pass == 1) {
                stash_t *s = stash_of(c, e->tid);
                if (s->valid)
                    chain_end(c, &s->blk);
                s->blk = b;
                s->valid = 1;
            }
        }
        c->nfree += c->pass == 1;
        break;
    case MTR_EV_REALLOC: {
        note_size(c, e->size, e->stack);
        b = (mtr_block_t){.addr = e->addr, .size = e->size, .ts = e->ts, .stack = e->stack,
                          .chain_ts = e->ts};
        if (c->pass == 1) {
            stash_t *s = stash_of(c, e->tid);
            if (s->valid && s->blk.addr == e->old_addr) {
                const mtr_block_t *o = &s->blk;
                int moved = e->addr != e->old_addr && !s->pending_remap;
                uint64_t copied = moved ? (o->size < e->size ? o->size : e->size) : 0;
                b.chain_ts = o->chain_moves ? o->chain_ts : o->ts;
                b.chain_moves = o->chain_moves + (uint32_t)moved;
                b.chain_copied = o->chain_copied + copied;
                b.chain_ns = o->chain_ns + (moved && s->pending_valid && s->pending_dst == e->addr
                                                ? s->pending_ns : 0);
                b.chain_first_old = o->chain_first_old;
                b.chain_first_step = o->chain_first_step;
                b.chain_last_old = o->chain_last_old;
                b.chain_last_step = o->chain_last_step;
                if (moved && e->size > o->size) {
                    if (!b.chain_first_step) {
                        b.chain_first_old = o->size;
                        b.chain_first_step = e->size - o->size;
                    }
                    b.chain_last_old = o->size;
                    b.chain_last_step = e->size - o->size;
                }
                s->valid = 0;
            }
            s->pending_remap = 0;
            s->pending_valid = 0;
            on_realloc_copy_done(c, s, &b);
            c->r->totals.allocations++;
            c->r->totals.allocated_bytes += e->size;
            c->nrealloc++;
        }
        add_heap_block(c, &b);
        break;
    }
    case MTR_EV_COPY:
        if (c->pass == 1)
            on_copy(c, e);
        break;
    case MTR_EV_MMAP: {
        c->anon -= mtr_blocks_unmap(c->live, e->addr, e->size);
        int reserved = e->anon == 1 && e->prot == PROT_NONE;
        b = (mtr_block_t){.addr = e->addr, .size = e->size, .ts = e->ts, .stack = e->stack,
                          .mapping = reserved    ? MTR_MAP_RESERVED
                                     : e->anon == 2 ? MTR_MAP_ARENA
                                     : e->anon      ? MTR_MAP_ANON : MTR_MAP_FILE};
        if (e->anon == 1 && !reserved) /* an arena is no candidate for the payload */
            note_size(c, e->size, e->stack);
        if (e->anon && !reserved)
            c->anon += e->size;
        mtr_blocks_add(c->live, &b);
        c->r->totals.mmaps += c->pass == 1;
        break;
    }
    case MTR_EV_MPROTECT: {
        int64_t made = mtr_blocks_protect(c->live, e->addr, e->size, e->prot == PROT_NONE);
        c->anon = (uint64_t)((int64_t)c->anon + made);
        if (made > 0) /* committed: as good as a new mapping */
            note_size(c, (uint64_t)made, e->stack);
        break;
    }
    /* MTR_EV_MADVISE: the pages stay the program's to touch (a later touch
     * brings them back, out of the tracer's sight), so memory stays. */
    case MTR_EV_MUNMAP:
        c->anon -= mtr_blocks_unmap(c->live, e->addr, e->size);
        c->r->totals.munmaps += c->pass == 1;
        break;
    case MTR_EV_MREMAP: {
        const mtr_block_t *old = mtr_blocks_holding(c->live, e->old_addr);
        int kind = old && old->mapping ? old->mapping : MTR_MAP_ANON;
        c->anon -= mtr_blocks_unmap(c->live, e->old_addr, e->old_size);
        c->anon -= mtr_blocks_unmap(c->live, e->addr, e->size);
        b = (mtr_block_t){.addr = e->addr, .size = e->size, .ts = e->ts, .stack = e->stack,
                          .mapping = kind};
        if (kind == MTR_MAP_ANON || kind == MTR_MAP_ARENA)
            c->anon += e->size;
        mtr_blocks_add(c->live, &b);
        break;
    }
    default:
        break;
    }
}

static void sample(ctx_t *c, uint64_t t)
{
    mtr_report_t *r = c->r;
    uint64_t total = c->heap + c->anon;
    /* dividing only when a new slice starts: a division per event was a
     * sizeable part of the whole replay */
    if (r->ntimeline && t < c->slice_end) {
        struct mtr_point *last = &r->timeline[r->ntimeline - 1];
        if (total > last->total)
            *last = (struct mtr_point){t, c->heap, total};
        return;
    }
    c->slice_end = (t / c->slice + 1) * c->slice;
    if (r->ntimeline < MTR_TIMELINE_POINTS + 2)
        r->timeline[r->ntimeline++] = (struct mtr_point){t, c->heap, total};
}

/* --region: a block allocated inside a window (extra copies count only the
 * region's own buffers) */
static int in_windows(const mtr_block_t *b, const void *win)
{
    return mtr_windows_has(win, b->ts, 0);
}

/* The second pass reached the peak: what was live then, and the copies of
 * the payload among it. */
static void at_peak(ctx_t *c)
{
    mtr_report_t *r = c->r;
    uint64_t total;
    r->peak.stacks = mtr_group_by_stack(c->live, c->nstacks, 0, &r->peak.nstacks, &total);
    mtr_explain_peak(r, c->live, c->nstacks, c->win.n ? in_windows : NULL, &c->win);
    mtr_count_extra_copies(r);
}

/* The memory in use now, at time t (relative), as a candidate peak. */
static void peak_candidate(ctx_t *c, uint64_t t)
{
    mtr_report_t *r = c->r;
    uint64_t total = c->heap + c->anon;
    if (c->heap > r->peak.heap_bytes)
        r->peak.heap_bytes = c->heap;
    uint64_t reserved = mtr_blocks_reserved(c->live);
    if (reserved > r->peak.reserved_bytes)
        r->peak.reserved_bytes = reserved;
    if (total > r->peak.total_bytes) {
        r->peak.total_bytes = total;
        r->peak.heap_at_peak = c->heap;
        r->peak.time_ns = t;
        c->peak_index = c->index;
    }
}

/* The first pass, before the event at ts: windows that ended settle their
 * leaks, and windows that began since the last event hold the memory it
 * left (a region with no event of its own still had memory in use). */
static void first_pass_at(ctx_t *c, uint64_t ts)
{
    mtr_windows_advance(&c->win, c->live, ts);
    uint64_t began = c->win.n ? mtr_windows_began(&c->win, ts) : 0;
    if (began)
        peak_candidate(c, rel(c, began));
    if (c->rs)
        mtr_rsums_at(c->rs, ts, c->heap + c->anon, c->index);
}

static int replay(ctx_t *c, char *err, size_t cap)
{
    mtr_stream_t *s = mtr_stream_open(c->trace, err, cap);
    if (!s)
        return -1;
    /* only copies need "which block holds this address"; a copy of at least
     * copy_min bytes, or a gather, lands in a block at least that large */
    uint64_t range_min = c->run->copy_min < c->run->gather_min ? c->run->copy_min : c->run->gather_min;
    c->live = mtr_blocks_new(range_min ? range_min : 1);
    c->heap = c->anon = c->index = 0;
    const mtr_event_t *ev;
    int rc;
    while ((rc = mtr_stream_next(s, &ev)) == 1) {
        c->now = ev->ts;
        if (c->pass == 1)
            first_pass_at(c, ev->ts);
        apply(c, ev);
        c->index++;
        if (c->pass == 1) {
            if (c->rs)
                mtr_rsums_sample(c->rs, c->heap + c->anon, c->index, rel(c, ev->ts));
            sample(c, rel(c, ev->ts));
            if (mtr_windows_has(&c->win, ev->ts, 0))
                peak_candidate(c, rel(c, ev->ts));
        } else {
            if (c->index == c->peak_index)
                at_peak(c);
            if (c->rs)
                mtr_rsums_second(c->rs, c->r, c->index, c->live);
            if (c->index >= c->stop_index)
                break;
        }
    }
    if (c->pass == 1)
        first_pass_at(c, UINT64_MAX);
    mtr_stream_close(s);
    return rc < 0 ? -1 : 0;
}

static int copy_by_bytes(const void *a, const void *b)
{
    const mtr_copy_t *x = a, *y = b;
    return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : (x->ts > y->ts) - (x->ts < y->ts);
}

static void end_chains(const mtr_block_t *b, void *arg)
{
    if (b->mapping == MTR_MAP_NONE)
        chain_end(arg, b);
}

int mtr_analyze(mtr_trace_t *t, const mtr_options_t *opt, mtr_report_t *r, char *err, size_t cap)
{
    const mtr_run_t *run = mtr_trace_run(t);
    memset(r, 0, sizeof *r);
    r->run = run;
    ctx_t c = {.trace = t, .run = run, .opt = opt, .r = r, .pass = 1};
    uint64_t nstacks = mtr_trace_stack_count(t);
    c.nstacks = nstacks;
    c.alloc_by_stack = mtr_calloc(nstacks, sizeof *c.alloc_by_stack);
    uint64_t span = run->end_ns > run->start_ns ? run->end_ns - run->start_ns : 1;
    c.slice = span / MTR_TIMELINE_POINTS + 1;
    r->timeline = mtr_calloc(MTR_TIMELINE_POINTS + 2, sizeof *r->timeline);
    r->regions = mtr_trace_regions(t, &r->nregions);
    if (!opt->region)
        c.rs = mtr_rsums_new(r->regions, r->nregions, nstacks, run->start_ns);
    if (opt->region) {
        if (mtr_windows_of(&c.win, r->regions, r->nregions, opt->region, nstacks, err, cap) < 0)
            goto fail;
        r->region = opt->region;
    }
    if (replay(&c, err, cap) < 0)
        goto fail;
    size_t k = 0;
    for (size_t i = 0; i < nstacks; i++)
        if (c.alloc_by_stack[i].count)
            c.alloc_by_stack[k++] = c.alloc_by_stack[i];
    qsort(c.alloc_by_stack, k, sizeof *c.alloc_by_stack, mtr_use_by_bytes);
    r->allocated = c.alloc_by_stack;
    r->nallocated = k;
    c.alloc_by_stack = NULL;
    r->totals.events = c.index;
    r->totals.frees = c.nfree - c.nrealloc;
    for (size_t i = 0; i < r->ncopies; i++)
        r->totals.copied_bytes += r->copies[i].bytes;
    for (size_t i = 0; i < c.nstash; i++)
        if (c.stash[i].valid)
            chain_end(&c, &c.stash[i].blk);
    mtr_blocks_each(c.live, end_chains, &c);
    if (c.win.n)
        r->leaks = mtr_windows_leaks(&c.win, &r->nleaks, &r->leaked_bytes);
    else
        r->leaks = mtr_group_by_stack(c.live, nstacks, 1, &r->nleaks, &r->leaked_bytes);
    mtr_blocks_free(c.live);
    c.live = NULL;
    mtr_trace_small_copies(t, &r->totals.small_copies, &r->totals.small_copied_bytes);
    r->duration_ns = run->end_ns > run->start_ns ? run->end_ns - run->start_ns : 0;

    r->payload_bytes = opt->payload ? opt->payload : c.largest;
    for (size_t i = 0; i < c.nstair; i++)
        if (c.stair[i].size * 2 >= r->payload_bytes) {
            r->baseline_bytes = c.stair[i].before;
            break;
        }
    c.stop_index = c.peak_index;
    if (c.rs) {
        uint64_t last = mtr_rsums_first_done(c.rs, r, opt, c.growth, c.ngrowth);
        c.stop_index = last > c.stop_index ? last : c.stop_index;
    }
    c.pass = 2;
    if (c.stop_index && replay(&c, err, cap) < 0)
        goto fail;
    if (c.rs)
        r->region_sums = mtr_rsums_take(c.rs, &r->nregion_sums);
    mtr_rsums_free(c.rs);
    c.rs = NULL;
    mtr_find_stalls(r, opt, c.growth, c.ngrowth);
    mtr_windows_filter_stalls(&c.win, r, run->start_ns);
    mtr_windows_free(&c.win);
    qsort(r->copies, r->ncopies, sizeof *r->copies, copy_by_bytes);
    mtr_group_events(r);
    mtr_blocks_free(c.live);
    free(c.stair);
    free(c.stash);
    free(c.growth);
    if (!run->complete)
        snprintf(r->warning, sizeof r->warning,
                 "the trace is incomplete: the program was killed, crashed or is still running; "
                 "this reports the %llu events recorded up to %.1f ms",
                 (unsigned long long)r->totals.events, (double)r->duration_ns / 1e6);
    else if (!r->totals.events)
        snprintf(r->warning, sizeof r->warning, "the trace holds no events");
    return 0;
fail:
    mtr_windows_free(&c.win);
    mtr_rsums_free(c.rs);
    free(c.alloc_by_stack);
    mtr_blocks_free(c.live);
    free(c.stair);
    free(c.stash);
    free(c.growth);
    mtr_report_free(r);
    return -1;
}

void mtr_report_free(mtr_report_t *r)
{
    free(r->peak.stacks);
    free(r->timeline);
    free(r->allocated);
    free(r->leaks);
    free(r->buffers);
    free(r->fills);
    free(r->copies);
    free(r->stalls);
    free(r->copy_groups);
    free(r->stall_groups);
    mtr_regions_free(r->regions, r->nregions);
    free(r->region_sums);
    memset(r, 0, sizeof *r);
}
