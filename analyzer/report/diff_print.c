/* The diff's output (see diff_print.h): the comparison model/diff.c made,
 * for a person and as JSON; the stacks are printed from the trace they came
 * from (the base's for a stack that is gone). */
#include "analyzer/report/diff_print.h"

#include "analyzer/report/json.h"
#include "analyzer/report/jsonw.h"
#include "analyzer/report/text.h"

/* ---- text ---- */

static const char *signed_bytes(int64_t v, char *buf)
{
    char h[32];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    snprintf(buf, 40, "%s%s", v < 0 ? "-" : v > 0 ? "+" : "", mt_size_text(mag, h));
    return buf;
}

static void row_bytes(FILE *out, const char *label, mtr_delta_t v)
{
    char a[32], b[32], c[40];
    fprintf(out, "  %-22s %12s %12s %12s", label, mt_size_text((uint64_t)v.base, a),
            mt_size_text((uint64_t)v.run, b), signed_bytes(v.delta, c));
    if (v.base && v.delta)
        fprintf(out, " (%+.1f%%)", 100.0 * (double)v.delta / (double)v.base);
    fputc('\n', out);
}

static void row_count(FILE *out, const char *label, mtr_delta_t v)
{
    fprintf(out, "  %-22s %12lld %12lld %+12lld\n", label, (long long)v.base, (long long)v.run,
            (long long)v.delta);
}

static void stack_list(FILE *out, const mtr_diff_t *d, const char *title,
                       const mtr_diff_stack_t *s, size_t n, size_t top)
{
    char a[32], b[32], c[40];
    fprintf(out, "\n%s  %zu\n", title, n);
    for (size_t i = 0; i < n && (!top || i < top); i++) {
        fprintf(out, "  %10s  %s: %s -> %s, %llu -> %llu block%s\n", signed_bytes(s[i].delta_bytes, c),
                mtr_diff_status_names[s[i].status], mt_size_text(s[i].base_bytes, a),
                mt_size_text(s[i].run_bytes, b), (unsigned long long)s[i].base_count,
                (unsigned long long)s[i].run_count, s[i].run_count == 1 ? "" : "s");
        if (s[i].status == MTR_DIFF_GONE)
            mtr_text_stack(out, d->base_frames, s[i].base_stack, "      ", 6);
        else
            mtr_text_stack(out, d->run_frames, s[i].run_stack, "      ", 6);
    }
    if (top && n > top)
        fprintf(out, "  ... %zu more\n", n - top);
}

void mtr_diff_text(FILE *out, const mtr_diff_t *d, size_t top)
{
    fprintf(out, "base: %s (%s)\n", d->base->run->path,
            d->base->run->command ? d->base->run->command : "?");
    fprintf(out, "run:  %s (%s)\n\n", d->run->run->path,
            d->run->run->command ? d->run->run->command : "?");
    fprintf(out, "  %-22s %12s %12s %12s\n", "", "base", "run", "change");
    row_bytes(out, "peak memory", d->peak_bytes);
    row_bytes(out, "peak heap", d->peak_heap_bytes);
    row_count(out, "extra copies", d->extra_copies);
    row_count(out, "copies", d->copies);
    row_bytes(out, "copied bytes", d->copied_bytes);
    row_count(out, "stalls", d->stalls);
    for (int k = 0; k < MTR_STALL_KINDS; k++)
        if (d->stalls_by_kind[k].base || d->stalls_by_kind[k].run) {
            char label[40];
            snprintf(label, sizeof label, "  %s", mtr_stall_kind_names[k]);
            row_count(out, label, d->stalls_by_kind[k]);
        }
    stack_list(out, d, "GREW AT THE PEAK", d->grew, d->ngrew, top);
    stack_list(out, d, "SHRANK AT THE PEAK", d->shrank, d->nshrank, top);
}

/* ---- JSON ---- */

static void jdelta(mtr_jsonw_t *w, const char *key, mtr_delta_t v)
{
    mtr_jw_key(w, key);
    mtr_jw_obj(w);
    mtr_jw_ki64(w, "base", v.base);
    mtr_jw_ki64(w, "run", v.run);
    mtr_jw_ki64(w, "delta", v.delta);
    mtr_jw_obj_end(w);
}

static void jside(mtr_jsonw_t *w, const char *key, const mtr_report_t *r)
{
    mtr_jw_key(w, key);
    mtr_jw_obj(w);
    mtr_jw_kstr(w, "path", r->run->path);
    mtr_jw_kstr(w, "command", r->run->command);
    mtr_jw_kbool(w, "complete", r->run->complete);
    mtr_jw_obj_end(w);
}

static void jstacks(mtr_jsonw_t *w, const mtr_diff_t *d, const char *key,
                    const mtr_diff_stack_t *s, size_t n, size_t top)
{
    mtr_jw_key(w, key);
    mtr_jw_arr(w);
    for (size_t i = 0; i < n && (!top || i < top); i++) {
        mtr_jw_obj(w);
        mtr_jw_kstr(w, "status", mtr_diff_status_names[s[i].status]);
        mtr_jw_ku64(w, "base_bytes", s[i].base_bytes);
        mtr_jw_ku64(w, "run_bytes", s[i].run_bytes);
        mtr_jw_ki64(w, "delta_bytes", s[i].delta_bytes);
        mtr_jw_ku64(w, "base_count", s[i].base_count);
        mtr_jw_ku64(w, "run_count", s[i].run_count);
        mtr_jw_key(w, "stack");
        if (s[i].status == MTR_DIFF_GONE)
            mtr_json_stack(w, d->base_frames, s[i].base_stack);
        else
            mtr_json_stack(w, d->run_frames, s[i].run_stack);
        mtr_jw_obj_end(w);
    }
    mtr_jw_arr_end(w);
}

void mtr_diff_json(FILE *out, const mtr_diff_t *d, size_t top)
{
    mtr_jsonw_t w;
    mtr_jw_init(&w, out);
    mtr_jw_obj(&w);
    mtr_jw_ku64(&w, "schema", MTR_DIFF_JSON_SCHEMA);
    jside(&w, "base", d->base);
    jside(&w, "run", d->run);
    jdelta(&w, "peak_bytes", d->peak_bytes);
    jdelta(&w, "peak_heap_bytes", d->peak_heap_bytes);
    jdelta(&w, "extra_copies", d->extra_copies);
    jdelta(&w, "copies", d->copies);
    jdelta(&w, "copied_bytes", d->copied_bytes);
    mtr_jw_key(&w, "stalls");
    mtr_jw_obj(&w);
    jdelta(&w, "total", d->stalls);
    for (int k = 0; k < MTR_STALL_KINDS; k++)
        jdelta(&w, mtr_stall_kind_names[k], d->stalls_by_kind[k]);
    mtr_jw_obj_end(&w);
    mtr_jw_key(&w, "stacks");
    mtr_jw_obj(&w);
    mtr_jw_ku64(&w, "grew_count", d->ngrew);
    mtr_jw_ku64(&w, "shrank_count", d->nshrank);
    jstacks(&w, d, "grew", d->grew, d->ngrew, top);
    jstacks(&w, d, "shrank", d->shrank, d->nshrank, top);
    mtr_jw_obj_end(&w);
    mtr_jw_obj_end(&w);
    fputc('\n', out);
}
