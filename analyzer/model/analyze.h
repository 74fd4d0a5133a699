/* The analysis of one trace: two replays of the event stream.  The first
 * finds totals, the peak, leaks, copies with the allocations they read and
 * wrote, realloc chains and stalls; the second stops at the peak to see what
 * was live there.  Stacks are stack_nodes ids: symbolize them with
 * symbolize/frames.h. */
#ifndef MTR_MODEL_ANALYZE_H
#define MTR_MODEL_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/load/regions.h"
#include "analyzer/load/trace.h"

typedef struct mtr_options {
    uint64_t payload;     /* 0: the largest single allocation */
    double stall_ms;      /* large-copy threshold (default 5) */
    uint64_t flush_pieces; /* accumulator-flush: at least this many pieces (1000) */
    /* realloc-growth: a chain of at least growth_moves moves (8) copying at
     * least growth_factor times its final size (4) in additive steps, which
     * took at least stall_ms copying.  Geometric growth (each step a fixed
     * fraction of the size, as CPython's lists grow) costs a bounded
     * multiple of the final size, amortized linear: not a stall. */
    double growth_factor;
    uint32_t growth_moves;
    const char *region;   /* NULL, or report only this region (model/window.h) */
} mtr_options_t;

void mtr_options_default(mtr_options_t *o);

#define MTR_TIMELINE_POINTS 2000

typedef struct mtr_stack_use {
    uint32_t stack;
    uint64_t bytes, count;
} mtr_stack_use_t;

/* The allocation a copy read from or wrote to, as it was at the copy. */
typedef struct mtr_owner {
    int known;
    int mapping;          /* MTR_MAP_* */
    uint64_t addr, size, ts;
    uint32_t stack;
} mtr_owner_t;

typedef struct mtr_copy {
    int kind; /* MT_COPY_* (format/kinds.h), mempcpy read as memcpy */
    uint64_t ts;
    uint64_t duration_ns; /* the time spent copying: a gather's pieces' own, summed */
    uint64_t span_ns;     /* first piece's start to last piece's end (= duration_ns
                           * but for gathers) */
    uint64_t bytes, pieces, src, dst;
    uint32_t stack, tid;
    mtr_owner_t from, to;
} mtr_copy_t;

enum { MTR_STALL_LARGE_COPY, MTR_STALL_FLUSH, MTR_STALL_REALLOC_GROWTH, MTR_STALL_KINDS };
extern const char *const mtr_stall_kind_names[MTR_STALL_KINDS];

typedef struct mtr_stall {
    int kind;
    uint64_t ts, duration_ns, bytes, pieces;
    uint32_t stack;       /* the copying (or reallocating) code */
    uint32_t alloc_stack; /* flush: who allocated the destination */
    uint64_t block_size;  /* flush: destination size; growth: final size */
    /* flush: how this stack's flushes recur */
    uint32_t occurrence, recurrences; /* 1-based index, total flushes by this stack */
    uint64_t period_ns;   /* since this stack's previous flush (0 for the first) */
    uint64_t quiet_ns;    /* the streak before it: since the same code's previous
                           * copy ended, or since the start */
    double growth;        /* bytes / previous flush's bytes (0 for the first) */
} mtr_stall_t;

/* Like copies or like stalls, totalled (model/groups.h): times relative to
 * the start; example indexes r->copies (the largest) or r->stalls (the
 * longest), whose kind, stacks and allocations the group shares. */
typedef struct mtr_event_group {
    uint64_t count, bytes, pieces, duration_ns, first_ts, last_ts;
    size_t example;
} mtr_event_group_t;

/* A buffer live at the peak that counts toward extra copies. */
typedef struct mtr_peak_buffer {
    int group;            /* 0: one block; 1: many small blocks from one stack */
    uint64_t addr, bytes, count, ts;
    uint32_t stack;
    size_t first_fill, nfill; /* copies into it: indices into report.fills */
} mtr_peak_buffer_t;

/* One region name's figures, as --region NAME reports them
 * (model/region_sums.h): peak time relative to the start. */
typedef struct mtr_region_sum {
    const char *name;            /* the report's regions own it */
    int depth;                   /* of its first region */
    uint64_t count, duration_ns; /* its regions, and their times summed */
    uint64_t peak_bytes, peak_ns;
    uint64_t copies, copied_bytes, stalls, leaks, leaked_bytes;
    int64_t extra_copies;
} mtr_region_sum_t;

typedef struct mtr_report {
    const mtr_run_t *run; /* the trace's facts: the trace outlives its report */
    uint64_t duration_ns;
    struct {
        uint64_t allocations, frees, allocated_bytes, mmaps, munmaps, copies, copied_bytes;
        uint64_t small_copies, small_copied_bytes, events;
        /* reallocs the allocator served with mremap: no byte copied, so they
         * are neither copies nor part of any realloc growth */
        uint64_t remaps, remapped_bytes;
    } totals;
    struct {
        uint64_t heap_bytes;  /* the heap's own maximum */
        uint64_t total_bytes; /* heap + anonymous mappings, maximum */
        /* address space reserved (anonymous PROT_NONE), maximum: apart from
         * memory, which counts what the program can touch */
        uint64_t reserved_bytes;
        uint64_t heap_at_peak, time_ns; /* time relative to the start */
        mtr_stack_use_t *stacks;
        size_t nstacks;
    } peak;
    /* memory over time, at most MTR_TIMELINE_POINTS points: each the highest
     * total of its slice of the run (time relative to the start) */
    struct mtr_point {
        uint64_t t, heap, total;
    } *timeline;
    size_t ntimeline;
    mtr_stack_use_t *allocated; /* the whole run's allocations by stack, largest first */
    size_t nallocated;
    mtr_stack_use_t *leaks; /* live at the end, by stack, largest first */
    size_t nleaks;
    uint64_t leaked_bytes;
    uint64_t payload_bytes, baseline_bytes;
    int64_t extra_copies;
    mtr_peak_buffer_t *buffers;
    size_t nbuffers;
    mtr_copy_t *fills; /* copies into the peak buffers; like copies (same kind,
                        * code and source allocation) merged: bytes, pieces
                        * and durations summed, ts the first */
    size_t nfills;
    mtr_copy_t *copies; /* largest first */
    size_t ncopies;
    mtr_stall_t *stalls; /* in time order */
    size_t nstalls;
    mtr_event_group_t *copy_groups; /* largest first */
    size_t ncopy_groups;
    mtr_event_group_t *stall_groups; /* most time spent first */
    size_t nstall_groups;
    char warning[512];   /* non-empty: say it before the report */
    mtr_region_t *regions; /* every region of the trace, in the order they began */
    size_t nregions;
    const char *region;    /* the region reported on (options.region), or NULL */
    mtr_region_sum_t *region_sums; /* per name, first begun first; none with region */
    size_t nregion_sums;
} mtr_report_t;

/* 0 on success; -1 with one line in err when the trace cannot be read (the
 * report is then empty and must not be presented). */
int mtr_analyze(mtr_trace_t *t, const mtr_options_t *opt, mtr_report_t *r, char *err, size_t cap);
void mtr_report_free(mtr_report_t *r);

#endif
