/* workload-read: reads a Zarr v2 array back into a new float64 array from the
 * metadata it finds, then checks every element against the seed in .zattrs.
 * Copies beyond the array, each in a buffer alive alongside it:
 *   file none:       naive 1 (read into bytes, copy into array)       zero-copy 0
 *   file compressed: naive 2 (read, decompress to a temporary, copy)  zero-copy 1
 *   s3 none:         naive 2 (small blocks, joined, copied)           zero-copy 0
 *   s3 compressed:   naive 2 (small blocks, joined, decompressed)     zero-copy 1 */
#include "workloads/codec.h"
#include "workloads/common.h"
#include "workloads/rng.h"
#include "workloads/store.h"
#include "workloads/zarr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "usage: workload-read --store URL [--pipeline naive|zero-copy]";

static char *get_text(wl_store_t *st, const char *key)
{
    char *buf;
    size_t n;
    if (st->get_alloc(st, key, 0, &buf, &n) < 0)
        return NULL;
    if (strlen(buf) != n) {
        wl_error("%s/%s is not text", st->url, key);
        free(buf);
        return NULL;
    }
    return buf;
}

static int read_meta(wl_store_t *st, wl_zarr_meta_t *m, uint64_t *seed)
{
    char where[512];
    char *zarray = get_text(st, ".zarray");
    if (!zarray)
        return -1;
    snprintf(where, sizeof where, "%s/.zarray", st->url);
    int rc = wl_zarray_parse(zarray, where, m);
    free(zarray);
    if (rc < 0)
        return -1;
    char *zattrs = get_text(st, ".zattrs");
    if (!zattrs)
        return -1;
    snprintf(where, sizeof where, "%s/.zattrs", st->url);
    rc = wl_zattrs_seed(zattrs, where, seed);
    free(zattrs);
    return rc;
}

/* Fills dst with the nb decoded bytes of chunk `key`. */
static int read_chunk(wl_store_t *st, const char *key, const wl_codec_t *codec, int naive,
                      char *dst, size_t nb)
{
    if (!naive && codec->kind == WL_CODEC_NONE)
        return st->get_into(st, key, dst, nb);
    char *buf;
    size_t n;
    if (st->get_alloc(st, key, naive, &buf, &n) < 0)
        return -1;
    int rc = -1;
    if (codec->kind == WL_CODEC_NONE) {
        /* zarr v2 _process_chunk: the stored bytes are copied into the array. */
        if (n != nb)
            wl_error("%s/%s has %zu bytes, expected %zu", st->url, key, n, nb);
        else {
            memcpy(dst, buf, nb);
            rc = 0;
        }
    } else if (!naive || st->naive_get_joins) {
        rc = wl_codec_decode(codec, buf, n, dst, nb);
    } else {
        /* The zarr v3 codec pipeline: decode into a buffer of its own, then
         * copy that into the output array. */
        char *tmp = malloc(nb);
        if (!tmp)
            wl_error("out of memory for a %zu-byte decode buffer", nb);
        else if (wl_codec_decode(codec, buf, n, tmp, nb) == 0) {
            memcpy(dst, tmp, nb);
            rc = 0;
        }
        free(tmp);
    }
    free(buf);
    return rc;
}

static int read_array(wl_store_t *st, const wl_zarr_meta_t *m, int naive, uint64_t *a)
{
    size_t chunk_bytes = m->chunks * WL_ZARR_ELEM;
    for (uint64_t i = 0; i < wl_zarr_nchunks(m); i++) {
        char key[32];
        wl_zarr_chunk_key(i, key, sizeof key);
        uint64_t first = i * m->chunks, count = m->shape - first;
        char *dst = (char *)(a + first), *stage = NULL;
        /* A padded edge chunk is bigger than what is left of the array. */
        if (count < m->chunks && !(dst = stage = malloc(chunk_bytes))) {
            wl_error("out of memory for a %zu-byte edge chunk", chunk_bytes);
            return -1;
        }
        int rc = read_chunk(st, key, &m->codec, naive, dst, chunk_bytes);
        if (rc == 0 && stage)
            memcpy(a + first, stage, count * WL_ZARR_ELEM);
        free(stage);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    wl_set_prog(argv[0]);
    const char *url = NULL, *pipeline = "naive";
    const wl_opt_t opts[] = {{"--store", &url}, {"--pipeline", &pipeline}};
    if (wl_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0]) < 0 || !url) {
        if (!url)
            wl_error("%s", usage);
        return 2;
    }
    int naive = strcmp(pipeline, "naive") == 0;
    if (!naive && strcmp(pipeline, "zero-copy") != 0) {
        wl_error("unknown pipeline '%s' (naive, zero-copy)", pipeline);
        return 2;
    }
    wl_store_t *st = wl_store_open(url, 0);
    if (!st)
        return 1;
    wl_zarr_meta_t m;
    uint64_t seed, *a = NULL;
    int rc = 1;
    if (read_meta(st, &m, &seed) < 0)
        goto out;
    if (!(a = malloc(m.shape * WL_ZARR_ELEM))) {
        wl_error("out of memory for %llu elements", (unsigned long long)m.shape);
        goto out;
    }
    if (read_array(st, &m, naive, a) < 0)
        goto out;
    size_t bad = wl_rng_verify(a, m.shape, seed);
    if (bad < m.shape) {
        wl_error("%s: element %zu is 0x%016llx, expected 0x%016llx for seed %llu", url, bad,
                 (unsigned long long)a[bad], (unsigned long long)wl_rng_bits(seed, bad),
                 (unsigned long long)seed);
        goto out;
    }
    char name[32];
    wl_codec_name(&m.codec, name, sizeof name);
    printf("elements=%llu chunk_elements=%llu chunks=%llu codec=%s pipeline=%s seed=%llu "
           "checksum=0x%016llx\n",
           (unsigned long long)m.shape, (unsigned long long)m.chunks,
           (unsigned long long)wl_zarr_nchunks(&m), name, pipeline, (unsigned long long)seed,
           (unsigned long long)wl_checksum(a, m.shape));
    rc = 0;
out:
    free(a);
    st->close(st);
    return rc;
}
