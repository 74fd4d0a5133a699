/* workload-write: fills a float64 array with seeded values and stores it as a
 * Zarr v2 array.  --pipeline naive copies where zarr-python 2 + numcodecs 0.11
 * + fsspec copy; zero-copy hands the array (or the one compressed buffer) to
 * the store as is.  Every buffer that models a copy lives alongside the array,
 * so peak heap = (1 + copies) x array:
 *   none:       naive 1 (bytes(memoryview) before the store)    zero-copy 0
 *   compressed: naive 2 (worst-case buffer, then dest[:cbytes]) zero-copy 1 */
#include "workloads/codec.h"
#include "workloads/common.h"
#include "workloads/rng.h"
#include "workloads/store.h"
#include "workloads/zarr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "usage: workload-write --store URL [--size MiB=100] [--chunks MiB] "
                            "[--codec none|blosc-lz4|blosc-zstd|zstd] "
                            "[--pipeline naive|zero-copy] [--seed N=1]";

static int put_text(wl_store_t *st, const char *key, char *text)
{
    if (!text)
        return -1;
    int rc = st->put(st, key, text, strlen(text));
    free(text);
    return rc;
}

/* Stores one whole chunk of nb bytes at src; adds the bytes stored to *stored. */
static int write_chunk(wl_store_t *st, const char *key, const wl_codec_t *codec, int naive,
                       const char *src, size_t nb, size_t *stored)
{
    if (codec->kind == WL_CODEC_NONE) {
        if (!naive) {
            *stored += nb;
            return st->put(st, key, src, nb);
        }
        /* fsspec's maybe_convert: bytes(memoryview(value)). */
        char *bytes = malloc(nb);
        if (!bytes) {
            wl_error("out of memory for a %zu-byte copy", nb);
            return -1;
        }
        memcpy(bytes, src, nb);
        int rc = st->put(st, key, bytes, nb);
        free(bytes);
        *stored += nb;
        return rc;
    }
    size_t cap = wl_codec_bound(codec, nb), clen;
    char *dest = malloc(cap);
    if (!dest) {
        wl_error("out of memory for a %zu-byte compression buffer", cap);
        return -1;
    }
    if (wl_codec_encode(codec, src, nb, dest, cap, &clen) < 0) {
        free(dest);
        return -1;
    }
    char *out = dest;
    if (naive) {
        /* numcodecs 0.11: dest = dest[:cbytes], a right-sized copy made while
         * the worst-case buffer is still alive. */
        if (!(out = malloc(clen ? clen : 1))) {
            wl_error("out of memory for %zu compressed bytes", clen);
            free(dest);
            return -1;
        }
        memcpy(out, dest, clen);
        free(dest);
    }
    int rc = st->put(st, key, out, clen);
    free(out);
    *stored += clen;
    return rc;
}

/* Chunks that run past the end of the array are stored full size, padded with
 * the fill value, as zarr-python does; only they pass through a staging copy. */
static int write_array(wl_store_t *st, const wl_zarr_meta_t *m, int naive, const uint64_t *a,
                       size_t *stored)
{
    size_t chunk_bytes = m->chunks * WL_ZARR_ELEM;
    for (uint64_t i = 0; i < wl_zarr_nchunks(m); i++) {
        char key[32];
        wl_zarr_chunk_key(i, key, sizeof key);
        uint64_t first = i * m->chunks, count = m->shape - first;
        const char *src = (const char *)(a + first);
        char *stage = NULL;
        if (count < m->chunks) {
            if (!(stage = calloc(1, chunk_bytes))) {
                wl_error("out of memory for a %zu-byte edge chunk", chunk_bytes);
                return -1;
            }
            memcpy(stage, src, count * WL_ZARR_ELEM);
            src = stage;
        }
        int rc = write_chunk(st, key, &m->codec, naive, src, chunk_bytes, stored);
        free(stage);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    wl_set_prog(argv[0]);
    const char *url = NULL, *size = "100", *chunks = NULL, *codec = "none", *pipeline = "naive",
               *seed_s = "1";
    const wl_opt_t opts[] = {{"--store", &url},       {"--size", &size},
                             {"--chunks", &chunks},   {"--codec", &codec},
                             {"--pipeline", &pipeline}, {"--seed", &seed_s}};
    if (wl_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0]) < 0 || !url) {
        if (!url)
            wl_error("%s", usage);
        return 2;
    }
    wl_zarr_meta_t m;
    uint64_t seed;
    int naive = strcmp(pipeline, "naive") == 0;
    if (!naive && strcmp(pipeline, "zero-copy") != 0) {
        wl_error("unknown pipeline '%s' (naive, zero-copy)", pipeline);
        return 2;
    }
    if (wl_parse_mib_elems(size, "--size", &m.shape) < 0 ||
        wl_parse_mib_elems(chunks ? chunks : size, "--chunks", &m.chunks) < 0 ||
        wl_codec_from_name(codec, &m.codec) < 0 || wl_parse_u64(seed_s, "--seed", &seed) < 0)
        return 2;
    if (m.shape > SIZE_MAX / WL_ZARR_ELEM) {
        wl_error("--size %s MiB does not fit in memory", size);
        return 2;
    }

    wl_store_t *st = wl_store_open(url, 1);
    if (!st)
        return 1;
    int rc = 1;
    uint64_t *a = malloc(m.shape * WL_ZARR_ELEM);
    size_t stored = 0;
    if (!a) {
        wl_error("out of memory for a %s MiB array", size);
    } else {
        wl_rng_fill(a, m.shape, seed);
        if (put_text(st, ".zarray", wl_zarray_format(&m)) == 0 &&
            put_text(st, ".zattrs", wl_zattrs_format(seed)) == 0 &&
            write_array(st, &m, naive, a, &stored) == 0) {
            char name[32];
            wl_codec_name(&m.codec, name, sizeof name);
            printf("elements=%llu chunk_elements=%llu chunks=%llu codec=%s pipeline=%s "
                   "seed=%llu stored_bytes=%zu checksum=0x%016llx\n",
                   (unsigned long long)m.shape, (unsigned long long)m.chunks,
                   (unsigned long long)wl_zarr_nchunks(&m), name, pipeline,
                   (unsigned long long)seed, stored,
                   (unsigned long long)wl_checksum(a, m.shape));
            rc = 0;
        }
    }
    free(a);
    st->close(st);
    return rc;
}
