/* The process tree's model (see tree.h).  Databases are analyzed one at a
 * time and only their numbers kept, so a tree of a hundred shell helpers
 * costs the memory of its largest trace, not of all of them. */
#include "analyzer/model/tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/grow.h"
#include "analyzer/load/tree.h"

/* The file a row names: relative names are beside the top database, which
 * is the user's path (the files may have moved together). */
static char *resolve(const char *top, const char *db)
{
    if (db[0] == '/')
        return mtr_strdup(db);
    const char *slash = strrchr(top, '/');
    size_t dl = slash ? (size_t)(slash - top) + 1 : 0;
    size_t n = dl + strlen(db) + 1;
    char *p = mtr_realloc(NULL, n, 1);
    snprintf(p, n, "%.*s%s", (int)dl, top, db);
    return p;
}

/* Fills p's numbers from its database; -1 with err. */
static int analyze_one(mtr_proc_t *p, const mtr_options_t *opt, char *err, size_t cap)
{
    mtr_trace_t *t = mtr_trace_open(p->path, err, cap);
    if (!t)
        return -1;
    mtr_report_t r;
    if (mtr_analyze(t, opt, &r, err, cap) < 0) {
        mtr_trace_close(t);
        return -1;
    }
    p->complete = r.run->complete;
    p->peak_bytes = r.peak.total_bytes;
    p->allocated_bytes = r.totals.allocated_bytes;
    p->copies = r.ncopies;
    p->copied_bytes = r.totals.copied_bytes;
    p->stalls = r.nstalls;
    p->extra_copies = r.extra_copies;
    mtr_report_free(&r);
    mtr_trace_close(t);
    return 0;
}

/* Appends row k and, depth first, the rows that came from it. */
static void place(mtr_tree_t *t, const mtr_tree_row_t *rows, size_t n, size_t k, size_t parent,
                  int depth, unsigned char *placed, const char *top)
{
    const mtr_tree_row_t *r = &rows[k];
    placed[k] = 1;
    mtr_proc_t *p = &t->p[t->n++];
    *p = (mtr_proc_t){
        .path = k == 0 ? mtr_strdup(top) : resolve(top, r->db),
        .db = mtr_strdup(r->db),
        .command = mtr_strdup(r->command),
        .exit_kind = mtr_strdup(r->exit_kind),
        .pid = r->pid,
        .ppid = r->ppid,
        .exit_status = r->exit_status,
        .exit_signal = r->exit_signal,
        .parent = parent,
        .depth = depth,
    };
    size_t self = t->n;
    if (parent)
        p->exec = t->p[parent - 1].pid == r->pid;
    /* an exec'd image is the same process: only a fork goes one deeper */
    if (p->exec)
        p->depth = depth = depth - 1;
    for (size_t j = 0; j < n; j++)
        if (!placed[j] && rows[j].parent == r->id)
            place(t, rows, n, j, self, depth + 1, placed, top);
}

int mtr_tree_build(const char *top, const mtr_options_t *opt, mtr_tree_t *t, char *err,
                   size_t cap)
{
    memset(t, 0, sizeof *t);
    mtr_trace_t *tr = mtr_trace_open(top, err, cap);
    if (!tr)
        return -1;
    size_t n;
    mtr_tree_row_t *rows = mtr_trace_tree(tr, &n), self = {0};
    t->recorded = n > 0;
    if (!n) { /* no tree recorded: the trace alone */
        const mtr_run_t *run = mtr_trace_run(tr);
        const char *slash = strrchr(top, '/');
        self = (mtr_tree_row_t){.id = 1, .pid = run->pid, .ppid = run->ppid,
                                .exit_status = run->exit_status, .exit_signal = run->exit_signal,
                                .db = (char *)(slash ? slash + 1 : top), .command = run->command,
                                .exit_kind = run->exit_kind};
        rows = &self;
        n = 1;
    }
    t->p = mtr_calloc(n, sizeof *t->p);
    unsigned char *placed = mtr_calloc(n, 1);
    place(t, rows, n, 0, 0, 0, placed, top);
    /* a row whose parent is missing (a hand-edited table) still shows,
     * under the top */
    for (size_t k = 1; k < n; k++)
        if (!placed[k])
            place(t, rows, n, k, 1, 1, placed, top);
    free(placed);
    if (rows != &self)
        mtr_tree_rows_free(rows, n);
    mtr_trace_close(tr);

    mtr_options_t o = *opt;
    o.region = NULL; /* a region is one process's: the tree sums whole processes */
    for (size_t i = 0; i < t->n; i++) {
        mtr_proc_t *p = &t->p[i];
        char why[1024];
        if (analyze_one(p, &o, why, sizeof why) < 0) {
            if (i)
                snprintf(err, cap, "%s (pid %lld of %s's process tree)", why,
                         (long long)p->pid, top);
            else
                snprintf(err, cap, "%s", why);
            mtr_tree_free(t);
            return -1;
        }
        if (p->pid == t->p[0].pid)
            t->program = i; /* depth first, so the last of the chain of execs */
        t->totals.peak_bytes += p->peak_bytes;
        t->totals.allocated_bytes += p->allocated_bytes;
        t->totals.copies += p->copies;
        t->totals.copied_bytes += p->copied_bytes;
        t->totals.stalls += p->stalls;
        t->totals.extra_copies += p->extra_copies;
    }
    return 0;
}

void mtr_tree_free(mtr_tree_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->p[i].path);
        free(t->p[i].db);
        free(t->p[i].command);
        free(t->p[i].exit_kind);
    }
    free(t->p);
    memset(t, 0, sizeof *t);
}
