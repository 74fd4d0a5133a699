/* The process tree's text and JSON (see tree_print.h). */
#include "analyzer/report/tree_print.h"

#include <string.h>

#include "analyzer/report/jsonw.h"
#include "format/size.h"

/* How the process ended: "exit 0", "_exit 1", "signal 9", "exec" (its
 * image was replaced), "killed?" (its tracer never closed the trace). */
static const char *ending(const mtr_proc_t *p, char *buf, size_t cap)
{
    if (p->exit_signal >= 0)
        snprintf(buf, cap, "signal %lld", (long long)p->exit_signal);
    else if (p->exit_kind && !strcmp(p->exit_kind, "exec"))
        snprintf(buf, cap, "exec");
    else if (p->exit_kind && p->exit_status >= 0)
        snprintf(buf, cap, "%s %lld", p->exit_kind, (long long)p->exit_status);
    else if (p->exit_kind)
        snprintf(buf, cap, "%s", p->exit_kind);
    else
        snprintf(buf, cap, p->complete ? "?" : "killed?");
    return buf;
}

static const char *via(const mtr_tree_t *t, size_t i)
{
    return t->p[i].parent == 0 ? "run" : t->p[i].exec ? "exec" : "fork";
}

void mtr_tree_text(FILE *out, const mtr_tree_t *t)
{
    char a[32], b[32];
    fprintf(out, "PROCESS TREE  %zu process%s (%s and %zu more trace%s)\n", t->n,
            t->n == 1 ? "" : "es", t->p[0].path, t->n - 1, t->n == 2 ? "" : "s");
    if (!t->recorded)
        fprintf(out, "  (no tree recorded in this trace: a child's own, or one traced without"
                     " memtrace run)\n");
    fprintf(out, "  %7s %7s %-4s %10s %6s %5s %6s  %-10s %-22s %s\n", "pid", "parent", "via",
            "peak", "copies", "extra", "stalls", "end", "trace", "command");
    for (size_t i = 0; i < t->n; i++) {
        const mtr_proc_t *p = &t->p[i];
        int64_t parent = p->parent ? t->p[p->parent - 1].pid : p->ppid;
        fprintf(out, "%c %7lld %7lld %-4s %10s %6llu %5lld %6llu  %-10s %-22s %*s%s\n",
                i == t->program ? '*' : ' ', (long long)p->pid, (long long)parent, via(t, i),
                mt_size_text(p->peak_bytes, a), (unsigned long long)p->copies,
                (long long)p->extra_copies, (unsigned long long)p->stalls,
                ending(p, b, sizeof b), p->db, 2 * p->depth, "",
                p->command ? p->command : "?");
    }
    fprintf(out, "  %-20s %10s %6llu %5lld %6llu  (peaks summed)\n", "total",
            mt_size_text(t->totals.peak_bytes, a), (unsigned long long)t->totals.copies,
            (long long)t->totals.extra_copies, (unsigned long long)t->totals.stalls);
    const mtr_proc_t *prog = &t->p[t->program];
    fprintf(out, "\n* the program: pid %lld, %s (%s), the last image of the launched process%s\n",
            (long long)prog->pid, prog->command ? prog->command : "?", prog->db,
            t->program ? ", which its first image exec'd into" : "");
}

static void numbers(mtr_jsonw_t *w, uint64_t peak, uint64_t alloc, uint64_t copies,
                    uint64_t copied, int64_t extra, uint64_t stalls)
{
    mtr_jw_ku64(w, "peak_bytes", peak);
    mtr_jw_ku64(w, "allocated_bytes", alloc);
    mtr_jw_ku64(w, "copies", copies);
    mtr_jw_ku64(w, "copied_bytes", copied);
    mtr_jw_ki64(w, "extra_copies", extra);
    mtr_jw_ku64(w, "stalls", stalls);
}

void mtr_tree_json(FILE *out, const mtr_tree_t *t)
{
    mtr_jsonw_t w;
    mtr_jw_init(&w, out);
    mtr_jw_obj(&w);
    mtr_jw_kstr(&w, "trace", t->p[0].path);
    mtr_jw_kbool(&w, "recorded", t->recorded);
    mtr_jw_ku64(&w, "program", t->program);
    mtr_jw_key(&w, "processes");
    mtr_jw_arr(&w);
    for (size_t i = 0; i < t->n; i++) {
        const mtr_proc_t *p = &t->p[i];
        mtr_jw_obj(&w);
        mtr_jw_ki64(&w, "pid", p->pid);
        mtr_jw_ki64(&w, "ppid", p->ppid);
        mtr_jw_key(&w, "parent");
        if (p->parent)
            mtr_jw_u64(&w, p->parent - 1);
        else
            mtr_jw_null(&w);
        mtr_jw_kstr(&w, "via", p->parent ? via(t, i) : NULL);
        mtr_jw_ki64(&w, "depth", p->depth);
        mtr_jw_kstr(&w, "db", p->db);
        mtr_jw_kstr(&w, "command", p->command);
        mtr_jw_kstr(&w, "exit_kind", p->exit_kind);
        mtr_jw_ki64(&w, "exit_status", p->exit_status);
        mtr_jw_ki64(&w, "exit_signal", p->exit_signal);
        mtr_jw_kbool(&w, "complete", p->complete);
        mtr_jw_kbool(&w, "program", i == t->program);
        numbers(&w, p->peak_bytes, p->allocated_bytes, p->copies, p->copied_bytes,
                p->extra_copies, p->stalls);
        mtr_jw_obj_end(&w);
    }
    mtr_jw_arr_end(&w);
    mtr_jw_key(&w, "totals");
    mtr_jw_obj(&w);
    numbers(&w, t->totals.peak_bytes, t->totals.allocated_bytes, t->totals.copies,
            t->totals.copied_bytes, t->totals.extra_copies, t->totals.stalls);
    mtr_jw_obj_end(&w);
    mtr_jw_obj_end(&w);
    fputc('\n', out);
}
