/* Opening a memtrace database for reading: every check that decides whether
 * a file can be analyzed at all, the run's facts from the meta table, and
 * the totals read straight from a table.  The handle is opaque: nothing
 * outside load/ sees SQLite (load/stream.h and load/symbols.h read the rest). */
#ifndef MTR_LOAD_TRACE_H
#define MTR_LOAD_TRACE_H

#include <stddef.h>
#include <stdint.h>

/* The facts of a run, from meta; an absent key reads as its default
 * (format/meta.h). */
typedef struct mtr_run {
    char *path;                                  /* the file, as opened */
    int schema_version;
    char *command, *exe, *exit_kind;             /* NULL when meta does not say */
    char *python; /* CPython's version when its frames were taken, else why not */
    int64_t pid, ppid, exit_status, exit_signal; /* -1 when unknown */
    uint64_t start_ns, end_ns;                   /* end_ns >= start_ns */
    uint64_t copy_min, gather_min;
    int complete; /* 0: killed, crashed or still running */
    /* the databases of the run's process tree (load/tree.h), this one
     * included: 0 when the launcher recorded none (a child's trace, or one
     * preloaded by hand) */
    int64_t tree_size;
} mtr_run_t;

typedef struct mtr_trace mtr_trace_t;

/* Opens and validates path.  On failure returns NULL and puts one line
 * (no newline) into err: missing, not SQLite, not memtrace, newer schema,
 * corrupt. */
mtr_trace_t *mtr_trace_open(const char *path, char *err, size_t errcap);
void mtr_trace_close(mtr_trace_t *t);

/* The run's facts, valid until mtr_trace_close. */
const mtr_run_t *mtr_trace_run(const mtr_trace_t *t);

/* The small copies of every thread and size class together (0 and 0 when
 * the table cannot be read). */
void mtr_trace_small_copies(mtr_trace_t *t, uint64_t *count, uint64_t *bytes);
/* One more than the largest stack_nodes id: every stack id is below it. */
uint64_t mtr_trace_stack_count(mtr_trace_t *t);

#endif
