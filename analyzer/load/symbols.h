/* What symbolization reads from a trace and writes back to it: the
 * stack_nodes trie, the module map, and the symbols table, where symbolized
 * frames are cached so that the next report does not symbolize again. */
#ifndef MTR_LOAD_SYMBOLS_H
#define MTR_LOAD_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/load/trace.h"

/* The trie as arrays by node id: walking parent links from a node gives its
 * frames innermost first, node 0 is the empty stack. */
typedef struct mtr_stack_nodes {
    uint32_t *parent;
    uint64_t *ip; /* return addresses: symbolize ip - 1 */
    uint64_t n;   /* every id is below it (mtr_trace_stack_count) */
} mtr_stack_nodes_t;

void mtr_trace_stack_nodes(mtr_trace_t *t, mtr_stack_nodes_t *out);
void mtr_stack_nodes_free(mtr_stack_nodes_t *nodes);

typedef struct mtr_module {
    int64_t id;
    uint64_t start, end, bias; /* file offset of ip = ip - bias */
    char *path, *build_id;     /* build_id: hex, NULL when unknown */
} mtr_module_t;

/* The modules in id order, so a later dlopen of a reused range comes last;
 * returns their count, *out is the caller's (mtr_modules_free). */
size_t mtr_trace_modules(mtr_trace_t *t, mtr_module_t **out);
void mtr_modules_free(mtr_module_t *m, size_t n);

/* A Python code object (format/pyframe.h names it in a stack). */
typedef struct mtr_pycode {
    char *filename, *qualname;
    int firstlineno;
    uint8_t *linetable; /* CPython 3.11's location table */
    size_t linetable_len;
} mtr_pycode_t;

/* The py_code table by id: (*out)[id], zeroed for an id it does not hold;
 * returns one more than the largest id (0 for a trace without Python). */
size_t mtr_trace_py_codes(mtr_trace_t *t, mtr_pycode_t **out);
void mtr_py_codes_free(mtr_pycode_t *c, size_t n);

/* ---- the symbols cache ---- */

typedef struct mtr_symcache mtr_symcache_t;

/* One cached frame: the depth-th frame (0: innermost inlined) at offset of
 * module (mtr_module_t.id). */
typedef struct mtr_symrow {
    int64_t module;
    uint64_t offset;
    int depth;
    const char *function, *file; /* file may be NULL */
    int line;
} mtr_symrow_t;

mtr_symcache_t *mtr_symcache_open(mtr_trace_t *t);
/* Calls fn for each cached frame of (module, offset), innermost first (the
 * strings are valid during the call); returns how many there were. */
uint32_t mtr_symcache_get(mtr_symcache_t *c, int64_t module, uint64_t offset,
                          void (*fn)(void *arg, const char *function, const char *file,
                                     int line),
                          void *arg);
/* Adds rows to the table in one transaction; nothing on a read-only trace.
 * Lookups may go on afterwards. */
void mtr_symcache_put(mtr_symcache_t *c, const mtr_symrow_t *rows, size_t n);
void mtr_symcache_close(mtr_symcache_t *c);

#endif
