/* The text report (see text.h). */
#include "analyzer/report/text.h"

#include <string.h>

#include "analyzer/model/blocks.h"
#include "analyzer/symbolize/symbolize.h"
#include "format/kinds.h"

const char *mtr_human_bytes(uint64_t n, char *buf)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, 32, "%llu B", (unsigned long long)n);
    else
        snprintf(buf, 32, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, unit[u]);
    return buf;
}

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
        fprintf(out, "      %s: file mapping of %s\n", label, mtr_human_bytes(o->size, b));
    else
        fprintf(out, "      %s: %s %s allocated at %s\n", label, mtr_human_bytes(o->size, b),
                o->mapping == MTR_MAP_ARENA ? "allocator arena"
                : o->mapping                ? "mapping"
                                            : "block",
                mtr_text_where(f, o->stack, w, sizeof w));
}

static void copy_text(FILE *out, mtr_frames_t *f, const mtr_copy_t *c)
{
    char b[32], d[32], w[1024];
    fprintf(out, "  %-8s %10s", mt_kind_name(MT_KINDS_COPY, c->kind), mtr_human_bytes(c->bytes, b));
    if (c->kind == MT_COPY_GATHER)
        fprintf(out, " in %llu pieces", (unsigned long long)c->pieces);
    fprintf(out, ", %s, at %s\n", mtr_human_ns(c->duration_ns, d),
            mtr_text_where(f, c->stack, w, sizeof w));
    owner_line(out, f, "from", &c->from);
    owner_line(out, f, "into", &c->to);
}

void mtr_text_report(FILE *out, const mtr_report_t *r, mtr_frames_t *f, size_t top)
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
    fprintf(out, "\nduration:  %s\n\n", mtr_human_ns(r->duration_ns, a));

    fprintf(out, "allocations: %llu (%s), frees: %llu, mmaps: %llu, munmaps: %llu\n",
            (unsigned long long)r->totals.allocations, mtr_human_bytes(r->totals.allocated_bytes, a),
            (unsigned long long)r->totals.frees, (unsigned long long)r->totals.mmaps,
            (unsigned long long)r->totals.munmaps);
    fprintf(out, "copies:      %llu large (%s), %llu small (%s)\n\n",
            (unsigned long long)r->totals.copies, mtr_human_bytes(r->totals.copied_bytes, b),
            (unsigned long long)r->totals.small_copies,
            mtr_human_bytes(r->totals.small_copied_bytes, c));

    fprintf(out, "PEAK MEMORY  %s (heap %s + anonymous mappings) at %s; heap alone peaked at %s\n",
            mtr_human_bytes(r->peak.total_bytes, a), mtr_human_bytes(r->peak.heap_at_peak, b),
            mtr_human_ns(r->peak.time_ns, c), mtr_human_bytes(r->peak.heap_bytes, w));
    for (size_t i = 0; i < r->peak.nstacks && (!top || i < top); i++) {
        const mtr_stack_use_t *u = &r->peak.stacks[i];
        fprintf(out, "  %10s in %llu block%s\n", mtr_human_bytes(u->bytes, a),
                (unsigned long long)u->count, u->count == 1 ? "" : "s");
        mtr_text_stack(out, f, u->stack, "      ", 6);
    }

    fprintf(out, "\nEXTRA COPIES  %lld (payload %s, baseline %s, peak %s)\n",
            (long long)r->extra_copies, mtr_human_bytes(r->payload_bytes, a),
            mtr_human_bytes(r->baseline_bytes, b), mtr_human_bytes(r->peak.total_bytes, c));
    for (size_t i = 0; i < r->nbuffers; i++) {
        const mtr_peak_buffer_t *pb = &r->buffers[i];
        if (pb->group)
            fprintf(out, "  %s in %llu small blocks from %s\n", mtr_human_bytes(pb->bytes, a),
                    (unsigned long long)pb->count, mtr_text_where(f, pb->stack, w, sizeof w));
        else
            fprintf(out, "  %s buffer allocated at %s (%s)\n", mtr_human_bytes(pb->bytes, a),
                    mtr_human_ns(pb->ts, b), mtr_text_where(f, pb->stack, w, sizeof w));
        for (size_t k = 0; k < pb->nfill; k++) {
            const mtr_copy_t *cp = &r->fills[pb->first_fill + k];
            if (cp->kind != MT_COPY_GATHER && cp->pieces > 1)
                fprintf(out, "      filled by %llu %ss, %s in all, at %s\n",
                        (unsigned long long)cp->pieces, mt_kind_name(MT_KINDS_COPY, cp->kind),
                        mtr_human_bytes(cp->bytes, a), mtr_text_where(f, cp->stack, w, sizeof w));
            else
                fprintf(out, "      filled by %s of %s at %s\n", mt_kind_name(MT_KINDS_COPY, cp->kind),
                        mtr_human_bytes(cp->bytes, a), mtr_text_where(f, cp->stack, w, sizeof w));
            if (cp->from.known)
                fprintf(out, "        from the %s block allocated at %s\n",
                        mtr_human_bytes(cp->from.size, b),
                        mtr_text_where(f, cp->from.stack, w, sizeof w));
        }
    }

    fprintf(out, "\nCOPIES  %zu, largest first\n", r->ncopies);
    for (size_t i = 0; i < r->ncopies && (!top || i < top); i++)
        copy_text(out, f, &r->copies[i]);

    fprintf(out, "\nSTALLS  %zu\n", r->nstalls);
    for (size_t i = 0; i < r->nstalls; i++) {
        const mtr_stall_t *s = &r->stalls[i];
        fprintf(out, "  %s at %s: %s", mtr_stall_kind_names[s->kind], mtr_human_ns(s->ts, a),
                mtr_human_ns(s->duration_ns, b));
        if (s->kind == MTR_STALL_REALLOC_GROWTH)
            fprintf(out, ", %llu moves copied %s to grow a block to %s\n",
                    (unsigned long long)s->pieces, mtr_human_bytes(s->bytes, c),
                    mtr_human_bytes(s->block_size, w));
        else
            fprintf(out, ", %s in %llu piece%s\n", mtr_human_bytes(s->bytes, c),
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

    fprintf(out, "\nLEAKS  %s in %zu stack%s still live at the end\n",
            mtr_human_bytes(r->leaked_bytes, a), r->nleaks, r->nleaks == 1 ? "" : "s");
    for (size_t i = 0; i < r->nleaks && (!top || i < top); i++) {
        fprintf(out, "  %10s in %llu block%s\n", mtr_human_bytes(r->leaks[i].bytes, a),
                (unsigned long long)r->leaks[i].count, r->leaks[i].count == 1 ? "" : "s");
        mtr_text_stack(out, f, r->leaks[i].stack, "      ", 4);
    }
}
