/* Regions in the reports (see regions_print.h). */
#include "analyzer/report/regions_print.h"

#include "analyzer/report/text.h"

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

void mtr_text_regions(FILE *out, const mtr_report_t *r)
{
    if (!r->nregions)
        return;
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
}
