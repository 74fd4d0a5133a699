/* s3://BUCKET/PREFIX through libcurl: path-style URLs under AWS_ENDPOINT_URL
 * (or AWS's regional endpoint), signed with libcurl's SigV4.  Reads either go
 * straight into the caller's buffer (Content-Length known) or, the naive way
 * s3fs/aiohttp do it, into many small malloc'ed blocks joined at the end. */
#include "workloads/store.h"

#include "workloads/common.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    wl_store_t base;
    CURL *curl; /* one handle for every request, so the connection is reused */
    char *prefix_url;
    char *access_key, *secret_key;
    char sigv4[96];
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
} s3_store_t;

typedef enum { SINK_BODY, SINK_INTO, SINK_SIZED, SINK_BLOCKS } sink_t;

typedef struct {
    char *p;
    size_t n;
} block_t;

/* State of one request, shared by the data callbacks. */
typedef struct {
    s3_store_t *s;
    sink_t sink;
    int started;
    long status;
    char *dst; /* SINK_INTO: the caller's; SINK_SIZED: ours, Content-Length bytes */
    size_t cap, len;
    block_t *blocks;
    size_t nblocks, blocks_cap;
    const char *up; /* upload cursor */
    size_t up_len, up_off;
    char body[768]; /* the XML of an error response */
    size_t body_len;
    char fail[256]; /* why a callback stopped the transfer */
} xfer_t;

static int start_body(xfer_t *x)
{
    curl_off_t cl = -1;
    curl_easy_getinfo(x->s->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    if (x->sink == SINK_INTO && cl >= 0 && (size_t)cl != x->cap) {
        snprintf(x->fail, sizeof x->fail, "object has %lld bytes, expected %zu", (long long)cl,
                 x->cap);
        return -1;
    }
    if (x->sink == SINK_SIZED) {
        if (cl < 0) {
            snprintf(x->fail, sizeof x->fail, "response has no Content-Length");
            return -1;
        }
        x->cap = (size_t)cl;
        if (!(x->dst = malloc(x->cap + 1))) {
            snprintf(x->fail, sizeof x->fail, "out of memory for %zu bytes", x->cap);
            return -1;
        }
    }
    return 0;
}

static int add_block(xfer_t *x, const char *data, size_t n)
{
    if (x->nblocks == x->blocks_cap) {
        size_t cap = x->blocks_cap ? 2 * x->blocks_cap : 256;
        block_t *b = realloc(x->blocks, cap * sizeof *b);
        if (!b)
            return -1;
        x->blocks = b;
        x->blocks_cap = cap;
    }
    char *p = malloc(n);
    if (!p)
        return -1;
    memcpy(p, data, n);
    x->blocks[x->nblocks++] = (block_t){p, n};
    return 0;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
    xfer_t *x = arg;
    size_t n = size * nmemb;
    if (!x->started) {
        x->started = 1;
        curl_easy_getinfo(x->s->curl, CURLINFO_RESPONSE_CODE, &x->status);
        if (x->status >= 300)
            x->sink = SINK_BODY;
        else if (start_body(x) < 0)
            return 0;
    }
    switch (x->sink) {
    case SINK_BODY: {
        size_t k = n < sizeof x->body - 1 - x->body_len ? n : sizeof x->body - 1 - x->body_len;
        memcpy(x->body + x->body_len, data, k);
        x->body_len += k;
        x->body[x->body_len] = '\0';
        return n;
    }
    case SINK_INTO:
    case SINK_SIZED:
        if (n > x->cap - x->len) {
            snprintf(x->fail, sizeof x->fail, "object is longer than %zu bytes", x->cap);
            return 0;
        }
        /* Each piece lands where it belongs: the only copy is curl's buffer
         * to the destination, a few KiB at a time. */
        memcpy(x->dst + x->len, data, n);
        x->len += n;
        return n;
    case SINK_BLOCKS:
        if (add_block(x, data, n) < 0) {
            snprintf(x->fail, sizeof x->fail, "out of memory for a %zu-byte block", n);
            return 0;
        }
        x->len += n;
        return n;
    }
    return 0;
}

static size_t on_upload(char *buf, size_t size, size_t nitems, void *arg)
{
    xfer_t *x = arg;
    size_t n = size * nitems, left = x->up_len - x->up_off;
    if (n > left)
        n = left;
    memcpy(buf, x->up + x->up_off, n);
    x->up_off += n;
    return n;
}

/* curl rewinds the upload when it resends on a connection the server closed. */
static int on_seek(void *arg, curl_off_t offset, int origin)
{
    xfer_t *x = arg;
    if (origin != SEEK_SET || offset < 0 || (size_t)offset > x->up_len)
        return CURL_SEEKFUNC_CANTSEEK;
    x->up_off = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

static char *key_url(s3_store_t *s, const char *key)
{
    char *enc = curl_easy_escape(s->curl, key, 0), *url = NULL;
    if (!enc || asprintf(&url, "%s/%s", s->prefix_url, enc) < 0)
        url = NULL;
    curl_free(enc);
    if (!url)
        wl_error("out of memory");
    return url;
}

/* The <Code> of an S3 error document, e.g. "NoSuchKey", or "". */
static void error_code(const char *body, char *out, size_t cap)
{
    const char *a = strstr(body, "<Code>"), *b = a ? strstr(a, "</Code>") : NULL;
    out[0] = '\0';
    if (a && b && (size_t)(b - a - 6) < cap)
        snprintf(out, cap, " %.*s", (int)(b - a - 6), a + 6);
}

static int perform(s3_store_t *s, const char *method, const char *key, xfer_t *x)
{
    char *url = key_url(s, key);
    if (!url)
        return -1;
    CURL *c = s->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    /* A stalled server must not hang the run: give up below 1 byte/s for 30 s. */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s->sigv4);
    curl_easy_setopt(c, CURLOPT_USERNAME, s->access_key);
    curl_easy_setopt(c, CURLOPT_PASSWORD, s->secret_key);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    if (x->up) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_upload);
        curl_easy_setopt(c, CURLOPT_READDATA, x);
        curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(c, CURLOPT_SEEKDATA, x);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->up_len);
    }
    s->errbuf[0] = '\0';
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    int ok = 0;
    char code[128];
    if (rc != CURLE_OK && x->fail[0])
        wl_error("s3 %s %s: %s", method, url, x->fail);
    else if (rc != CURLE_OK)
        wl_error("s3 %s %s: %s", method, url, s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
    else if (status < 200 || status >= 300) {
        error_code(x->body, code, sizeof code);
        wl_error("s3 %s %s: HTTP %ld%s", method, url, status, code);
    } else if ((x->sink == SINK_INTO || x->sink == SINK_SIZED) && x->len != x->cap)
        wl_error("s3 %s %s: short read, %zu of %zu bytes", method, url, x->len, x->cap);
    else
        ok = 1;
    free(url);
    return ok ? 0 : -1;
}

