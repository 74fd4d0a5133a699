/* The chunk compressors numcodecs 0.11 offers zarr-python 2.13, producing the
 * same bytes: Blosc (c-blosc 1.x, typesize 8, byte shuffle, automatic block
 * size) and Zstd (one frame with its content size).  The caller owns every
 * buffer, so each pipeline decides where its copies go. */
#ifndef WL_CODEC_H
#define WL_CODEC_H

#include <stddef.h>

typedef enum { WL_CODEC_NONE, WL_CODEC_BLOSC, WL_CODEC_ZSTD } wl_codec_kind_t;

typedef struct {
    wl_codec_kind_t kind;
    char cname[16]; /* blosc inner compressor: "lz4", "zstd", ... */
    int clevel;     /* blosc */
    int shuffle;    /* blosc: 0 none, 1 byte, 2 bit */
    int blocksize;  /* blosc: 0 = automatic */
    int level;      /* zstd */
} wl_codec_t;

/* "none", "blosc-lz4", "blosc-zstd" or "zstd" with numcodecs' defaults. */
int wl_codec_from_name(const char *name, wl_codec_t *c);
/* The name above for a codec read from metadata ("blosc-lz4hc" for others). */
void wl_codec_name(const wl_codec_t *c, char *out, size_t cap);

/* Worst-case encoded size of n bytes: the buffer numcodecs allocates first. */
size_t wl_codec_bound(const wl_codec_t *c, size_t n);
/* Encodes n bytes into dst (cap >= bound); returns 0 and the encoded size. */
int wl_codec_encode(const wl_codec_t *c, const void *src, size_t n, void *dst, size_t cap,
                    size_t *out_n);
/* Decodes exactly `expect` bytes into dst, refusing any other decoded size. */
int wl_codec_decode(const wl_codec_t *c, const void *src, size_t n, void *dst, size_t expect);

#endif
