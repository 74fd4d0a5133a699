/* Two runs compared (see diff.h).  Stacks are joined by a text key made of
 * their frames: each run's peak stacks are keyed, sorted by key, folded
 * (several nodes can share frames) and merge-joined. */
#include "analyzer/model/diff.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer/grow.h"
#include "analyzer/report/json.h"
#include "analyzer/report/jsonw.h"
#include "analyzer/report/text.h"

const char *const mtr_diff_status_names[4] = {"new", "grew", "shrank", "gone"};

/* ---- matching stacks ---- */

typedef struct {
    char *key;
    uint32_t stack;     /* the node holding the most bytes among those folded */
    uint64_t top_bytes; /* that node's bytes */
    uint64_t bytes, count;
} keyed_t;

typedef struct {
    mtr_diff_stack_t s;
    const char *key;
} entry_t;

static const char *base_name(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path;
}

/* The frames of a stack as one string, a line per frame.  The module's file
 * name, not its path, so a build tree moved between the runs still matches. */
static char *stack_key(mtr_frames_t *f, uint32_t stack)
{
    const mtr_sframe_t *fr;
    size_t n = mtr_frames_get(f, stack, &fr);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        mtr_out_of_memory();
    for (size_t i = 0; i < n; i++) {
        if (fr[i].function)
            fprintf(m, "%s\n", fr[i].function);
        else
            fprintf(m, "%s+0x%llx\n", fr[i].module ? base_name(fr[i].module) : "?",
                    (unsigned long long)fr[i].offset);
    }
    fclose(m);
    return buf;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const keyed_t *)a)->key, ((const keyed_t *)b)->key);
}

/* The peak stacks of one run keyed, sorted and folded; returns the count. */
static size_t keyed_stacks(const mtr_report_t *r, mtr_frames_t *f, keyed_t **out)
{
    keyed_t *k = mtr_calloc(r->peak.nstacks, sizeof *k);
    for (size_t i = 0; i < r->peak.nstacks; i++) {
        const mtr_stack_use_t *u = &r->peak.stacks[i];
        k[i] = (keyed_t){stack_key(f, u->stack), u->stack, u->bytes, u->bytes, u->count};
    }
    qsort(k, r->peak.nstacks, sizeof *k, by_key);
    size_t n = 0;
    for (size_t i = 0; i < r->peak.nstacks; i++) {
        if (n && strcmp(k[n - 1].key, k[i].key) == 0) {
            keyed_t *into = &k[n - 1];
            into->bytes += k[i].bytes;
            into->count += k[i].count;
            if (k[i].top_bytes > into->top_bytes) {
                into->top_bytes = k[i].top_bytes;
                into->stack = k[i].stack;
            }
            free(k[i].key);
        } else {
            k[n++] = k[i];
        }
    }
    *out = k;
    return n;
}

static int grew_first(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->s.delta_bytes != y->s.delta_bytes)
        return x->s.delta_bytes < y->s.delta_bytes ? 1 : -1;
    return strcmp(x->key, y->key);
}

static int shrank_first(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->s.delta_bytes != y->s.delta_bytes)
        return x->s.delta_bytes > y->s.delta_bytes ? 1 : -1;
    return strcmp(x->key, y->key);
}

static mtr_diff_stack_t *unwrap(entry_t *e, size_t n)
{
    mtr_diff_stack_t *s = mtr_realloc(NULL, n, sizeof *s);
    for (size_t i = 0; i < n; i++)
        s[i] = e[i].s;
    return s;
}

static void match_stacks(mtr_diff_t *d)
{
    keyed_t *b, *r;
    size_t nb = keyed_stacks(d->base, d->base_frames, &b);
    size_t nr = keyed_stacks(d->run, d->run_frames, &r);
    entry_t *up = mtr_calloc(nb + nr + 1, sizeof *up), *down = mtr_calloc(nb + nr + 1, sizeof *down);
    size_t nup = 0, ndown = 0, i = 0, j = 0;
    while (i < nb || j < nr) {
        int c = i == nb ? 1 : j == nr ? -1 : strcmp(b[i].key, r[j].key);
        const keyed_t *kb = c <= 0 ? &b[i++] : NULL;
        const keyed_t *kr = c >= 0 ? &r[j++] : NULL;
        mtr_diff_stack_t s = {0};
        if (kb) {
            s.base_stack = kb->stack;
            s.base_bytes = kb->bytes;
            s.base_count = kb->count;
        }
        if (kr) {
            s.run_stack = kr->stack;
            s.run_bytes = kr->bytes;
            s.run_count = kr->count;
        }
        s.delta_bytes = (int64_t)s.run_bytes - (int64_t)s.base_bytes;
        const char *key = kr ? kr->key : kb->key;
        if (s.delta_bytes > 0) {
            s.status = kb ? MTR_DIFF_GREW : MTR_DIFF_NEW;
            up[nup++] = (entry_t){s, key};
        } else if (s.delta_bytes < 0) {
            s.status = kr ? MTR_DIFF_SHRANK : MTR_DIFF_GONE;
            down[ndown++] = (entry_t){s, key};
        }
    }
    qsort(up, nup, sizeof *up, grew_first);
    qsort(down, ndown, sizeof *down, shrank_first);
    d->grew = unwrap(up, nup);
    d->ngrew = nup;
    d->shrank = unwrap(down, ndown);
    d->nshrank = ndown;
    free(up);
    free(down);
    for (size_t k = 0; k < nb; k++)
        free(b[k].key);
    for (size_t k = 0; k < nr; k++)
        free(r[k].key);
    free(b);
    free(r);
}

