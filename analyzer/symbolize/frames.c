/* Symbolized stacks (see frames.h).  Each distinct address is symbolized
 * once: through the in-memory table, else the database cache, else the
 * symbolizer, whose results join the cache on close. */
#include "analyzer/symbolize/frames.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer/grow.h"
#include "analyzer/load/symbols.h"
#include "analyzer/symbolize/pyline.h"
#include "analyzer/symbolize/symbolize.h"
#include "format/pyframe.h"

#define MAX_INLINE 16

typedef struct {
    uint64_t ip;
    uint32_t first, count; /* into pool */
    int used, fresh;       /* fresh: symbolized now, not yet in the cache */
} ipent_t;

struct mtr_frames {
    mtr_symcache_t *cache;
    mtr_symbolizer_t *sym;
    mtr_stack_nodes_t nodes;
    mtr_module_t *mods;
    size_t nmods;
    mtr_pycode_t *codes;
    size_t ncodes;
    ipent_t *ips;
    uint64_t ipcap, ipn;
    mtr_sframe_t *pool;
    size_t npool, cappool;
    char **strings;
    size_t nstrings, capstrings;
    mtr_sframe_t *out, *shown;
    size_t capout, capshown;
    int all;
};

/* libstdc++'s demangler: the Itanium C++ ABI's own entry point, callable
 * from C (declared here because cxxabi.h is a C++ header). */
char *__cxa_demangle(const char *mangled, char *out, size_t *len, int *status);

static const char *keep(mtr_frames_t *f, const char *s);

/* C++ names as people read them: ns::Widget::add(int), not _ZN2ns6Widget3addEi */
static const char *keep_function(mtr_frames_t *f, const char *s)
{
    if (s && s[0] == '_' && s[1] == 'Z') {
        int status = -1;
        char *d = __cxa_demangle(s, NULL, NULL, &status);
        if (d && status == 0) {
            const char *k = keep(f, d);
            free(d);
            return k;
        }
        free(d);
    }
    return keep(f, s);
}

static const char *keep(mtr_frames_t *f, const char *s)
{
    if (!s)
        return NULL;
    MTR_PUSH(f->strings, f->nstrings, f->capstrings, mtr_strdup(s));
    return f->strings[f->nstrings - 1];
}

mtr_frames_t *mtr_frames_open(mtr_trace_t *t)
{
    mtr_frames_t *f = mtr_calloc(1, sizeof *f);
    f->cache = mtr_symcache_open(t);
    f->sym = mtr_symbolizer_new();
    mtr_trace_stack_nodes(t, &f->nodes);
    f->nmods = mtr_trace_modules(t, &f->mods);
    f->ncodes = mtr_trace_py_codes(t, &f->codes);
    f->ipcap = 1024;
    f->ips = mtr_calloc(f->ipcap, sizeof *f->ips);
    return f;
}

static mtr_module_t *module_of(mtr_frames_t *f, uint64_t ip)
{
    /* the latest module covering ip wins: a later dlopen may reuse a range */
    for (size_t i = f->nmods; i-- > 0;)
        if (ip >= f->mods[i].start && ip < f->mods[i].end)
            return &f->mods[i];
    return NULL;
}

static void pool_push(mtr_frames_t *f, mtr_sframe_t fr)
{
    MTR_PUSH(f->pool, f->npool, f->cappool, fr);
}

typedef struct {
    mtr_frames_t *f;
    const mtr_module_t *m;
    uint64_t off;
} cached_t;

static void cached_frame(void *arg, const char *function, const char *file, int line)
{
    cached_t *c = arg;
    pool_push(c->f, (mtr_sframe_t){.function = keep(c->f, function), .file = keep(c->f, file),
                                   .line = line, .module = c->m->path, .offset = c->off,
                                   .status = MTR_SYM_OK});
}

/* Frames from the database cache; 0 if it has none for this address. */
static uint32_t from_cache(mtr_frames_t *f, const mtr_module_t *m, uint64_t off)
{
    cached_t c = {f, m, off};
    return mtr_symcache_get(f->cache, m->id, off, cached_frame, &c);
}

/* Python frames are named by their code object and line, never cached: the
 * trace holds all it takes. */
static void python_frame(mtr_frames_t *f, uint64_t ip, ipent_t *e)
{
    uint64_t id = mt_pyframe_code(ip);
    const mtr_pycode_t *c = id < f->ncodes && f->codes[id].filename ? &f->codes[id] : NULL;
    e->count = 1;
    if (!c) {
        pool_push(f, (mtr_sframe_t){.function = "<unknown Python code>", .python = 1,
                                    .status = MTR_SYM_OK});
        return;
    }
    int line = mtr_pyline(c->linetable, c->linetable_len, c->firstlineno, mt_pyframe_lasti(ip));
    pool_push(f, (mtr_sframe_t){.function = c->qualname, .file = c->filename, .line = line,
                                .python = 1, .status = MTR_SYM_OK});
}

