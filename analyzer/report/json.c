/* The JSON report (see json.h). */
#include "analyzer/report/json.h"

#include "analyzer/model/blocks.h"
#include "analyzer/report/regions_print.h"
#include "format/kinds.h"

void mtr_json_stack(mtr_jsonw_t *w, mtr_frames_t *f, uint32_t stack)
{
    const mtr_sframe_t *fr;
    size_t n = mtr_frames_get(f, stack, &fr);
    mtr_jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        mtr_jw_obj(w);
        mtr_jw_kstr(w, "function", fr[i].function);
        mtr_jw_kstr(w, "file", fr[i].file);
        mtr_jw_ki64(w, "line", fr[i].line);
        mtr_jw_kbool(w, "python", fr[i].python);
        if (!fr[i].python) {
            mtr_jw_kstr(w, "module", fr[i].module);
            mtr_jw_ku64(w, "offset", fr[i].offset);
        }
        mtr_jw_obj_end(w);
    }
    mtr_jw_arr_end(w);
}

static void uses(mtr_jsonw_t *w, mtr_frames_t *f, const mtr_stack_use_t *u, size_t n, size_t top)
{
    mtr_jw_arr(w);
    for (size_t i = 0; i < n && (!top || i < top); i++) {
        mtr_jw_obj(w);
        mtr_jw_ku64(w, "bytes", u[i].bytes);
        mtr_jw_ku64(w, "count", u[i].count);
        mtr_jw_key(w, "stack");
        mtr_json_stack(w, f, u[i].stack);
        mtr_jw_obj_end(w);
    }
    mtr_jw_arr_end(w);
}

static void owner(mtr_jsonw_t *w, mtr_frames_t *f, uint64_t addr, const mtr_owner_t *o)
{
    static const char *const kinds[] = {[MTR_MAP_NONE] = "heap",
                                        [MTR_MAP_ANON] = "anonymous mapping",
                                        [MTR_MAP_FILE] = "file mapping",
                                        [MTR_MAP_ARENA] = "allocator arena",
                                        [MTR_MAP_RESERVED] = "reserved address space"};
    mtr_jw_obj(w);
    mtr_jw_ku64(w, "address", addr);
    mtr_jw_key(w, "allocation");
    if (!o->known) {
        mtr_jw_null(w);
    } else {
        mtr_jw_obj(w);
        mtr_jw_kstr(w, "kind", kinds[(size_t)o->mapping % (sizeof kinds / sizeof kinds[0])]);
        mtr_jw_ku64(w, "address", o->addr);
        mtr_jw_ku64(w, "bytes", o->size);
        mtr_jw_key(w, "stack");
        mtr_json_stack(w, f, o->stack);
        mtr_jw_obj_end(w);
    }
    mtr_jw_obj_end(w);
}

static void copy(mtr_jsonw_t *w, mtr_frames_t *f, const mtr_copy_t *c)
{
    mtr_jw_obj(w);
    mtr_jw_kstr(w, "kind", mt_kind_name(MT_KINDS_COPY, c->kind));
    mtr_jw_ku64(w, "bytes", c->bytes);
    mtr_jw_ku64(w, "count", c->pieces);
    mtr_jw_ku64(w, "time_ns", c->ts);
    mtr_jw_ku64(w, "duration_ns", c->duration_ns);
    mtr_jw_ku64(w, "span_ns", c->span_ns);
    mtr_jw_key(w, "src");
    owner(w, f, c->src, &c->from);
    mtr_jw_key(w, "dst");
    owner(w, f, c->dst, &c->to);
    mtr_jw_key(w, "stack");
    mtr_json_stack(w, f, c->stack);
    mtr_jw_obj_end(w);
}

