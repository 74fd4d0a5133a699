/* The JSON writer (see jsonw.h). */
#include "analyzer/report/jsonw.h"

#include <math.h>

void mtr_jw_init(mtr_jsonw_t *w, FILE *out)
{
    w->out = out;
    w->depth = 0;
    w->first[0] = 1;
    w->after_key = 0;
}

static void sep(mtr_jsonw_t *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (!w->first[w->depth])
        fputc(',', w->out);
    w->first[w->depth] = 0;
}

static void open(mtr_jsonw_t *w, char c)
{
    sep(w);
    fputc(c, w->out);
    if (w->depth < 63)
        w->depth++;
    w->first[w->depth] = 1;
}

static void close_(mtr_jsonw_t *w, char c)
{
    if (w->depth > 0)
        w->depth--;
    fputc(c, w->out);
}

void mtr_jw_obj(mtr_jsonw_t *w) { open(w, '{'); }
void mtr_jw_obj_end(mtr_jsonw_t *w) { close_(w, '}'); }
void mtr_jw_arr(mtr_jsonw_t *w) { open(w, '['); }
void mtr_jw_arr_end(mtr_jsonw_t *w) { close_(w, ']'); }

/* Length of the well-formed UTF-8 sequence at p (1-4), or 0 when p starts
 * an ill-formed one (Unicode's table 3-7: no overlongs, no surrogates,
 * nothing past U+10FFFF); a NUL ends the string wherever it falls. */
static int utf8_len(const unsigned char *p)
{
    unsigned char lo = 0x80, hi = 0xbf;
    int n;
    if (p[0] < 0x80)
        return 1;
    else if (p[0] >= 0xc2 && p[0] <= 0xdf)
        n = 2;
    else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        lo = p[0] == 0xe0 ? 0xa0 : 0x80;
        hi = p[0] == 0xed ? 0x9f : 0xbf;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        lo = p[0] == 0xf0 ? 0x90 : 0x80;
        hi = p[0] == 0xf4 ? 0x8f : 0xbf;
    } else
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (int i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

/* Traced command lines and file names are bytes, not text, and strict
 * decoders (Python's, Node's) reject a file that is not UTF-8: each byte of
 * an ill-formed sequence becomes U+FFFD. */
static void raw_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = utf8_len(p);
        if (n == 0) {
            fputs("\\ufffd", out); /* escaped: the output stays ASCII there */
            n = 1;
        } else if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\u%04x", *p);
        else
            fwrite(p, 1, (size_t)n, out);
        p += n;
    }
    fputc('"', out);
}

void mtr_jw_key(mtr_jsonw_t *w, const char *k)
{
    sep(w);
    raw_str(w->out, k);
    fputc(':', w->out);
    w->after_key = 1;
}

void mtr_jw_str(mtr_jsonw_t *w, const char *s)
{
    sep(w);
    if (s)
        raw_str(w->out, s);
    else
        fputs("null", w->out);
}

void mtr_jw_u64(mtr_jsonw_t *w, uint64_t v)
{
    sep(w);
    fprintf(w->out, "%llu", (unsigned long long)v);
}

void mtr_jw_i64(mtr_jsonw_t *w, int64_t v)
{
    sep(w);
    fprintf(w->out, "%lld", (long long)v);
}

void mtr_jw_dbl(mtr_jsonw_t *w, double v)
{
    sep(w);
    if (isfinite(v))
        fprintf(w->out, "%.6g", v);
    else
        fputs("null", w->out);
}

void mtr_jw_bool(mtr_jsonw_t *w, int v)
{
    sep(w);
    fputs(v ? "true" : "false", w->out);
}

void mtr_jw_null(mtr_jsonw_t *w)
{
    sep(w);
    fputs("null", w->out);
}

/* Each keyed writer is mtr_jw_key and the value's own writer, nothing more. */
#define KEYED_(name, type)                                                     \
    void mtr_jw_k##name(mtr_jsonw_t *w, const char *k, type v)                 \
    {                                                                          \
        mtr_jw_key(w, k);                                                      \
        mtr_jw_##name(w, v);                                                   \
    }
KEYED_(str, const char *)
KEYED_(u64, uint64_t)
KEYED_(i64, int64_t)
KEYED_(dbl, double)
KEYED_(bool, int)
#undef KEYED_
