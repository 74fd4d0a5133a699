/* The page's frame and stack tables (see html_stacks.h).  One small
 * open-addressing hash interns byte strings (frames, functions, modules,
 * stack ids) into dense indices. */
#include "analyzer/report/html_stacks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/grow.h"

#define MAX_NAME 400 /* bytes of a function or file name in the page */

typedef struct {
    char **keys;     /* by index: the key's length (size_t), its bytes, a NUL */
    uint32_t *slots; /* index + 1; 0 = empty */
    size_t n, cap, nslots;
} intern_t;

typedef struct {
    const char *function, *file;
    int line;
    int32_t module;
    uint64_t offset;
    uint32_t func;
    int cls;     /* mtr_frame_class_t */
    int64_t pub; /* index in the page's frame table; -1 while unused */
} hframe_t;

struct mtr_hstacks {
    mtr_frames_t *f;
    intern_t frame_ix, func_ix, module_ix, stack_ix;
    hframe_t *frames; /* by frame index */
    uint32_t *pubs;   /* by page index: the frame index */
    size_t npubs, cappubs;
    uint32_t **stacks; /* by stack index: count, then page frame indices */
    size_t capframes, capstacks;
    uint32_t *path;
    size_t cappath;
};

static uint64_t hash_bytes(const void *k, size_t n)
{
    const unsigned char *p = k;
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static int key_is(const char *stored, const void *k, size_t n)
{
    size_t len;
    memcpy(&len, stored, sizeof len);
    return len == n && memcmp(stored + sizeof len, k, n) == 0;
}

static void intern_grow(intern_t *t)
{
    free(t->slots);
    t->nslots = t->nslots ? t->nslots * 2 : 256;
    t->slots = mtr_calloc(t->nslots, sizeof *t->slots);
    for (size_t i = 0; i < t->n; i++) {
        size_t len;
        memcpy(&len, t->keys[i], sizeof len);
        uint64_t j = hash_bytes(t->keys[i] + sizeof len, len) & (t->nslots - 1);
        while (t->slots[j])
            j = (j + 1) & (t->nslots - 1);
        t->slots[j] = (uint32_t)i + 1;
    }
}

/* The index of key k; *added tells whether it is new. */
static uint32_t intern(intern_t *t, const void *k, size_t n, int *added)
{
    if ((t->n + 1) * 2 > t->nslots)
        intern_grow(t);
    uint64_t j = hash_bytes(k, n) & (t->nslots - 1);
    for (; t->slots[j]; j = (j + 1) & (t->nslots - 1))
        if (key_is(t->keys[t->slots[j] - 1], k, n)) {
            *added = 0;
            return t->slots[j] - 1;
        }
    char *s = mtr_realloc(NULL, sizeof n + n + 1, 1);
    memcpy(s, &n, sizeof n);
    memcpy(s + sizeof n, k, n);
    s[sizeof n + n] = 0; /* so key_str() is a C string */
    t->slots[j] = (uint32_t)t->n + 1;
    MTR_PUSH(t->keys, t->n, t->cap, s);
    *added = 1;
    return (uint32_t)t->n - 1;
}

static const char *key_str(const intern_t *t, uint32_t i)
{
    return t->keys[i] + sizeof(size_t);
}

static void intern_free(intern_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->keys[i]);
    free(t->keys);
    free(t->slots);
}

mtr_hstacks_t *mtr_hstacks_new(mtr_frames_t *f)
{
    mtr_hstacks_t *t = mtr_calloc(1, sizeof *t);
    t->f = f;
    return t;
}

void mtr_hstacks_free(mtr_hstacks_t *t)
{
    if (!t)
        return;
    intern_free(&t->frame_ix);
    intern_free(&t->func_ix);
    intern_free(&t->module_ix);
    for (size_t i = 0; i < t->stack_ix.n; i++)
        free(t->stacks[i]);
    intern_free(&t->stack_ix);
    free(t->frames);
    free(t->pubs);
    free(t->stacks);
    free(t->path);
    free(t);
}

/* Builds "a\x1fb\x1f..." keys; the strings of a frame never hold 0x1f. */
static size_t join(char *buf, size_t cap, const char *const *parts, int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        int w = snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", i ? "\x1f" : "",
                         parts[i] ? parts[i] : "");
        len += w > 0 ? (size_t)w : 0;
    }
    return len < cap ? len : cap - 1;
}

static uint32_t frame_index(mtr_hstacks_t *t, const mtr_sframe_t *fr)
{
    char line[16], off[24], key[4096];
    snprintf(line, sizeof line, "%d", fr->line);
    snprintf(off, sizeof off, "%llx", (unsigned long long)fr->offset);
    /* a known function is one frame per line; an unknown one per address */
    const char *parts[] = {fr->function, fr->file, line, fr->module, fr->function ? "" : off};
    int added;
    uint32_t i = intern(&t->frame_ix, key, join(key, sizeof key, parts, 5), &added);
    if (!added)
        return i;
    t->frames = mtr_grow(t->frames, &t->capframes, t->frame_ix.n, sizeof *t->frames);
    hframe_t *h = &t->frames[i];
    /* the frames module owns the strings until it is closed, which is after
     * the page is written */
    *h = (hframe_t){.function = fr->function, .file = fr->file, .line = fr->line,
                    .module = -1, .offset = fr->offset, .cls = mtr_frame_class(fr), .pub = -1};
    if (fr->module)
        h->module = (int32_t)intern(&t->module_ix, fr->module, strlen(fr->module), &added);
    const char *fparts[] = {fr->function, fr->module, fr->function ? "" : off};
    h->func = intern(&t->func_ix, key, join(key, sizeof key, fparts, 3), &added);
    return i;
}

