/* CPython's frames in native stacks.  CPython 3.11 runs nested Python calls
 * inside one _PyEval_EvalFrameDefault activation, so native unwinding never
 * sees them; this module reads the calling thread's interpreter frames and
 * places each activation's group of them where that activation sits in the
 * native stack (format/pyframe.h says how a frame is stored).  It reads the
 * interpreter's memory directly: no Python API call, no lock, nothing that
 * needs the GIL, so a thread that allocates with the GIL released gets its
 * own frames too. */
#ifndef MT_PYTHON_H
#define MT_PYTHON_H

#include <stdint.h>

#include "tracer/capture/stacks.h"
#include "tracer/common.h"
#include "tracer/capture/unwind.h"

/* Per thread, owned by python.c: room for a merge, touched only when the
 * program is CPython. */
typedef struct mt_pythread {
    uintptr_t ips[MT_MAX_DEPTH], sps[MT_MAX_DEPTH + 1]; /* the native stack */
    uintptr_t frames[MT_MAX_DEPTH];                 /* the Python frames */
    uintptr_t group_at[MT_MAX_DEPTH];               /* each group's _PyCFrame */
    uint16_t group_end[MT_MAX_DEPTH];               /* and where it ends */
    uintptr_t out[MT_MAX_DEPTH];                    /* the merge */
} mt_pythread_t;

/* 1 once the interpreter was found and its code objects are hooked. */
extern int mt_python_on;
/* Set while pymalloc maps an arena on this thread: the mapping it makes is
 * an allocator's, not the program's. */
extern MT_TLS int mt_python_in_arena;

/* Before main: looks for CPython 3.11 among the loaded objects (its runtime
 * is not initialized yet, its symbols are mapped) unless enabled is 0. */
void mt_python_init(int enabled);
/* meta.python: NULL for a program that is not CPython. */
const char *mt_python_status(void);

/* The calling thread's stack with its Python frames, interned. */
mt_stack_id_t mt_python_stack(mt_pythread_t *py, mt_unwind_cache_t *u, mt_stack_cache_t *c,
                              int depth);

/* A code object as the tracer recorded it: the strings are UTF-8, the
 * linetable CPython's bytes as they were. */
typedef struct mt_pycode {
    int32_t firstlineno;
    uint32_t filename_len, qualname_len, linetable_len;
    const char *filename, *qualname;
    const uint8_t *linetable;
} mt_pycode_t;

/* For the writer: a recorded code object by its id; NULL if unknown. */
const mt_pycode_t *mt_python_code(uint64_t id);

#endif