static void symbolize_ip(mtr_frames_t *f, uint64_t ip, ipent_t *e)
{
    e->first = (uint32_t)f->npool;
    if (mt_pyframe_is(ip)) {
        python_frame(f, ip, e);
        return;
    }
    mtr_module_t *m = module_of(f, ip);
    if (!m) {
        pool_push(f, (mtr_sframe_t){.offset = ip - 1, .status = MTR_SYM_NO_FILE});
        e->count = 1;
        return;
    }
    uint64_t off = ip - m->bias - 1;
    if ((e->count = from_cache(f, m, off)) != 0)
        return;
    e->fresh = 1;
    mtr_frame_t fr[MAX_INLINE];
    int status = MTR_SYM_OK;
    int n = mtr_symbolize(f->sym, m->path, m->build_id, off, fr, MAX_INLINE, &status);
    if (n <= 0) {
        pool_push(f, (mtr_sframe_t){.module = m->path, .offset = off, .status = status});
        e->count = 1;
        return;
    }
    for (int i = 0; i < n; i++)
        pool_push(f, (mtr_sframe_t){.function = keep_function(f, fr[i].function),
                                    .file = keep(f, fr[i].file), .line = fr[i].line,
                                    .module = m->path, .offset = off, .status = MTR_SYM_OK});
    e->count = (uint32_t)n;
}

static ipent_t *lookup(mtr_frames_t *f, uint64_t ip)
{
    if ((f->ipn + 1) * 2 > f->ipcap) {
        ipent_t *old = f->ips;
        uint64_t oldcap = f->ipcap;
        f->ipcap *= 2;
        f->ips = mtr_calloc(f->ipcap, sizeof *f->ips);
        for (uint64_t i = 0; i < oldcap; i++)
            if (old[i].used) {
                uint64_t j = (old[i].ip * 0x9E3779B97F4A7C15ull) & (f->ipcap - 1);
                while (f->ips[j].used)
                    j = (j + 1) & (f->ipcap - 1);
                f->ips[j] = old[i];
            }
        free(old);
    }
    uint64_t j = (ip * 0x9E3779B97F4A7C15ull) & (f->ipcap - 1);
    while (f->ips[j].used && f->ips[j].ip != ip)
        j = (j + 1) & (f->ipcap - 1);
    if (!f->ips[j].used) {
        f->ips[j].used = 1;
        f->ips[j].ip = ip;
        f->ipn++;
        symbolize_ip(f, ip, &f->ips[j]);
    }
    return &f->ips[j];
}

size_t mtr_frames_get(mtr_frames_t *f, uint32_t stack, const mtr_sframe_t **out)
{
    size_t n = 0;
    for (uint64_t node = stack, guard = 0; node && node < f->nodes.n && guard < 4096;
         node = f->nodes.parent[node], guard++) {
        ipent_t *e = lookup(f, f->nodes.ip[node]);
        f->out = mtr_grow(f->out, &f->capout, n + e->count, sizeof *f->out);
        memcpy(f->out + n, f->pool + e->first, e->count * sizeof *f->out);
        n += e->count;
    }
    *out = f->out;
    return n;
}

static int prefixed(const char *s, const char *const *prefixes)
{
    for (; s && *prefixes; prefixes++)
        if (!strncmp(s, *prefixes, strlen(*prefixes)))
            return 1;
    return 0;
}