size_t mtr_hstacks_path(mtr_hstacks_t *t, uint32_t stack, const uint32_t **frames)
{
    const mtr_sframe_t *fr;
    size_t n = mtr_frames_get(t->f, stack, &fr);
    t->path = mtr_grow(t->path, &t->cappath, n, sizeof *t->path);
    for (size_t i = 0; i < n; i++)
        t->path[n - 1 - i] = frame_index(t, &fr[i]);
    *frames = t->path;
    return n;
}

uint32_t mtr_hstacks_func(const mtr_hstacks_t *t, uint32_t frame)
{
    return t->frames[frame].func;
}

uint32_t mtr_hstacks_use(mtr_hstacks_t *t, uint32_t frame)
{
    hframe_t *h = &t->frames[frame];
    if (h->pub < 0) {
        h->pub = (int64_t)t->npubs;
        MTR_PUSH(t->pubs, t->npubs, t->cappubs, frame);
    }
    return (uint32_t)h->pub;
}

uint32_t mtr_hstacks_stack(mtr_hstacks_t *t, uint32_t stack)
{
    int added;
    uint32_t i = intern(&t->stack_ix, &stack, sizeof stack, &added);
    if (!added)
        return i;
    t->stacks = mtr_grow(t->stacks, &t->capstacks, t->stack_ix.n, sizeof *t->stacks);
    const mtr_sframe_t *fr;
    size_t n = mtr_frames_get(t->f, stack, &fr);
    if (n > MTR_HTML_STACK_DEPTH)
        n = MTR_HTML_STACK_DEPTH;
    /* copy out first: frame_index() does not call back into the frames
     * module, but fr is only valid until its next call */
    uint32_t *s = mtr_realloc(NULL, n + 1, sizeof *s);
    s[0] = (uint32_t)n;
    for (size_t k = 0; k < n; k++)
        s[k + 1] = mtr_hstacks_use(t, frame_index(t, &fr[k]));
    t->stacks[i] = s;
    return i;
}

/* C++ template names run to kilobytes; a page of them would not stay small */
static void clipped(mtr_jsonw_t *w, const char *s)
{
    char buf[MAX_NAME + 8];
    if (!s || strlen(s) <= MAX_NAME) {
        mtr_jw_str(w, s);
        return;
    }
    int keep = MAX_NAME;
    while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
        keep--; /* cut between characters, not inside one */
    snprintf(buf, sizeof buf, "%.*s...", keep, s);
    mtr_jw_str(w, buf);
}

void mtr_hstacks_write(mtr_hstacks_t *t, mtr_jsonw_t *w)
{
    /* only the modules of the frames used, numbered in order of use */
    int64_t *mods = mtr_realloc(NULL, t->module_ix.n + 1, sizeof *mods);
    uint32_t *order = mtr_realloc(NULL, t->module_ix.n + 1, sizeof *order);
    size_t nmods = 0;
    for (size_t i = 0; i < t->module_ix.n; i++)
        mods[i] = -1;
    mtr_jw_key(w, "frames");
    mtr_jw_arr(w);
    for (size_t i = 0; i < t->npubs; i++) {
        const hframe_t *h = &t->frames[t->pubs[i]];
        if (h->module >= 0 && mods[h->module] < 0) {
            mods[h->module] = (int64_t)nmods;
            order[nmods++] = (uint32_t)h->module;
        }
        mtr_jw_arr(w);
        clipped(w, h->function);
        clipped(w, h->file);
        mtr_jw_i64(w, h->line);
        mtr_jw_i64(w, h->module >= 0 ? mods[h->module] : -1);
        mtr_jw_u64(w, h->offset);
        mtr_jw_i64(w, h->cls);
        mtr_jw_arr_end(w);
    }
    mtr_jw_arr_end(w);
    mtr_jw_key(w, "modules");
    mtr_jw_arr(w);
    for (size_t i = 0; i < nmods; i++)
        mtr_jw_str(w, key_str(&t->module_ix, order[i]));
    mtr_jw_arr_end(w);
    free(mods);
    free(order);
    mtr_jw_key(w, "stacks");
    mtr_jw_arr(w);
    for (size_t i = 0; i < t->stack_ix.n; i++) {
        mtr_jw_arr(w);
        for (uint32_t k = 0; k < t->stacks[i][0]; k++)
            mtr_jw_u64(w, t->stacks[i][k + 1]);
        mtr_jw_arr_end(w);
    }
    mtr_jw_arr_end(w);
}
