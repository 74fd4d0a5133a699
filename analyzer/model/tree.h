/* A run's process tree with each process's analysis summed up: the rows
 * the launcher recorded (load/tree.h), each database opened and analyzed in
 * turn (model/analyze.h) and kept as a few numbers, in depth-first order
 * from the top database. */
#ifndef MTR_MODEL_TREE_H
#define MTR_MODEL_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/model/analyze.h"

typedef struct mtr_proc {
    char *path;    /* the database as opened */
    char *db;      /* as the tree names it (beside the top: its file name) */
    char *command, *exit_kind; /* NULL when unknown; exit_kind "exec" for an image replaced */
    int64_t pid, ppid, exit_status, exit_signal; /* -1 when unknown */
    size_t parent; /* 1-based index of the image it came from; 0 for the top */
    int depth;     /* forks from the top: an exec'd image is as deep as its parent */
    int exec;      /* 1: exec'd from its parent (the same pid), 0: forked */
    int complete;  /* its tracer closed the trace */
    uint64_t peak_bytes, allocated_bytes, copies, copied_bytes, stalls;
    int64_t extra_copies;
} mtr_proc_t;

typedef struct mtr_tree {
    mtr_proc_t *p; /* depth-first: each image before the ones it led to */
    size_t n;
    /* The program: the last image of the launched process, the one a shim
     * (pyenv's bash, env) finally exec'd into.  An index into p. */
    size_t program;
    int recorded; /* 0: the trace has no tree table (only itself is in p) */
    struct {
        uint64_t peak_bytes; /* each process's peak, summed */
        uint64_t allocated_bytes, copies, copied_bytes, stalls;
        int64_t extra_copies;
    } totals;
} mtr_tree_t;

/* Analyzes every process of top's tree with opt (its region ignored).  0,
 * or -1 with one line in err naming the database that could not be read. */
int mtr_tree_build(const char *top, const mtr_options_t *opt, mtr_tree_t *t, char *err,
                   size_t cap);
void mtr_tree_free(mtr_tree_t *t);

#endif
