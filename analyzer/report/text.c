/* The text report (see text.h). */
#include "analyzer/report/text.h"

#include <string.h>

#include "analyzer/model/blocks.h"
#include "analyzer/report/regions_print.h"
#include "analyzer/symbolize/symbolize.h"
#include "format/kinds.h"

const char *mtr_human_ns(uint64_t ns, char *buf)
{
    if (ns >= 1000000000ull)
        snprintf(buf, 32, "%.2f s", (double)ns / 1e9);
    else if (ns >= 1000000)
        snprintf(buf, 32, "%.1f ms", (double)ns / 1e6);
    else if (ns >= 1000)
        snprintf(buf, 32, "%.0f us", (double)ns / 1e3);
    else
        snprintf(buf, 32, "%llu ns", (unsigned long long)ns);
    return buf;
}

static const char *base(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path;
}

/* A Python file with its package: zarr/core.py, not core.py among many */
static const char *py_path(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    if (!s)
        return path;
    const char *p = s;
    while (p > path && p[-1] != '/')
        p--;
    return p > path || *path == '/' ? p : path;
}

static void frame_text(const mtr_sframe_t *fr, char *buf, size_t cap)
{
    if (fr->python && fr->file)
        snprintf(buf, cap, "%s (%s:%d)", fr->function, py_path(fr->file), fr->line);
    else if (fr->python)
        snprintf(buf, cap, "%s", fr->function);
    else if (fr->function && fr->file)
        snprintf(buf, cap, "%s (%s:%d)", fr->function, base(fr->file), fr->line);
    else if (fr->function)
        snprintf(buf, cap, "%s (%s)", fr->function, fr->module ? base(fr->module) : "?");
    else
        snprintf(buf, cap, "%s+0x%llx%s", fr->module ? base(fr->module) : "?",
                 (unsigned long long)fr->offset,
                 fr->status == MTR_SYM_BUILD_ID_MISMATCH ? " [module changed since the trace]" : "");
}

void mtr_text_stack(FILE *out, mtr_frames_t *f, uint32_t stack, const char *indent, int depth)
{
    const mtr_sframe_t *fr;
    size_t n = mtr_frames_shown(f, stack, &fr);
    char buf[1024];
    for (size_t i = 0; i < n && (int)i < depth; i++) {
        frame_text(&fr[i], buf, sizeof buf);
        fprintf(out, "%s%s\n", indent, buf);
    }
    if (n > (size_t)depth)
        fprintf(out, "%s... %zu more frames\n", indent, n - (size_t)depth);
    if (!n)
        fprintf(out, "%s(no stack)\n", indent);
}

const char *mtr_text_where(mtr_frames_t *f, uint32_t stack, char *buf, size_t cap)
{
    const mtr_sframe_t *work = mtr_frames_caller(f, stack);
    if (!work) {
        snprintf(buf, cap, "(no stack)");
        return buf;
    }
    mtr_sframe_t w = *work; /* the next call reuses the frames' buffer */
    const mtr_sframe_t *py = mtr_frames_python_caller(f, stack);
    /* the eval loop is not work a person asked for: the Python line is */
    int eval = w.function && !strncmp(w.function, "_PyEval_", 8);
    if (!py || w.python || eval) {
        frame_text(py && eval ? py : &w, buf, cap);
        return buf;
    }
    char a[512], b[512];
    frame_text(&w, a, sizeof a);
    frame_text(py, b, sizeof b);
    snprintf(buf, cap, "%s, called from %s", a, b);
    return buf;
}

static void owner_line(FILE *out, mtr_frames_t *f, const char *label, const mtr_owner_t *o)
{
    char b[32], w[1024];
    if (!o->known)
        fprintf(out, "      %s: not a live allocation (stack, static data or unknown)\n", label);
    else if (o->mapping == MTR_MAP_FILE)
        fprintf(out, "      %s: file mapping of %s\n", label, mt_size_text(o->size, b));
    else
        fprintf(out, "      %s: %s %s allocated at %s\n", label, mt_size_text(o->size, b),
                o->mapping == MTR_MAP_ARENA      ? "allocator arena"
                : o->mapping == MTR_MAP_RESERVED ? "reserved address space"
                : o->mapping                     ? "mapping"
                                            : "block",
                mtr_text_where(f, o->stack, w, sizeof w));
}

