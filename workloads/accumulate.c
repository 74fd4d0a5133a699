/* workload-accumulate: the two ways a growing in-memory buffer copies.
 * accu (default) models CPython 3.11's lazy StringIO (Objects/accu.c): write()
 * only keeps a reference to the caller's string in a "small" list; every
 * --flush-every references, flush_accumulator joins them into one new string
 * (one memcpy per piece) appended to a "large" list; realize joins the rest.
 * realloc grows one buffer by --step bytes and appends with memcpy.  Blocks of
 * 128 KiB and more (glibc's mmap threshold, so any --step >= 128 KiB) grow by
 * mremap, which would extend in place; a PROT_NONE page mapped right after
 * each block makes every such realloc move, and the program counts the moves.
 * Below the threshold glibc grows in place whenever the top of the heap
 * follows the block, and a small blocking allocation does not help: it is
 * carved out of the hole the previous move left.  moved= tells either way. */
#include "workloads/common.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char usage[] = "usage: workload-accumulate --chunk BYTES --writes N "
                            "[--flush-every N=100000] [--grow accu|realloc] [--step BYTES]";

typedef struct {
    const char *p;
    size_t n;
} piece_t;

typedef struct {
    piece_t *v;
    size_t n, cap;
} list_t;

static unsigned long long copies, copied_bytes;

static int list_append(list_t *l, const char *p, size_t n)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        piece_t *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (piece_t){p, n};
    return 0;
}

/* join_list_unicode: one new buffer, one memcpy per piece. */
static char *join(const list_t *l, size_t *len)
{
    size_t total = 0;
    for (size_t i = 0; i < l->n; i++)
        total += l->v[i].n;
    char *out = malloc(total ? total : 1);
    if (!out)
        return NULL;
    size_t off = 0;
    for (size_t i = 0; i < l->n; i++) {
        memcpy(out + off, l->v[i].p, l->v[i].n);
        off += l->v[i].n;
        copies++;
        copied_bytes += l->v[i].n;
    }
    *len = total;
    return out;
}

/* flush_accumulator: small's references are dropped once joined into large. */
static int flush(list_t *small, list_t *large)
{
    size_t len;
    char *joined = join(small, &len);
    if (!joined || list_append(large, joined, len) < 0) {
        free(joined);
        return -1;
    }
    small->n = 0;
    return 0;
}

static int run_accu(const char *chunk, size_t chunk_len, uint64_t writes, uint64_t every)
{
    list_t small = {0}, large = {0};
    char *result = NULL;
    size_t len = 0;
    uint64_t flushes = 0;
    int rc = -1;
    for (uint64_t w = 0; w < writes; w++) {
        /* StringIO.write(s): a new reference to s, not a copy of it. */
        if (list_append(&small, chunk, chunk_len) < 0)
            goto out;
        if (small.n >= every) {
            if (flush(&small, &large) < 0)
                goto out;
            flushes++;
        }
    }
    /* realize -> _PyAccu_Finish: without a large list, small is joined
     * directly; otherwise small is flushed into large and large is joined.
     * The final join also stands for realize's copy into the UCS4 buffer. */
    if (large.n && small.n && flush(&small, &large) < 0)
        goto out;
    if (!(result = join(large.n ? &large : &small, &len)))
        goto out;
    for (size_t i = 0; i < len; i++)
        if (result[i] != chunk[i % chunk_len]) {
            wl_error("realized buffer differs at byte %zu", i);
            goto out;
        }
    printf("mode=accu writes=%llu flush_every=%llu flushes=%llu bytes=%zu copies=%llu "
           "copied_bytes=%llu\n",
           (unsigned long long)writes, (unsigned long long)every, (unsigned long long)flushes,
           len, copies, copied_bytes);
    rc = 0;
out:
    if (rc < 0 && !result)
        wl_error("out of memory");
    free(result);
    for (size_t i = 0; i < large.n; i++)
        free((char *)large.v[i].p);
    free(large.v);
    free(small.v);
    return rc;
}

