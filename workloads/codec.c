/* Blosc and Zstd as numcodecs 0.11 calls them.  numcodecs uses blosc_compress
 * under a global lock or blosc_compress_ctx; both give the same bytes, and the
 * _ctx form needs no global state. */
#include "workloads/codec.h"

#include "workloads/common.h"

#include <blosc.h>
#include <stdio.h>
#include <string.h>
#include <zstd.h>

#define TYPESIZE 8 /* float64: numcodecs passes the array's itemsize */

int wl_codec_from_name(const char *name, wl_codec_t *c)
{
    memset(c, 0, sizeof *c);
    if (strcmp(name, "none") == 0) {
        c->kind = WL_CODEC_NONE;
    } else if (strcmp(name, "blosc-lz4") == 0 || strcmp(name, "blosc-zstd") == 0) {
        c->kind = WL_CODEC_BLOSC;
        snprintf(c->cname, sizeof c->cname, "%s", name + strlen("blosc-"));
        c->clevel = 5;
        c->shuffle = BLOSC_SHUFFLE;
        c->blocksize = 0;
    } else if (strcmp(name, "zstd") == 0) {
        c->kind = WL_CODEC_ZSTD;
        c->level = 1;
    } else {
        wl_error("unknown codec '%s' (none, blosc-lz4, blosc-zstd, zstd)", name);
        return -1;
    }
    return 0;
}

void wl_codec_name(const wl_codec_t *c, char *out, size_t cap)
{
    switch (c->kind) {
    case WL_CODEC_NONE: snprintf(out, cap, "none"); break;
    case WL_CODEC_BLOSC: snprintf(out, cap, "blosc-%s", c->cname); break;
    case WL_CODEC_ZSTD: snprintf(out, cap, "zstd"); break;
    }
}

size_t wl_codec_bound(const wl_codec_t *c, size_t n)
{
    switch (c->kind) {
    case WL_CODEC_BLOSC: return n + BLOSC_MAX_OVERHEAD;
    case WL_CODEC_ZSTD: return ZSTD_compressBound(n);
    default: return n;
    }
}

int wl_codec_encode(const wl_codec_t *c, const void *src, size_t n, void *dst, size_t cap,
                    size_t *out_n)
{
    if (c->kind == WL_CODEC_BLOSC) {
        if (n > BLOSC_MAX_BUFFERSIZE) {
            wl_error("blosc: a chunk of %zu bytes exceeds blosc's 2 GiB limit", n);
            return -1;
        }
        int r = blosc_compress_ctx(c->clevel, c->shuffle, TYPESIZE, n, src, dst, cap, c->cname,
                                   (size_t)c->blocksize, 1);
        if (r <= 0) {
            wl_error("blosc: compression with '%s' failed (%d)", c->cname, r);
            return -1;
        }
        *out_n = (size_t)r;
        return 0;
    }
    if (c->kind == WL_CODEC_ZSTD) {
        size_t r = ZSTD_compress(dst, cap, src, n, c->level);
        if (ZSTD_isError(r)) {
            wl_error("zstd: compression failed: %s", ZSTD_getErrorName(r));
            return -1;
        }
        *out_n = r;
        return 0;
    }
    wl_error("internal: encode called without a compressor");
    return -1;
}

int wl_codec_decode(const wl_codec_t *c, const void *src, size_t n, void *dst, size_t expect)
{
    if (c->kind == WL_CODEC_BLOSC) {
        size_t nbytes = 0;
        if (blosc_cbuffer_validate(src, n, &nbytes) < 0) {
            wl_error("blosc: chunk of %zu bytes is not a valid blosc buffer", n);
            return -1;
        }
        if (nbytes != expect) {
            wl_error("blosc: chunk decodes to %zu bytes, expected %zu", nbytes, expect);
            return -1;
        }
        int r = blosc_decompress_ctx(src, dst, expect, 1);
        if (r < 0 || (size_t)r != expect) {
            wl_error("blosc: decompression failed (%d)", r);
            return -1;
        }
        return 0;
    }
    if (c->kind == WL_CODEC_ZSTD) {
        unsigned long long size = ZSTD_getFrameContentSize(src, n);
        if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
            wl_error("zstd: chunk of %zu bytes is not a zstd frame with a content size", n);
            return -1;
        }
        if (size != expect) {
            wl_error("zstd: chunk decodes to %llu bytes, expected %zu", size, expect);
            return -1;
        }
        size_t r = ZSTD_decompress(dst, expect, src, n);
        if (ZSTD_isError(r) || r != expect) {
            wl_error("zstd: decompression failed: %s",
                     ZSTD_isError(r) ? ZSTD_getErrorName(r) : "short output");
            return -1;
        }
        return 0;
    }
    wl_error("internal: decode called without a compressor");
    return -1;
}