static void copy_text(FILE *out, mtr_frames_t *f, const mtr_copy_t *c)
{
    char b[32], d[32], w[1024];
    fprintf(out, "  %-8s %10s", mt_kind_name(MT_KINDS_COPY, c->kind), mt_size_text(c->bytes, b));
    if (c->kind == MT_COPY_GATHER)
        fprintf(out, " in %llu pieces", (unsigned long long)c->pieces);
    fprintf(out, ", %s", mtr_human_ns(c->duration_ns, d));
    if (c->kind == MT_COPY_GATHER)
        fprintf(out, " copying over %s", mtr_human_ns(c->span_ns, d));
    fprintf(out, ", at %s\n", mtr_text_where(f, c->stack, w, sizeof w));
    owner_line(out, f, "from", &c->from);
    owner_line(out, f, "into", &c->to);
}

static void stall_text(FILE *out, mtr_frames_t *f, const mtr_stall_t *s)
{
    char a[32], b[32], c[32], w[1024];
    fprintf(out, "  %s at %s: %s", mtr_stall_kind_names[s->kind], mtr_human_ns(s->ts, a),
            mtr_human_ns(s->duration_ns, b));
    if (s->kind == MTR_STALL_REALLOC_GROWTH)
        fprintf(out, ", %llu moves copied %s to grow a block to %s\n",
                (unsigned long long)s->pieces, mt_size_text(s->bytes, c),
                mt_size_text(s->block_size, w));
    else
        fprintf(out, ", %s in %llu piece%s\n", mt_size_text(s->bytes, c),
                (unsigned long long)s->pieces, s->pieces == 1 ? "" : "s");
    if (s->kind == MTR_STALL_FLUSH)
        fprintf(out, "      after %s in which this code accumulated without copying\n",
                mtr_human_ns(s->quiet_ns, a));
    if (s->kind == MTR_STALL_FLUSH && s->recurrences > 1)
        fprintf(out, "      flush %u of %u%s%s%s\n", s->occurrence, s->recurrences,
                s->period_ns ? ", " : "", s->period_ns ? mtr_human_ns(s->period_ns, a) : "",
                s->period_ns ? " after the previous one" : "");
    fprintf(out, "      by %s\n", mtr_text_where(f, s->stack, w, sizeof w));
    if (s->kind != MTR_STALL_REALLOC_GROWTH && s->alloc_stack)
        fprintf(out, "      into a block allocated at %s\n",
                mtr_text_where(f, s->alloc_stack, w, sizeof w));
}

/* "B in N <what>, T spent copying, from F to L, <how> WHERE": the group's
 * line, shaped like one copy's. */
static void group_line(FILE *out, mtr_frames_t *f, const char *kind, const char *what,
                       const mtr_event_group_t *g, const char *how, uint32_t stack)
{
    char a[32], b[32], c[32], d[32], w[1024];
    fprintf(out, "  %-8s %10s in %llu %s, %s spent copying, from %s to %s, %s %s\n", kind,
            mt_size_text(g->bytes, a), (unsigned long long)g->count, what,
            mtr_human_ns(g->duration_ns, b), mtr_human_ns(g->first_ts, c),
            mtr_human_ns(g->last_ts, d), how, mtr_text_where(f, stack, w, sizeof w));
}