/* A mmapped block grows by mremap, which extends in place when the pages
 * after it are free: map one there.  For heap blocks that address is already
 * mapped and MAP_FIXED_NOREPLACE refuses, which is fine. */
static void *guard_page_after(const char *buf)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t end = ((uintptr_t)buf + malloc_usable_size((void *)buf) + (uintptr_t)page - 1) &
                    ~((uintptr_t)page - 1);
    void *g = mmap((void *)end, (size_t)page, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (g == MAP_FAILED)
        return NULL;
    if (g != (void *)end) { /* kernels before 4.17 treat the address as a hint */
        munmap(g, (size_t)page);
        return NULL;
    }
    return g;
}

static int run_realloc(const char *chunk, size_t chunk_len, uint64_t writes, size_t step)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    uint64_t reallocs = 0, moved = 0;
    list_t pages = {0};
    int rc = -1;
    for (uint64_t w = 0; w < writes; w++) {
        if (len + chunk_len > cap) {
            size_t want = cap + step * ((len + chunk_len - cap + step - 1) / step);
            char *nb = realloc(buf, want);
            if (!nb)
                goto out;
            if (buf) {
                reallocs++;
                moved += nb != buf;
            }
            buf = nb;
            cap = want;
            char *page = guard_page_after(buf);
            if (page && list_append(&pages, page, 0) < 0)
                goto out;
        }
        memcpy(buf + len, chunk, chunk_len);
        len += chunk_len;
        copies++;
        copied_bytes += chunk_len;
    }
    printf("mode=realloc writes=%llu step=%zu reallocs=%llu moved=%llu bytes=%zu copies=%llu "
           "copied_bytes=%llu\n",
           (unsigned long long)writes, step, (unsigned long long)reallocs,
           (unsigned long long)moved, len, copies, copied_bytes);
    rc = 0;
out:
    if (rc < 0)
        wl_error("out of memory");
    free(buf);
    for (size_t i = 0; i < pages.n; i++)
        munmap((void *)pages.v[i].p, (size_t)sysconf(_SC_PAGESIZE));
    free(pages.v);
    return rc;
}

int main(int argc, char **argv)
{
    wl_set_prog(argv[0]);
    const char *chunk_s = NULL, *writes_s = NULL, *every_s = "100000", *grow = "accu",
               *step_s = NULL;
    const wl_opt_t opts[] = {{"--chunk", &chunk_s},       {"--writes", &writes_s},
                             {"--flush-every", &every_s}, {"--grow", &grow},
                             {"--step", &step_s}};
    uint64_t chunk_len, writes, every, step = 0;
    if (wl_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0]) < 0)
        return 2;
    if (!chunk_s || !writes_s) {
        wl_error("%s", usage);
        return 2;
    }
    if (wl_parse_u64(chunk_s, "--chunk", &chunk_len) < 0 ||
        wl_parse_u64(writes_s, "--writes", &writes) < 0 ||
        wl_parse_u64(every_s, "--flush-every", &every) < 0 ||
        (step_s && wl_parse_u64(step_s, "--step", &step) < 0))
        return 2;
    int use_realloc = strcmp(grow, "realloc") == 0;
    if (!use_realloc && strcmp(grow, "accu") != 0) {
        wl_error("unknown --grow '%s' (accu, realloc)", grow);
        return 2;
    }
    if (chunk_len == 0 || every == 0 || (use_realloc && step == 0) ||
        chunk_len > (uint64_t)1 << 40 || writes > UINT64_MAX / chunk_len) {
        wl_error("--chunk, --flush-every and --step (with --grow realloc) must be positive");
        return 2;
    }
    char *chunk = malloc(chunk_len);
    if (!chunk) {
        wl_error("out of memory for a %llu-byte chunk", (unsigned long long)chunk_len);
        return 1;
    }
    for (size_t i = 0; i < chunk_len; i++)
        chunk[i] = (char)('a' + i % 26);
    int rc = use_realloc ? run_realloc(chunk, chunk_len, writes, step)
                         : run_accu(chunk, chunk_len, writes, every);
    free(chunk);
    return rc < 0 ? 1 : 0;
}
