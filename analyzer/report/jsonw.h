/* A minimal streaming JSON writer: it tracks commas and nesting so callers
 * only say what comes next. */
#ifndef MTR_REPORT_JSONW_H
#define MTR_REPORT_JSONW_H

#include <stdint.h>
#include <stdio.h>

typedef struct mtr_jsonw {
    FILE *out;
    int depth;
    unsigned char first[64]; /* per level: nothing written yet */
    int after_key;
} mtr_jsonw_t;

void mtr_jw_init(mtr_jsonw_t *w, FILE *out);
void mtr_jw_obj(mtr_jsonw_t *w);
void mtr_jw_obj_end(mtr_jsonw_t *w);
void mtr_jw_arr(mtr_jsonw_t *w);
void mtr_jw_arr_end(mtr_jsonw_t *w);
void mtr_jw_key(mtr_jsonw_t *w, const char *k);
void mtr_jw_str(mtr_jsonw_t *w, const char *s); /* NULL writes null */
void mtr_jw_u64(mtr_jsonw_t *w, uint64_t v);
void mtr_jw_i64(mtr_jsonw_t *w, int64_t v);
void mtr_jw_dbl(mtr_jsonw_t *w, double v);
void mtr_jw_bool(mtr_jsonw_t *w, int v);
void mtr_jw_null(mtr_jsonw_t *w);

/* A member of the open object, "k": value, in one call. */
void mtr_jw_kstr(mtr_jsonw_t *w, const char *k, const char *s);
void mtr_jw_ku64(mtr_jsonw_t *w, const char *k, uint64_t v);
void mtr_jw_ki64(mtr_jsonw_t *w, const char *k, int64_t v);
void mtr_jw_kdbl(mtr_jsonw_t *w, const char *k, double v);
void mtr_jw_kbool(mtr_jsonw_t *w, const char *k, int v);

#endif
