/* Symbolized stacks of one trace: stack_nodes ids -> frames, innermost first,
 * inlined frames expanded.  Results are cached in the database's symbols
 * table (when writable) so the next report does not symbolize again. */
#ifndef MTR_SYMBOLIZE_FRAMES_H
#define MTR_SYMBOLIZE_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/load/trace.h"

typedef struct mtr_sframe {
    const char *function; /* NULL: unknown (see module + offset) */
    const char *file;     /* NULL: unknown */
    int line;             /* 0: unknown */
    const char *module;   /* path; NULL: the address is in no recorded module */
    uint64_t offset;      /* address in the module's file (ip - bias - 1) */
    int status;           /* MTR_SYM_* of the module (symbolize.h) */
} mtr_sframe_t;

typedef struct mtr_frames mtr_frames_t;

mtr_frames_t *mtr_frames_open(mtr_trace_t *t);
/* The frames of stack `stack`; *out stays valid until the next call. */
size_t mtr_frames_get(mtr_frames_t *f, uint32_t stack, const mtr_sframe_t **out);
/* The first frame that is not in libc/libstdc++/the allocator, for one-line
 * summaries; NULL for an empty stack. */
const mtr_sframe_t *mtr_frames_caller(mtr_frames_t *f, uint32_t stack);
/* Writes new cache entries and frees everything. */
void mtr_frames_close(mtr_frames_t *f);

#endif