static void copies_text(FILE *out, const mtr_report_t *r, mtr_frames_t *f, size_t top, int grouped)
{
    if (!grouped) {
        fprintf(out, "\nCOPIES  %zu, largest first\n", r->ncopies);
        for (size_t i = 0; i < r->ncopies && (!top || i < top); i++)
            copy_text(out, f, &r->copies[i]);
        return;
    }
    fprintf(out, "\nCOPIES  %zu in %zu group%s (kind, code, source and destination), largest first\n",
            r->ncopies, r->ncopy_groups, r->ncopy_groups == 1 ? "" : "s");
    for (size_t i = 0; i < r->ncopy_groups && (!top || i < top); i++) {
        const mtr_event_group_t *g = &r->copy_groups[i];
        const mtr_copy_t *c = &r->copies[g->example];
        if (g->count == 1) {
            copy_text(out, f, c);
            continue;
        }
        group_line(out, f, mt_kind_name(MT_KINDS_COPY, c->kind), "copies", g, "at", c->stack);
        owner_line(out, f, "from", &c->from);
        owner_line(out, f, "into", &c->to);
    }
}

#define FLUSHES_SHOWN 10

static void stalls_text(FILE *out, const mtr_report_t *r, mtr_frames_t *f, int grouped)
{
    char w[1024];
    if (!grouped) {
        fprintf(out, "\nSTALLS  %zu\n", r->nstalls);
        for (size_t i = 0; i < r->nstalls; i++)
            stall_text(out, f, &r->stalls[i]);
        return;
    }
    fprintf(out, "\nSTALLS  %zu in %zu group%s, most time first\n", r->nstalls, r->nstall_groups,
            r->nstall_groups == 1 ? "" : "s");
    for (size_t i = 0; i < r->nstall_groups; i++) {
        const mtr_event_group_t *g = &r->stall_groups[i];
        const mtr_stall_t *s = &r->stalls[g->example];
        if (g->count == 1) {
            stall_text(out, f, s);
            continue;
        }
        group_line(out, f, mtr_stall_kind_names[s->kind], "stalls", g, "by", s->stack);
        if (s->kind == MTR_STALL_FLUSH) {
            /* how the flushes recur is what tells an accumulator: each one */
            size_t shown = 0;
            for (size_t k = 0; k < r->nstalls; k++) {
                const mtr_stall_t *m = &r->stalls[k];
                if (m->kind != s->kind || m->stack != s->stack || m->alloc_stack != s->alloc_stack)
                    continue;
                if (shown++ < FLUSHES_SHOWN)
                    stall_text(out, f, m);
            }
            if (shown > FLUSHES_SHOWN)
                fprintf(out, "    ... %zu more flushes\n", shown - FLUSHES_SHOWN);
            continue;
        }
        if (s->kind != MTR_STALL_REALLOC_GROWTH && s->alloc_stack)
            fprintf(out, "      into blocks allocated at %s\n",
                    mtr_text_where(f, s->alloc_stack, w, sizeof w));
    }
}