static void stall(mtr_jsonw_t *w, mtr_frames_t *f, const mtr_stall_t *s)
{
    mtr_jw_obj(w);
    mtr_jw_kstr(w, "kind", mtr_stall_kind_names[s->kind]);
    mtr_jw_ku64(w, "time_ns", s->ts);
    mtr_jw_ku64(w, "duration_ns", s->duration_ns);
    mtr_jw_ku64(w, "bytes", s->bytes);
    mtr_jw_ku64(w, "pieces", s->pieces);
    mtr_jw_ku64(w, "block_bytes", s->block_size);
    if (s->kind == MTR_STALL_FLUSH) {
        mtr_jw_ku64(w, "occurrence", s->occurrence);
        mtr_jw_ku64(w, "recurrences", s->recurrences);
        mtr_jw_ku64(w, "period_ns", s->period_ns);
        mtr_jw_kdbl(w, "growth", s->growth);
        mtr_jw_ku64(w, "accumulated_ns", s->quiet_ns);
    }
    mtr_jw_key(w, "stack");
    mtr_json_stack(w, f, s->stack);
    if (s->kind != MTR_STALL_REALLOC_GROWTH) {
        mtr_jw_key(w, "alloc_stack");
        mtr_json_stack(w, f, s->alloc_stack);
    }
    mtr_jw_obj_end(w);
}

void mtr_json_run(mtr_jsonw_t *w, const mtr_report_t *r)
{
    mtr_jw_kstr(w, "command", r->run->command);
    mtr_jw_ki64(w, "pid", r->run->pid);
    /* the other databases of the run's process tree (memtrace-report tree) */
    mtr_jw_ki64(w, "children", r->run->tree_size > 1 ? r->run->tree_size - 1 : 0);
    mtr_jw_kbool(w, "complete", r->run->complete);
    mtr_jw_kstr(w, "warning", r->warning[0] ? r->warning : NULL);
    mtr_jw_ku64(w, "duration_ns", r->duration_ns);
}

void mtr_json_totals(mtr_jsonw_t *w, const mtr_report_t *r)
{
    mtr_jw_ku64(w, "allocations", r->totals.allocations);
    mtr_jw_ku64(w, "frees", r->totals.frees);
    mtr_jw_ku64(w, "allocated_bytes", r->totals.allocated_bytes);
    mtr_jw_ku64(w, "mmaps", r->totals.mmaps);
    mtr_jw_ku64(w, "munmaps", r->totals.munmaps);
    mtr_jw_ku64(w, "copies", r->totals.copies);
    mtr_jw_ku64(w, "copied_bytes", r->totals.copied_bytes);
    mtr_jw_ku64(w, "small_copies", r->totals.small_copies);
    mtr_jw_ku64(w, "small_copied_bytes", r->totals.small_copied_bytes);
    mtr_jw_ku64(w, "remaps", r->totals.remaps);
    mtr_jw_ku64(w, "remapped_bytes", r->totals.remapped_bytes);
    mtr_jw_ku64(w, "events", r->totals.events);
}

void mtr_json_peak(mtr_jsonw_t *w, const mtr_report_t *r)
{
    mtr_jw_ku64(w, "heap_bytes", r->peak.heap_bytes);
    mtr_jw_ku64(w, "total_bytes", r->peak.total_bytes);
    mtr_jw_ku64(w, "heap_at_peak_bytes", r->peak.heap_at_peak);
    mtr_jw_ku64(w, "reserved_bytes", r->peak.reserved_bytes);
    mtr_jw_ku64(w, "time_ns", r->peak.time_ns);
}

/* A group and its example event (the largest copy, the longest stall). */
static void group_head(mtr_jsonw_t *w, const char *kind, const mtr_event_group_t *g)
{
    mtr_jw_obj(w);
    mtr_jw_kstr(w, "kind", kind);
    mtr_jw_ku64(w, "count", g->count);
    mtr_jw_ku64(w, "bytes", g->bytes);
    mtr_jw_ku64(w, "pieces", g->pieces);
    mtr_jw_ku64(w, "duration_ns", g->duration_ns);
    mtr_jw_ku64(w, "first_ns", g->first_ts);
    mtr_jw_ku64(w, "last_ns", g->last_ts);
}