static void free_blocks(xfer_t *x)
{
    for (size_t i = 0; i < x->nblocks; i++)
        free(x->blocks[i].p);
    free(x->blocks);
    x->blocks = NULL;
    x->nblocks = 0;
}

static int s3_put(wl_store_t *st, const char *key, const void *buf, size_t n)
{
    xfer_t x = {.s = (s3_store_t *)st, .sink = SINK_BODY, .up = buf, .up_len = n};
    /* curl pulls the upload through on_upload in small pieces: no payload copy. */
    return perform(x.s, "PUT", key, &x);
}

static int s3_get_into(wl_store_t *st, const char *key, void *dst, size_t n)
{
    xfer_t x = {.s = (s3_store_t *)st, .sink = SINK_INTO, .dst = dst, .cap = n};
    return perform(x.s, "GET", key, &x);
}

static int s3_get_alloc(wl_store_t *st, const char *key, int naive, char **buf, size_t *n)
{
    xfer_t x = {.s = (s3_store_t *)st, .sink = naive ? SINK_BLOCKS : SINK_SIZED};
    *buf = NULL;
    if (perform(x.s, "GET", key, &x) < 0) {
        free_blocks(&x);
        if (x.sink == SINK_SIZED)
            free(x.dst);
        return -1;
    }
    if (x.sink == SINK_SIZED) {
        if (!x.dst && !(x.dst = malloc(1))) { /* empty object: no data callback */
            wl_error("out of memory");
            return -1;
        }
        x.dst[x.len] = '\0';
        *buf = x.dst;
        *n = x.len;
        return 0;
    }
    /* The join, as b"".join(blocks) does: every block is still alive while
     * the joined buffer fills, then they all go. */
    char *joined = malloc(x.len + 1);
    if (!joined) {
        wl_error("out of memory for %zu bytes", x.len);
        free_blocks(&x);
        return -1;
    }
    size_t off = 0;
    for (size_t i = 0; i < x.nblocks; i++) {
        memcpy(joined + off, x.blocks[i].p, x.blocks[i].n);
        off += x.blocks[i].n;
    }
    free_blocks(&x);
    joined[off] = '\0';
    *buf = joined;
    *n = off;
    return 0;
}

