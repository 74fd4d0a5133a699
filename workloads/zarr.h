/* Zarr v2 metadata of a 1-D "<f8" array as zarr-python 2.13 writes and reads
 * it: .zarray, .zattrs (holding the seed of the values) and chunk keys. */
#ifndef WL_ZARR_H
#define WL_ZARR_H

#include "workloads/codec.h"

#include <stddef.h>
#include <stdint.h>

#define WL_ZARR_ELEM 8 /* bytes per "<f8" element */
#define WL_SEED_ATTR "memtrace_seed"

typedef struct {
    uint64_t shape;  /* elements in the array */
    uint64_t chunks; /* elements per chunk; the last chunk is stored padded */
    wl_codec_t codec;
} wl_zarr_meta_t;

/* The exact bytes zarr-python writes (json.dumps, indent 4, sorted keys, no
 * final newline); malloc'ed, NUL-terminated. */
char *wl_zarray_format(const wl_zarr_meta_t *m);
char *wl_zattrs_format(uint64_t seed);

/* Both print one error line naming `where` and return -1 on anything this
 * workload cannot read exactly. */
int wl_zarray_parse(const char *json, const char *where, wl_zarr_meta_t *m);
int wl_zattrs_seed(const char *json, const char *where, uint64_t *seed);

uint64_t wl_zarr_nchunks(const wl_zarr_meta_t *m);
/* zarr-python 2.13's key for chunk i of a 1-D array: "0", "1", ... */
void wl_zarr_chunk_key(uint64_t i, char *out, size_t cap);

#endif