static void groups(mtr_jsonw_t *w, mtr_frames_t *f, const mtr_report_t *r, size_t top)
{
    mtr_jw_ku64(w, "copy_group_count", r->ncopy_groups);
    mtr_jw_key(w, "copy_groups");
    mtr_jw_arr(w);
    for (size_t i = 0; i < r->ncopy_groups && (!top || i < top); i++) {
        const mtr_event_group_t *g = &r->copy_groups[i];
        const mtr_copy_t *c = &r->copies[g->example];
        group_head(w, mt_kind_name(MT_KINDS_COPY, c->kind), g);
        mtr_jw_key(w, "largest");
        copy(w, f, c);
        mtr_jw_obj_end(w);
    }
    mtr_jw_arr_end(w);
    mtr_jw_ku64(w, "stall_count", r->nstalls);
    mtr_jw_key(w, "stall_groups");
    mtr_jw_arr(w);
    for (size_t i = 0; i < r->nstall_groups; i++) {
        const mtr_event_group_t *g = &r->stall_groups[i];
        const mtr_stall_t *s = &r->stalls[g->example];
        group_head(w, mtr_stall_kind_names[s->kind], g);
        mtr_jw_key(w, "longest");
        stall(w, f, s);
        mtr_jw_obj_end(w);
    }
    mtr_jw_arr_end(w);
}

void mtr_json_report(FILE *out, const mtr_report_t *r, mtr_frames_t *f, size_t top, int grouped)
{
    mtr_jsonw_t w;
    mtr_jw_init(&w, out);
    mtr_jw_obj(&w);
    mtr_jw_ku64(&w, "schema", MTR_JSON_SCHEMA);
    mtr_jw_ku64(&w, "trace_schema", (uint64_t)r->run->schema_version);
    mtr_json_run(&w, r);
    mtr_jw_key(&w, "totals");
    mtr_jw_obj(&w);
    mtr_json_totals(&w, r);
    mtr_jw_obj_end(&w);
    mtr_jw_key(&w, "peak");
    mtr_jw_obj(&w);
    mtr_json_peak(&w, r);
    mtr_jw_ku64(&w, "stack_count", r->peak.nstacks);
    mtr_jw_key(&w, "stacks");
    uses(&w, f, r->peak.stacks, r->peak.nstacks, top);
    mtr_jw_obj_end(&w);
    mtr_jw_key(&w, "leaks");
    mtr_jw_obj(&w);
    mtr_jw_ku64(&w, "bytes", r->leaked_bytes);
    mtr_jw_ku64(&w, "stack_count", r->nleaks);
    mtr_jw_key(&w, "stacks");
    uses(&w, f, r->leaks, r->nleaks, top);
    mtr_jw_obj_end(&w);
    mtr_jw_ku64(&w, "payload_bytes", r->payload_bytes);
    mtr_jw_ku64(&w, "baseline_bytes", r->baseline_bytes);
    mtr_jw_ki64(&w, "extra_copies", r->extra_copies);
    mtr_jw_key(&w, "peak_buffers");
    mtr_jw_arr(&w);
    for (size_t i = 0; i < r->nbuffers; i++) {
        const mtr_peak_buffer_t *b = &r->buffers[i];
        mtr_jw_obj(&w);
        mtr_jw_kstr(&w, "kind", b->group ? "group" : "buffer");
        mtr_jw_ku64(&w, "bytes", b->bytes);
        mtr_jw_ku64(&w, "count", b->count);
        if (!b->group)
            mtr_jw_ku64(&w, "allocated_ns", b->ts);
        mtr_jw_key(&w, "stack");
        mtr_json_stack(&w, f, b->stack);
        mtr_jw_key(&w, "filled_by");
        mtr_jw_arr(&w);
        for (size_t k = 0; k < b->nfill; k++)
            copy(&w, f, &r->fills[b->first_fill + k]);
        mtr_jw_arr_end(&w);
        mtr_jw_obj_end(&w);
    }
    mtr_jw_arr_end(&w);
    mtr_jw_ku64(&w, "copy_count", r->ncopies);
    if (grouped) {
        groups(&w, f, r, top);
    } else {
        mtr_jw_key(&w, "copies");
        mtr_jw_arr(&w);
        for (size_t i = 0; i < r->ncopies && (!top || i < top); i++)
            copy(&w, f, &r->copies[i]);
        mtr_jw_arr_end(&w);
        mtr_jw_ku64(&w, "stall_count", r->nstalls);
        mtr_jw_key(&w, "stalls");
        mtr_jw_arr(&w);
        for (size_t i = 0; i < r->nstalls; i++)
            stall(&w, f, &r->stalls[i]);
        mtr_jw_arr_end(&w);
    }
    mtr_json_regions(&w, r);
    mtr_jw_obj_end(&w);
    fputc('\n', out);
}