static void s3_close(wl_store_t *st)
{
    s3_store_t *s = (s3_store_t *)st;
    if (s->curl)
        curl_easy_cleanup(s->curl);
    curl_slist_free_all(s->headers);
    free(s->prefix_url);
    free(s->access_key);
    free(s->secret_key);
    free(s);
    curl_global_cleanup();
}

static int valid_bucket(const char *b, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_", b[i]))
            return 0;
    return 1;
}

/* ENDPOINT/BUCKET[/PREFIX] with each prefix segment percent-encoded. */
static char *prefix_url(CURL *c, const char *endpoint, const char *bucket, size_t blen,
                        const char *prefix)
{
    char *url = NULL;
    size_t elen = strlen(endpoint);
    while (elen > 0 && endpoint[elen - 1] == '/')
        elen--;
    if (asprintf(&url, "%.*s/%.*s", (int)elen, endpoint, (int)blen, bucket) < 0)
        return NULL;
    while (*prefix) {
        size_t seg = strcspn(prefix, "/");
        if (seg > 0) {
            char *enc = curl_easy_escape(c, prefix, (int)seg), *next = NULL;
            if (!enc || asprintf(&next, "%s/%s", url, enc) < 0)
                next = NULL;
            curl_free(enc);
            free(url);
            if (!(url = next))
                return NULL;
        }
        prefix += seg + (prefix[seg] == '/');
    }
    return url;
}

wl_store_t *wl_store_s3_open(const char *url, const char *bucket_prefix)
{
    size_t blen = strcspn(bucket_prefix, "/");
    if (!valid_bucket(bucket_prefix, blen)) {
        wl_error("bad store URL '%s': expected s3://BUCKET/PREFIX", url);
        return NULL;
    }
    const char *akid = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    if (!akid || !*akid || !secret || !*secret) {
        wl_error("%s: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set", url);
        return NULL;
    }
    const char *region = getenv("AWS_DEFAULT_REGION");
    if (!region || !*region)
        region = "us-east-1";
    char aws_endpoint[128];
    const char *endpoint = getenv("AWS_ENDPOINT_URL");
    if (!endpoint || !*endpoint) {
        snprintf(aws_endpoint, sizeof aws_endpoint, "https://s3.%s.amazonaws.com", region);
        endpoint = aws_endpoint;
    }
    if (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0) {
        wl_error("bad AWS_ENDPOINT_URL '%s': expected http://HOST[:PORT]", endpoint);
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        wl_error("cannot initialise libcurl");
        return NULL;
    }
    s3_store_t *s = calloc(1, sizeof *s);
    if (!s) {
        wl_error("out of memory");
        curl_global_cleanup();
        return NULL;
    }
    s->base.url = url;
    s->base.naive_get_joins = 1;
    s->base.put = s3_put;
    s->base.get_into = s3_get_into;
    s->base.get_alloc = s3_get_alloc;
    s->base.close = s3_close;
    snprintf(s->sigv4, sizeof s->sigv4, "aws:amz:%s:s3", region);
    /* libcurl 7.88 signs but does not send x-amz-content-sha256, which S3 and
     * s3rver require; UNSIGNED-PAYLOAD spares hashing the payload.  An empty
     * Expect: stops curl waiting for "100 Continue" before large uploads. */
    const char *token = getenv("AWS_SESSION_TOKEN");
    char token_hdr[2048];
    snprintf(token_hdr, sizeof token_hdr, "x-amz-security-token: %s", token ? token : "");
    struct curl_slist *h = curl_slist_append(NULL, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
    if (h)
        h = curl_slist_append(h, "Expect:");
    if (h && token && *token)
        h = curl_slist_append(h, token_hdr);
    s->headers = h;
    s->curl = curl_easy_init();
    s->access_key = strdup(akid);
    s->secret_key = strdup(secret);
    if (!h || !s->curl || !s->access_key || !s->secret_key ||
        !(s->prefix_url = prefix_url(s->curl, endpoint, bucket_prefix, blen,
                                     bucket_prefix + blen))) {
        wl_error("cannot set up the S3 client for %s", url);
        s3_close(&s->base);
        return NULL;
    }
    return &s->base;
}