/* ---- the numbers ---- */

static mtr_delta_t delta(uint64_t base, uint64_t run)
{
    return (mtr_delta_t){(int64_t)base, (int64_t)run, (int64_t)run - (int64_t)base};
}

void mtr_diff_compute(const mtr_report_t *base, mtr_frames_t *base_frames,
                      const mtr_report_t *run, mtr_frames_t *run_frames, mtr_diff_t *d)
{
    memset(d, 0, sizeof *d);
    d->base = base;
    d->run = run;
    d->base_frames = base_frames;
    d->run_frames = run_frames;
    d->peak_bytes = delta(base->peak.total_bytes, run->peak.total_bytes);
    d->peak_heap_bytes = delta(base->peak.heap_bytes, run->peak.heap_bytes);
    d->extra_copies = delta((uint64_t)base->extra_copies, (uint64_t)run->extra_copies);
    d->copies = delta(base->totals.copies, run->totals.copies);
    d->copied_bytes = delta(base->totals.copied_bytes, run->totals.copied_bytes);
    uint64_t nb[MTR_STALL_KINDS] = {0}, nr[MTR_STALL_KINDS] = {0};
    for (size_t i = 0; i < base->nstalls; i++)
        nb[base->stalls[i].kind]++;
    for (size_t i = 0; i < run->nstalls; i++)
        nr[run->stalls[i].kind]++;
    for (int k = 0; k < MTR_STALL_KINDS; k++)
        d->stalls_by_kind[k] = delta(nb[k], nr[k]);
    d->stalls = delta(base->nstalls, run->nstalls);
    match_stacks(d);
}

void mtr_diff_free(mtr_diff_t *d)
{
    free(d->grew);
    free(d->shrank);
    memset(d, 0, sizeof *d);
}

/* ---- text ---- */

static const char *signed_bytes(int64_t v, char *buf)
{
    char h[32];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    snprintf(buf, 40, "%s%s", v < 0 ? "-" : v > 0 ? "+" : "", mtr_human_bytes(mag, h));
    return buf;
}

static void row_bytes(FILE *out, const char *label, mtr_delta_t v)
{
    char a[32], b[32], c[40];
    fprintf(out, "  %-22s %12s %12s %12s", label, mtr_human_bytes((uint64_t)v.base, a),
            mtr_human_bytes((uint64_t)v.run, b), signed_bytes(v.delta, c));
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
                mtr_diff_status_names[s[i].status], mtr_human_bytes(s[i].base_bytes, a),
                mtr_human_bytes(s[i].run_bytes, b), (unsigned long long)s[i].base_count,
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
    mtr_jw_key(w, "base");
    mtr_jw_i64(w, v.base);
    mtr_jw_key(w, "run");
    mtr_jw_i64(w, v.run);
    mtr_jw_key(w, "delta");
    mtr_jw_i64(w, v.delta);
    mtr_jw_obj_end(w);
}

static void jside(mtr_jsonw_t *w, const char *key, const mtr_report_t *r)
{
    mtr_jw_key(w, key);
    mtr_jw_obj(w);
    mtr_jw_key(w, "path");
    mtr_jw_str(w, r->run->path);
    mtr_jw_key(w, "command");
    mtr_jw_str(w, r->run->command);
    mtr_jw_key(w, "complete");
    mtr_jw_bool(w, r->run->complete);
    mtr_jw_obj_end(w);
}

static void jstacks(mtr_jsonw_t *w, const mtr_diff_t *d, const char *key,
                    const mtr_diff_stack_t *s, size_t n, size_t top)
{
    mtr_jw_key(w, key);
    mtr_jw_arr(w);
    for (size_t i = 0; i < n && (!top || i < top); i++) {
        mtr_jw_obj(w);
        mtr_jw_key(w, "status");
        mtr_jw_str(w, mtr_diff_status_names[s[i].status]);
        mtr_jw_key(w, "base_bytes");
        mtr_jw_u64(w, s[i].base_bytes);
        mtr_jw_key(w, "run_bytes");
        mtr_jw_u64(w, s[i].run_bytes);
        mtr_jw_key(w, "delta_bytes");
        mtr_jw_i64(w, s[i].delta_bytes);
        mtr_jw_key(w, "base_count");
        mtr_jw_u64(w, s[i].base_count);
        mtr_jw_key(w, "run_count");
        mtr_jw_u64(w, s[i].run_count);
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
    mtr_jw_key(&w, "schema");
    mtr_jw_u64(&w, MTR_DIFF_JSON_SCHEMA);
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
    mtr_jw_key(&w, "grew_count");
    mtr_jw_u64(&w, d->ngrew);
    mtr_jw_key(&w, "shrank_count");
    mtr_jw_u64(&w, d->nshrank);
    jstacks(&w, d, "grew", d->grew, d->ngrew, top);
    jstacks(&w, d, "shrank", d->shrank, d->nshrank, top);
    mtr_jw_obj_end(&w);
    mtr_jw_obj_end(&w);
    fputc('\n', out);
}
