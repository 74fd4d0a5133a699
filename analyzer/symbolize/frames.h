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
    int python;           /* a Python frame: function is the qualified name */
} mtr_sframe_t;

/* What a frame is to the person reading a report. */
typedef enum mtr_frame_class {
    MTR_FRAME_PROGRAM,     /* the program's own code, or a library it uses */
    MTR_FRAME_PYTHON,      /* a Python function */
    MTR_FRAME_INTERPRETER, /* CPython's eval loop and call plumbing */
    MTR_FRAME_PLUMBING,    /* libc, libstdc++, the allocators, object constructors */
} mtr_frame_class_t;

mtr_frame_class_t mtr_frame_class(const mtr_sframe_t *fr);

typedef struct mtr_frames mtr_frames_t;

mtr_frames_t *mtr_frames_open(mtr_trace_t *t);
/* The frames of stack `stack`; *out stays valid until the next call. */
size_t mtr_frames_get(mtr_frames_t *f, uint32_t stack, const mtr_sframe_t **out);
/* The first frame that is not plumbing (libc, libstdc++, an allocator or
 * an object constructor), for one-line summaries; NULL for an empty stack. */
const mtr_sframe_t *mtr_frames_caller(mtr_frames_t *f, uint32_t stack);
/* The innermost Python frame; NULL when the stack has none. */
const mtr_sframe_t *mtr_frames_python_caller(mtr_frames_t *f, uint32_t stack);
/* What a person reads of a stack: with Python frames in it, the innermost
 * frame, the first that is not plumbing (the work), the Python frames and
 * the program's own native frames (a C extension), without the
 * interpreter's; every frame after mtr_frames_show_all(f, 1) or for a
 * stack without Python.  *out as for mtr_frames_get. */
size_t mtr_frames_shown(mtr_frames_t *f, uint32_t stack, const mtr_sframe_t **out);
void mtr_frames_show_all(mtr_frames_t *f, int all);

/* Writes new cache entries and frees everything. */
void mtr_frames_close(mtr_frames_t *f);

#endif
