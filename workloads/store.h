/* The key-value stores a Zarr array lives in: file://DIR and s3://BUCKET/PREFIX.
 * Each operation prints one error line and returns -1 on failure.  The store
 * makes no copy of its own beyond what each operation documents, so the
 * pipelines in write.c and read.c decide every payload-sized copy. */
#ifndef WL_STORE_H
#define WL_STORE_H

#include <stddef.h>

typedef struct wl_store wl_store_t;

struct wl_store {
    const char *url;
    /* The naive get already copied the payload once (small blocks joined into
     * one buffer, as s3fs does), so the naive read decompresses that buffer
     * straight into the array like zarr v2 does; see read.c. */
    int naive_get_joins;
    /* Writes n bytes from buf as the whole value of key, without a copy. */
    int (*put)(wl_store_t *st, const char *key, const void *buf, size_t n);
    /* Reads the value of key, which must be exactly n bytes, straight into dst. */
    int (*get_into)(wl_store_t *st, const char *key, void *dst, size_t n);
    /* Returns the value of key in a new malloc'ed buffer with a NUL after its
     * n bytes.  naive: the way Python stores do it (for S3: many small
     * malloc'ed blocks, then joined); otherwise one right-sized buffer. */
    int (*get_alloc)(wl_store_t *st, const char *key, int naive, char **buf, size_t *n);
    void (*close)(wl_store_t *st);
};

/* create: the writer may make the directory (file://) on first use. */
wl_store_t *wl_store_open(const char *url, int create);

wl_store_t *wl_store_file_open(const char *url, const char *dir, int create);
wl_store_t *wl_store_s3_open(const char *url, const char *bucket_prefix);

#endif
