/* Zarr v2 metadata, byte-compatible with zarr-python 2.13 + numcodecs 0.11. */
#include "workloads/zarr.h"

#include "workloads/common.h"
#include "workloads/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *format_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *format_alloc(const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0) {
        wl_error("out of memory formatting metadata");
        return NULL;
    }
    return s;
}

char *wl_zarray_format(const wl_zarr_meta_t *m)
{
    char comp[256];
    const wl_codec_t *c = &m->codec;
    if (c->kind == WL_CODEC_BLOSC)
        snprintf(comp, sizeof comp,
                 "{\n        \"blocksize\": %d,\n        \"clevel\": %d,\n"
                 "        \"cname\": \"%s\",\n        \"id\": \"blosc\",\n"
                 "        \"shuffle\": %d\n    }",
                 c->blocksize, c->clevel, c->cname, c->shuffle);
    else if (c->kind == WL_CODEC_ZSTD)
        snprintf(comp, sizeof comp, "{\n        \"id\": \"zstd\",\n        \"level\": %d\n    }",
                 c->level);
    else
        snprintf(comp, sizeof comp, "null");
    return format_alloc("{\n    \"chunks\": [\n        %llu\n    ],\n"
                        "    \"compressor\": %s,\n"
                        "    \"dtype\": \"<f8\",\n    \"fill_value\": 0.0,\n"
                        "    \"filters\": null,\n    \"order\": \"C\",\n"
                        "    \"shape\": [\n        %llu\n    ],\n"
                        "    \"zarr_format\": 2\n}",
                        (unsigned long long)m->chunks, comp, (unsigned long long)m->shape);
}

char *wl_zattrs_format(uint64_t seed)
{
    return format_alloc("{\n    \"" WL_SEED_ATTR "\": %llu\n}", (unsigned long long)seed);
}

static int parse_compressor(const char *v, const char *where, wl_codec_t *c)
{
    char id[16];
    memset(c, 0, sizeof *c);
    if (wl_json_is_null(v)) {
        c->kind = WL_CODEC_NONE;
        return 0;
    }
    if (wl_json_string(wl_json_member(v, "id"), id, sizeof id) < 0) {
        wl_error("%s: compressor has no \"id\"", where);
        return -1;
    }
    uint64_t n;
    if (strcmp(id, "blosc") == 0) {
        c->kind = WL_CODEC_BLOSC;
        /* Decoding needs none of the parameters; keep them for the summary. */
        if (wl_json_string(wl_json_member(v, "cname"), c->cname, sizeof c->cname) < 0)
            snprintf(c->cname, sizeof c->cname, "?");
        if (wl_json_u64(wl_json_member(v, "clevel"), &n) == 0)
            c->clevel = (int)n;
        if (wl_json_u64(wl_json_member(v, "shuffle"), &n) == 0)
            c->shuffle = (int)n;
        return 0;
    }
    if (strcmp(id, "zstd") == 0) {
        c->kind = WL_CODEC_ZSTD;
        if (wl_json_u64(wl_json_member(v, "level"), &n) == 0)
            c->level = (int)n;
        return 0;
    }
    wl_error("%s: unsupported compressor \"%s\" (blosc, zstd or null)", where, id);
    return -1;
}

int wl_zarray_parse(const char *json, const char *where, wl_zarr_meta_t *m)
{
    char s[16];
    uint64_t format;
    if (wl_json_u64(wl_json_member(json, "zarr_format"), &format) < 0 || format != 2) {
        wl_error("%s: not Zarr v2 metadata (zarr_format must be 2)", where);
        return -1;
    }
    if (wl_json_string(wl_json_member(json, "dtype"), s, sizeof s) < 0 || strcmp(s, "<f8") != 0) {
        wl_error("%s: dtype must be \"<f8\"", where);
        return -1;
    }
    if (wl_json_string(wl_json_member(json, "order"), s, sizeof s) < 0 || strcmp(s, "C") != 0) {
        wl_error("%s: order must be \"C\"", where);
        return -1;
    }
    const char *filters = wl_json_member(json, "filters");
    if (filters && !wl_json_is_null(filters)) {
        wl_error("%s: filters are not supported", where);
        return -1;
    }
    if (wl_json_u64_single(wl_json_member(json, "shape"), &m->shape) < 0 ||
        wl_json_u64_single(wl_json_member(json, "chunks"), &m->chunks) < 0) {
        wl_error("%s: shape and chunks must be one-dimensional", where);
        return -1;
    }
    if (m->shape == 0 || m->chunks == 0 || m->shape > SIZE_MAX / WL_ZARR_ELEM ||
        m->chunks > SIZE_MAX / WL_ZARR_ELEM) {
        wl_error("%s: shape %llu / chunks %llu out of range", where,
                 (unsigned long long)m->shape, (unsigned long long)m->chunks);
        return -1;
    }
    const char *comp = wl_json_member(json, "compressor");
    if (!comp) {
        wl_error("%s: no \"compressor\"", where);
        return -1;
    }
    return parse_compressor(comp, where, &m->codec);
}

int wl_zattrs_seed(const char *json, const char *where, uint64_t *seed)
{
    if (wl_json_u64(wl_json_member(json, WL_SEED_ATTR), seed) < 0) {
        wl_error("%s: no integer \"" WL_SEED_ATTR "\" attribute", where);
        return -1;
    }
    return 0;
}

uint64_t wl_zarr_nchunks(const wl_zarr_meta_t *m)
{
    return (m->shape + m->chunks - 1) / m->chunks;
}

void wl_zarr_chunk_key(uint64_t i, char *out, size_t cap)
{
    snprintf(out, cap, "%llu", (unsigned long long)i);
}
