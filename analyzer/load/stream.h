/* Every event of a trace in time order: the allocation batches of all
 * threads, the copies and the mappings, merged.  Memory is one decoded batch
 * per thread, whatever the length of the trace. */
#ifndef MTR_LOAD_STREAM_H
#define MTR_LOAD_STREAM_H

#include <stdint.h>

#include "analyzer/load/trace.h"
#include "format/kinds.h"

/* The allocation events keep their stored numbers (format/kinds.h); copies
 * and the mapping kinds follow. */
enum {
    MTR_EV_ALLOC = MT_EV_ALLOC,     /* addr, size, stack */
    MTR_EV_FREE = MT_EV_FREE,       /* addr */
    MTR_EV_REALLOC = MT_EV_REALLOC, /* addr (new), size, old_addr, stack; the old block
                                     * was freed just before */
    MTR_EV_COPY = MT_EV_END,        /* copy_kind, src, dst = addr, size = bytes, end_ts,
                                     * copy_ns, pieces, stack, id */
    MTR_EV_MMAP = MTR_EV_COPY + 1 + MT_MAP_MMAP, /* addr, size, anon, stack */
    MTR_EV_MUNMAP = MTR_EV_COPY + 1 + MT_MAP_MUNMAP, /* addr, size */
    MTR_EV_MREMAP = MTR_EV_COPY + 1 + MT_MAP_MREMAP, /* addr, size, old_addr, old_size, stack */
    MTR_EV_MPROTECT = MTR_EV_COPY + 1 + MT_MAP_MPROTECT, /* addr, size, prot, stack */
    MTR_EV_MADVISE = MTR_EV_COPY + 1 + MT_MAP_MADVISE,   /* addr, size, flags = advice */
};

typedef struct mtr_event {
    uint64_t ts;
    int kind;
    uint32_t tid;
    uint64_t addr, size, old_addr, old_size;
    uint32_t stack;
    int copy_kind; /* MT_COPY_*; a mempcpy reads as memcpy: the same copy */
    int anon;
    int prot, flags; /* mappings: protection (mmap, mprotect); flags, or madvise's advice */
    uint64_t src, end_ts, pieces;
    uint64_t copy_ns; /* time spent copying; a file without the column: end_ts - ts */
    int64_t id; /* copies.id */
} mtr_event_t;

typedef struct mtr_stream mtr_stream_t;

mtr_stream_t *mtr_stream_open(mtr_trace_t *t, char *err, size_t errcap);
/* 1: *ev points to the next event, valid until the next call; 0: the end;
 * -1: the database is damaged (err holds one line; nothing after this point
 * can be trusted). */
int mtr_stream_next(mtr_stream_t *s, const mtr_event_t **ev);
void mtr_stream_close(mtr_stream_t *s);

#endif