void mtr_text_report(FILE *out, const mtr_report_t *r, mtr_frames_t *f, size_t top, int grouped)
{
    char a[32], b[32], c[32], w[1024];
    if (r->warning[0])
        fprintf(out, "warning: %s\n\n", r->warning);
    fprintf(out, "command:   %s\n", r->run->command ? r->run->command : "?");
    fprintf(out, "pid:       %lld", (long long)r->run->pid);
    if (r->run->exit_signal >= 0)
        fprintf(out, ", killed by signal %lld", (long long)r->run->exit_signal);
    else if (r->run->exit_status >= 0)
        fprintf(out, ", exit status %lld", (long long)r->run->exit_status);
    fprintf(out, "\nduration:  %s\n", mtr_human_ns(r->duration_ns, a));
    if (r->run->tree_size > 1) /* the launcher's tree: this is its top trace */
        fprintf(out, "children:  %lld more traces of child processes and exec'd programs"
                     " (memtrace-report tree %s)\n",
                (long long)r->run->tree_size - 1, r->run->path);
    mtr_text_region_header(out, r);
    fputc('\n', out);

    fprintf(out, "allocations: %llu (%s), frees: %llu, mmaps: %llu, munmaps: %llu\n",
            (unsigned long long)r->totals.allocations, mt_size_text(r->totals.allocated_bytes, a),
            (unsigned long long)r->totals.frees, (unsigned long long)r->totals.mmaps,
            (unsigned long long)r->totals.munmaps);
    fprintf(out, "copies:      %llu large (%s), %llu small (%s)\n",
            (unsigned long long)r->totals.copies, mt_size_text(r->totals.copied_bytes, b),
            (unsigned long long)r->totals.small_copies,
            mt_size_text(r->totals.small_copied_bytes, c));
    if (r->totals.remaps)
        fprintf(out, "remaps:      %llu reallocs moved %s by mremap, copying nothing\n",
                (unsigned long long)r->totals.remaps, mt_size_text(r->totals.remapped_bytes, a));
    fputc('\n', out);

    fprintf(out, "PEAK MEMORY  %s (heap %s + anonymous mappings) at %s; heap alone peaked at %s\n",
            mt_size_text(r->peak.total_bytes, a), mt_size_text(r->peak.heap_at_peak, b),
            mtr_human_ns(r->peak.time_ns, c), mt_size_text(r->peak.heap_bytes, w));
    for (size_t i = 0; i < r->peak.nstacks && (!top || i < top); i++) {
        const mtr_stack_use_t *u = &r->peak.stacks[i];
        fprintf(out, "  %10s in %llu block%s\n", mt_size_text(u->bytes, a),
                (unsigned long long)u->count, u->count == 1 ? "" : "s");
        mtr_text_stack(out, f, u->stack, "      ", 6);
    }
    if (r->peak.reserved_bytes)
        fprintf(out, "\nADDRESS SPACE  %s reserved (PROT_NONE, not memory) at its highest\n",
                mt_size_text(r->peak.reserved_bytes, a));

    fprintf(out, "\nEXTRA COPIES  %lld (payload %s, baseline %s, peak %s)\n",
            (long long)r->extra_copies, mt_size_text(r->payload_bytes, a),
            mt_size_text(r->baseline_bytes, b), mt_size_text(r->peak.total_bytes, c));
    for (size_t i = 0; i < r->nbuffers; i++) {
        const mtr_peak_buffer_t *pb = &r->buffers[i];
        if (pb->group)
            fprintf(out, "  %s in %llu small blocks from %s\n", mt_size_text(pb->bytes, a),
                    (unsigned long long)pb->count, mtr_text_where(f, pb->stack, w, sizeof w));
        else
            fprintf(out, "  %s buffer allocated at %s (%s)\n", mt_size_text(pb->bytes, a),
                    mtr_human_ns(pb->ts, b), mtr_text_where(f, pb->stack, w, sizeof w));
        for (size_t k = 0; k < pb->nfill; k++) {
            const mtr_copy_t *cp = &r->fills[pb->first_fill + k];
            if (cp->kind != MT_COPY_GATHER && cp->pieces > 1)
                fprintf(out, "      filled by %llu %ss, %s in all, at %s\n",
                        (unsigned long long)cp->pieces, mt_kind_name(MT_KINDS_COPY, cp->kind),
                        mt_size_text(cp->bytes, a), mtr_text_where(f, cp->stack, w, sizeof w));
            else
                fprintf(out, "      filled by %s of %s at %s\n", mt_kind_name(MT_KINDS_COPY, cp->kind),
                        mt_size_text(cp->bytes, a), mtr_text_where(f, cp->stack, w, sizeof w));
            if (cp->from.known)
                fprintf(out, "        from the %s block allocated at %s\n",
                        mt_size_text(cp->from.size, b),
                        mtr_text_where(f, cp->from.stack, w, sizeof w));
        }
    }

    copies_text(out, r, f, top, grouped);
    stalls_text(out, r, f, grouped);

    fprintf(out, "\nLEAKS  %s in %zu stack%s still live at the end\n",
            mt_size_text(r->leaked_bytes, a), r->nleaks, r->nleaks == 1 ? "" : "s");
    for (size_t i = 0; i < r->nleaks && (!top || i < top); i++) {
        fprintf(out, "  %10s in %llu block%s\n", mt_size_text(r->leaks[i].bytes, a),
                (unsigned long long)r->leaks[i].count, r->leaks[i].count == 1 ? "" : "s");
        mtr_text_stack(out, f, r->leaks[i].stack, "      ", 4);
    }
    mtr_text_regions(out, r);
}
