/* Regions in the reports (see regions_print.h). */
#include "analyzer/report/regions_print.h"

#include <string.h>

#include "analyzer/report/text.h"
#include "format/size.h"

static uint64_t rel(const mtr_report_t *r, uint64_t ts)
{
    return ts > r->run->start_ns ? ts - r->run->start_ns : 0;
}

void mtr_text_region_header(FILE *out, const mtr_report_t *r)
{
    if (r->region)
        fprintf(out, "region:    %s (peak, copies and stalls inside it; leaks: what it allocated"
                     " and left live at its end)\n", r->region);
}

static const char *plural(uint64_t n) { return n == 1 ? "" : "s"; }

/* One line per name: when, then what --region NAME reports of it. */
static void text_sum(FILE *out, const mtr_report_t *r, const mtr_region_sum_t *s)
{
    const mtr_region_t *g = NULL;
    for (size_t i = 0; i < r->nregions && !g; i++)
        if (!strcmp(r->regions[i].name, s->name))
            g = &r->regions[i];
    char a[32], b[32], c[32];
    fprintf(out, "  %*s%s  ", 2 * s->depth, "", s->name);
    if (s->count == 1)
        fprintf(out, "thread %u, at %s for %s%s", g->tid, mtr_human_ns(rel(r, g->begin_ns), a),
                mtr_human_ns(s->duration_ns, b), g->open ? " (never ended)" : "");
    else
        fprintf(out, "%llu times, first at %s, %s in all", (unsigned long long)s->count,
                mtr_human_ns(rel(r, g->begin_ns), a), mtr_human_ns(s->duration_ns, b));
    fprintf(out, ": peak %s, %llu cop%s (%s), %lld extra cop%s, %llu stall%s, leaks %s\n",
            mt_size_text(s->peak_bytes, a), (unsigned long long)s->copies,
            s->copies == 1 ? "y" : "ies", mt_size_text(s->copied_bytes, b),
            (long long)s->extra_copies, s->extra_copies == 1 ? "y" : "ies",
            (unsigned long long)s->stalls, plural(s->stalls),
            mt_size_text(s->leaked_bytes, c));
}

void mtr_text_regions(FILE *out, const mtr_report_t *r)
{
    if (!r->nregions)
        return;
    if (r->nregion_sums) {
        fprintf(out, "\nREGIONS  %zu (%zu name%s; each as --region NAME reports it)\n",
                r->nregions, r->nregion_sums, plural(r->nregion_sums));
        for (size_t i = 0; i < r->nregion_sums; i++)
            text_sum(out, r, &r->region_sums[i]);
        return;
    }
    fprintf(out, "\nREGIONS  %zu\n", r->nregions);
    for (size_t i = 0; i < r->nregions; i++) {
        const mtr_region_t *g = &r->regions[i];
        char a[32], b[32];
        fprintf(out, "  %*s%s  thread %u, at %s for %s%s\n", 2 * g->depth, "", g->name, g->tid,
                mtr_human_ns(rel(r, g->begin_ns), a), mtr_human_ns(g->end_ns - g->begin_ns, b),
                g->open ? " (never ended)" : "");
    }
}

void mtr_json_regions(mtr_jsonw_t *w, const mtr_report_t *r)
{
    mtr_jw_key(w, "region");
    mtr_jw_str(w, r->region);
    mtr_jw_key(w, "regions");
    mtr_jw_arr(w);
    for (size_t i = 0; i < r->nregions; i++) {
        const mtr_region_t *g = &r->regions[i];
        mtr_jw_obj(w);
        mtr_jw_kstr(w, "name", g->name);
        mtr_jw_ku64(w, "tid", g->tid);
        mtr_jw_ku64(w, "depth", (uint64_t)g->depth);
        mtr_jw_ki64(w, "parent", g->parent);
        mtr_jw_ku64(w, "begin_ns", rel(r, g->begin_ns));
        mtr_jw_ku64(w, "duration_ns", g->end_ns - g->begin_ns);
        mtr_jw_kbool(w, "open", g->open);
        mtr_jw_obj_end(w);
    }
    mtr_jw_arr_end(w);
    mtr_json_region_figures(w, r);
}

void mtr_json_region_figures(mtr_jsonw_t *w, const mtr_report_t *r)
{
    mtr_jw_key(w, "region_figures");
    mtr_jw_arr(w);
    for (size_t i = 0; i < r->nregion_sums; i++) {
        const mtr_region_sum_t *s = &r->region_sums[i];
        mtr_jw_obj(w);
        mtr_jw_kstr(w, "name", s->name);
        mtr_jw_ku64(w, "count", s->count);
        mtr_jw_ku64(w, "duration_ns", s->duration_ns);
        mtr_jw_ku64(w, "peak_bytes", s->peak_bytes);
        mtr_jw_ku64(w, "peak_ns", s->peak_ns);
        mtr_jw_ku64(w, "copies", s->copies);
        mtr_jw_ku64(w, "copied_bytes", s->copied_bytes);
        mtr_jw_ki64(w, "extra_copies", s->extra_copies);
        mtr_jw_ku64(w, "stalls", s->stalls);
        mtr_jw_ku64(w, "leaks", s->leaks);
        mtr_jw_ku64(w, "leaked_bytes", s->leaked_bytes);
        mtr_jw_obj_end(w);
    }
    mtr_jw_arr_end(w);
}