mtr_frame_class_t mtr_frame_class(const mtr_sframe_t *fr)
{
    static const char *const system[] = {"libc.so", "libc-", "libstdc++", "ld-linux",
                                         "libmemtrace", NULL};
    static const char *const interp[] = {"python3", "libpython3", NULL};
    /* CPython's allocators and the constructors that copy into a new object:
     * they did the copy, the caller asked for it */
    static const char *const wrappers[] = {
        "PyMem_", "_PyMem_", "PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc",
        "_PyObject_Malloc", "_PyObject_Calloc", "_PyObject_Realloc", "pymalloc_",
        "_PyObject_GC_", "gc_alloc", "PyType_GenericAlloc", "_PyType_AllocNoTrack",
        "PyBytes_From", "_PyBytes_From", "_PyBytes_Resize", "PyByteArray_FromStringAndSize", "PyByteArray_Resize", "_PyObject_ArenaMmap",
        "_PyObject_VirtualAlloc", "_PyLong_New", "PyUnicode_New", NULL};
    /* inlined from string_fortified.h into whoever called them */
    static const char *const copies[] = {"memcpy", "memmove", "mempcpy", "memset",
                                         "__memcpy_chk", "__memmove_chk", NULL};
    if (fr->python)
        return MTR_FRAME_PYTHON;
    for (const char *const *c = copies; fr->function && *c; c++)
        if (!strcmp(fr->function, *c))
            return MTR_FRAME_PLUMBING;
    const char *m = fr->module ? strrchr(fr->module, '/') : NULL;
    m = m ? m + 1 : fr->module;
    if (prefixed(m, system))
        return MTR_FRAME_PLUMBING;
    if (prefixed(m, interp))
        return prefixed(fr->function, wrappers) ? MTR_FRAME_PLUMBING : MTR_FRAME_INTERPRETER;
    return MTR_FRAME_PROGRAM;
}

const mtr_sframe_t *mtr_frames_caller(mtr_frames_t *f, uint32_t stack)
{
    const mtr_sframe_t *fr;
    size_t n = mtr_frames_get(f, stack, &fr);
    for (size_t i = 0; i < n; i++)
        if (mtr_frame_class(&fr[i]) != MTR_FRAME_PLUMBING)
            return &fr[i];
    return n ? &fr[0] : NULL;
}

const mtr_sframe_t *mtr_frames_python_caller(mtr_frames_t *f, uint32_t stack)
{
    const mtr_sframe_t *fr;
    size_t n = mtr_frames_get(f, stack, &fr);
    for (size_t i = 0; i < n; i++)
        if (fr[i].python)
            return &fr[i];
    return NULL;
}

void mtr_frames_show_all(mtr_frames_t *f, int all)
{
    if (f)
        f->all = all;
}

size_t mtr_frames_shown(mtr_frames_t *f, uint32_t stack, const mtr_sframe_t **out)
{
    const mtr_sframe_t *fr;
    size_t n = mtr_frames_get(f, stack, &fr), first = 0, m = 0;
    while (first < n && !fr[first].python)
        first++;
    *out = fr;
    if (f->all || first == n)
        return n;
    f->shown = mtr_grow(f->shown, &f->capshown, n, sizeof *f->shown);
    int work = 0; /* the first frame that is not plumbing is shown */
    for (size_t i = 0; i < n; i++) {
        mtr_frame_class_t c = mtr_frame_class(&fr[i]);
        int keep = i == 0 || c == MTR_FRAME_PYTHON || c == MTR_FRAME_PROGRAM ||
                   (i < first && !work && c != MTR_FRAME_PLUMBING);
        work |= i < first && c != MTR_FRAME_PLUMBING;
        if (keep)
            f->shown[m++] = fr[i];
    }
    *out = f->shown;
    return m;
}

/* The frames symbolized now go into the database cache. */
static void save_cache(mtr_frames_t *f)
{
    mtr_symrow_t *rows = NULL;
    size_t n = 0, cap = 0;
    for (uint64_t i = 0; i < f->ipcap; i++) {
        const ipent_t *e = &f->ips[i];
        if (!e->used || !e->fresh)
            continue;
        mtr_module_t *m = mt_pyframe_is(e->ip) ? NULL : module_of(f, e->ip);
        for (uint32_t k = 0; m && k < e->count; k++) {
            const mtr_sframe_t *fr = &f->pool[e->first + k];
            if (fr->status != MTR_SYM_OK || !fr->function)
                break; /* not cached: a later report may have the file */
            mtr_symrow_t row = {.module = m->id, .offset = fr->offset, .depth = (int)k,
                                .function = fr->function, .file = fr->file, .line = fr->line};
            MTR_PUSH(rows, n, cap, row);
        }
    }
    mtr_symcache_put(f->cache, rows, n);
    free(rows);
}

void mtr_frames_close(mtr_frames_t *f)
{
    if (!f)
        return;
    save_cache(f);
    mtr_symcache_close(f->cache);
    mtr_symbolizer_free(f->sym);
    for (size_t i = 0; i < f->nstrings; i++)
        free(f->strings[i]);
    mtr_modules_free(f->mods, f->nmods);
    mtr_py_codes_free(f->codes, f->ncodes);
    free(f->strings);
    mtr_stack_nodes_free(&f->nodes);
    free(f->ips);
    free(f->pool);
    free(f->out);
    free(f->shown);
    free(f);
}
