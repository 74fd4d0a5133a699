/* CPython frames (see python.h).  The walk, for the calling thread's state:
 *   tstate->cframe        the innermost activation's _PyCFrame, on the C
 *                         stack inside its _PyEval_EvalFrameDefault
 *   cframe->current_frame that activation's innermost interpreter frame;
 *                         frame->previous goes outwards, and the frame
 *                         flagged is_entry is the activation's first
 *   cframe->previous      the next activation out
 * The address of each _PyCFrame lies in its activation's native frame, so
 * comparing it with the unwinder's stack pointers places the group exactly,
 * whatever the function (_PyEval_EvalFrameDefault.cold has its own range).
 *
 * Code objects are recorded once each, when a stack first names them, and
 * keyed by address; wrapping PyCode_Type's tp_dealloc forgets an address
 * before it can be reused, so a new code object there gets a new id. */
#include "tracer/capture/python.h"

#include <dlfcn.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "format/pyframe.h"
#include "tracer/capture/pylayout.h"
#include "tracer/common.h"

int mt_python_on;
MT_TLS int mt_python_in_arena;

/* PyObjectArenaAllocator, a public struct of the C API */
typedef struct {
    void *ctx;
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr, size_t size);
} arena_allocator_t;

static struct {
    void *(*this_tstate)(void); /* PyGILState_GetThisThreadState */
    const uint8_t *runtime;     /* &_PyRuntime */
    void (*dealloc)(void *);    /* PyCode_Type's own tp_dealloc */
    arena_allocator_t arena;    /* pymalloc's own */
    char status[64];
    int found; /* a CPython, supported or not */
} P;

/* ---- the code table ---- */
#define SLOTS MT_PYCODE_MAX
#define MAX_LOAD (SLOTS / 4 * 3) /* a full table records no new code */
#define ARENA_BYTES (512ull << 20)
#define TOMB ((uintptr_t)1) /* a forgotten address: probes go on past it */

typedef struct {
    _Atomic uintptr_t code;
    _Atomic uint32_t id;
} slot_t;

static slot_t *slots;
static _Atomic(mt_pycode_t *) *by_id;
static char *arena;
static _Atomic uint64_t arena_used, claimed;
static _Atomic uint32_t next_id = 1;

static inline uint32_t slot_of(uintptr_t code)
{
    return (uint32_t)((code >> 4) * 0x9E3779B97F4A7C15ull >> 44) & (SLOTS - 1);
}

static inline uintptr_t rd(uintptr_t p, int off) { return *(const uintptr_t *)(p + (unsigned)off); }

static char *arena_take(size_t n)
{
    n = (n + 7) & ~(size_t)7;
    uint64_t at = atomic_fetch_add(&arena_used, n);
    return at + n <= ARENA_BYTES ? arena + at : NULL;
}

/* UTF-8 bytes one code point takes; writes them when out is not NULL. */
static size_t utf8_put(uint32_t c, char *out)
{
    size_t n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (out) {
        static const uint8_t lead[5] = {0, 0, 0xC0, 0xE0, 0xF0};
        for (size_t i = n; i-- > 1; c >>= 6)
            out[i] = (char)(0x80 | (c & 0x3F));
        out[0] = (char)(n == 1 ? c : (lead[n] | c));
    }
    return n;
}

/* A str object's text as UTF-8 into the arena; "?" for a form not read
 * here (a legacy, non-compact string). */
static uint32_t code_point(const uint8_t *d, unsigned kind, size_t i)
{
    return kind == 1 ? d[i] : kind == 2 ? ((const uint16_t *)d)[i] : ((const uint32_t *)d)[i];
}

static const char *copy_str(uintptr_t s, uint32_t *len)
{
    const char *src = "?";
    size_t n = 1;
    uint32_t state = s ? *(const uint32_t *)(s + MT_PY_STR_STATE) : 0;
    size_t chars = s ? (size_t)rd(s, MT_PY_STR_LENGTH) : 0;
    unsigned kind = MT_PY_STATE_KIND(state);
    if (s && MT_PY_STATE_COMPACT(state) && MT_PY_STATE_ASCII(state)) {
        src = (const char *)(s + MT_PY_STR_ASCII_DATA);
        n = chars;
    } else if (s && MT_PY_STATE_COMPACT(state) && rd(s, MT_PY_STR_UTF8)) {
        src = (const char *)rd(s, MT_PY_STR_UTF8);
        n = (size_t)rd(s, MT_PY_STR_UTF8_LENGTH);
    } else if (s && MT_PY_STATE_COMPACT(state) && (kind == 1 || kind == 2 || kind == 4)) {
        const uint8_t *d = (const uint8_t *)(s + MT_PY_STR_COMPACT_DATA);
        size_t bytes = 0;
        for (size_t i = 0; i < chars; i++)
            bytes += utf8_put(code_point(d, kind, i), NULL);
        char *out = arena_take(bytes + 1);
        if (!out)
            return NULL;
        char *w = out;
        for (size_t i = 0; i < chars; i++)
            w += utf8_put(code_point(d, kind, i), w);
        *w = 0;
        *len = (uint32_t)bytes;
        return out;
    }
    char *out = arena_take(n + 1);
    if (!out)
        return NULL;
    memcpy(out, src, n);
    out[n] = 0;
    *len = (uint32_t)n;
    return out;
}

/* Copies what the analyzer needs of a code object: it may be gone by the
 * time the writer looks. */
static uint32_t record(uintptr_t co)
{
    mt_pycode_t *r = (mt_pycode_t *)arena_take(sizeof *r);
    uintptr_t lt = rd(co, MT_PY_CODE_LINETABLE);
    size_t lt_len = lt ? (size_t)rd(lt, MT_PY_BYTES_SIZE) : 0;
    uint8_t *ltab = (uint8_t *)arena_take(lt_len);
    if (!r || !ltab)
        return 0;
    r->filename = copy_str(rd(co, MT_PY_CODE_FILENAME), &r->filename_len);
    r->qualname = copy_str(rd(co, MT_PY_CODE_QUALNAME), &r->qualname_len);
    if (!r->filename || !r->qualname)
        return 0;
    r->firstlineno = *(const int32_t *)(co + MT_PY_CODE_FIRSTLINENO);
    memcpy(ltab, (const void *)(lt + MT_PY_BYTES_DATA), lt_len);
    r->linetable = ltab;
    r->linetable_len = (uint32_t)lt_len;
    uint32_t id = atomic_fetch_add(&next_id, 1);
    if (id >= SLOTS)
        return 0;
    atomic_store_explicit(&by_id[id], r, memory_order_release);
    return id;
}

static uint32_t code_id(uintptr_t co)
{
    for (uint32_t probe = 0, i = slot_of(co); probe < SLOTS; probe++, i = (i + 1) & (SLOTS - 1)) {
        slot_t *s = &slots[i];
        uintptr_t k = atomic_load_explicit(&s->code, memory_order_acquire);
        if (k == 0) {
            if (atomic_load_explicit(&claimed, memory_order_relaxed) >= MAX_LOAD)
                return 0;
            if (!atomic_compare_exchange_strong(&s->code, &k, co)) {
                if (k != co)
                    continue;
            } else {
                atomic_fetch_add_explicit(&claimed, 1, memory_order_relaxed);
                uint32_t id = record(co);
                atomic_store_explicit(&s->id, id ? id : UINT32_MAX, memory_order_release);
                return id;
            }
        }
        if (k != co)
            continue;
        /* Another thread is recording it: a few microseconds, unless it was
         * at that point when the process forked and never finishes in the
         * child.  Then the slot is given up for good, so that no later
         * capture waits for it again. */
        uint32_t id;
        for (int spins = 0; (id = atomic_load_explicit(&s->id, memory_order_acquire)) == 0;
             spins++)
            if (spins > 1000) {
                uint32_t zero = 0;
                atomic_compare_exchange_strong(&s->id, &zero, UINT32_MAX);
            } else if (spins > 100) {
                sched_yield();
            }
        return id == UINT32_MAX ? 0 : id;
    }
    return 0;
}

/* Runs with the GIL held, before CPython frees the object. */
static void code_dealloc(void *co)
{
    uintptr_t c = (uintptr_t)co;
    for (uint32_t probe = 0, i = slot_of(c); probe < SLOTS; probe++, i = (i + 1) & (SLOTS - 1)) {
        uintptr_t k = atomic_load_explicit(&slots[i].code, memory_order_acquire);
        if (k == 0)
            break;
        if (k == c) {
            atomic_store_explicit(&slots[i].id, 0, memory_order_relaxed);
            atomic_store_explicit(&slots[i].code, TOMB, memory_order_release);
            break;
        }
    }
    P.dealloc(co);
}

const mt_pycode_t *mt_python_code(uint64_t id)
{
    if (id == 0 || id >= SLOTS || !by_id)
        return NULL;
    return atomic_load_explicit(&by_id[id], memory_order_acquire);
}

static void *arena_alloc(void *ctx, size_t size)
{
    mt_python_in_arena = 1;
    void *p = P.arena.alloc(ctx, size);
    mt_python_in_arena = 0;
    return p;
}

/* Wraps pymalloc's arena allocator; before the interpreter starts, when
 * the getter and setter only copy a static struct. */
static void hook_arenas(void)
{
    void *get = dlsym(RTLD_DEFAULT, "PyObject_GetArenaAllocator");
    void *set = dlsym(RTLD_DEFAULT, "PyObject_SetArenaAllocator");
    void (*getter)(arena_allocator_t *), (*setter)(arena_allocator_t *);
    if (!get || !set)
        return;
    memcpy(&getter, &get, sizeof get);
    memcpy(&setter, &set, sizeof set);
    getter(&P.arena);
    if (!P.arena.alloc)
        return;
    arena_allocator_t mine = P.arena;
    mine.alloc = arena_alloc;
    setter(&mine);
}

/* ---- set-up ---- */
const char *mt_python_status(void) { return P.found ? P.status : NULL; }

void mt_python_init(int enabled)
{
    const unsigned long *version = dlsym(RTLD_DEFAULT, "Py_Version");
    uint8_t *code_type = dlsym(RTLD_DEFAULT, "PyCode_Type");
    void *get = dlsym(RTLD_DEFAULT, "PyGILState_GetThisThreadState");
    memcpy(&P.this_tstate, &get, sizeof get); /* ISO C has no object-to-function cast */
    P.runtime = dlsym(RTLD_DEFAULT, "_PyRuntime");
    if (!version || !code_type || !get || !P.runtime)
        return;
    P.found = 1;
    unsigned long v = *version;
    int n = snprintf(P.status, sizeof P.status, "%lu.%lu.%lu", v >> 24, (v >> 16) & 0xFF,
                     (v >> 8) & 0xFF);
    if (!enabled) {
        snprintf(P.status, sizeof P.status, "off");
        return;
    }
    /* 3.11.0 left a frame being torn down linked while its code was
     * released; a build whose objects are laid out otherwise (Py_TRACE_REFS)
     * shows in the size of its code and bytes objects */
    const uint8_t *bytes_type = dlsym(RTLD_DEFAULT, "PyBytes_Type");
    if ((v & 0xFFFF0000u) != MT_PY_VERSION_MAJOR_MINOR || ((v >> 8) & 0xFF) < 1 || !bytes_type ||
        rd((uintptr_t)code_type, MT_PY_TYPE_BASICSIZE) != MT_PY_CODE_ADAPTIVE ||
        rd((uintptr_t)bytes_type, MT_PY_TYPE_BASICSIZE) != MT_PY_BYTES_DATA + 1) {
        snprintf(P.status + n, sizeof P.status - (size_t)n, " is not supported");
        return;
    }
    slots = mt_map(sizeof(slot_t) * SLOTS, 1);
    by_id = mt_map(sizeof *by_id * SLOTS, 1);
    arena = mt_map(ARENA_BYTES, 1);
    if (!slots || !by_id || !arena) {
        snprintf(P.status, sizeof P.status, "off (out of memory)");
        return;
    }
    void (**dealloc)(void *) = (void (**)(void *))(code_type + MT_PY_TYPE_DEALLOC);
    P.dealloc = *dealloc;
    *dealloc = code_dealloc;
    hook_arenas();
    mt_python_on = 1;
}

/* ---- the walk and the merge ---- */

/* The thread's Python frames into py->frames, innermost first, in groups by
 * activation; returns the number of groups. */
static int walk(mt_pythread_t *py, uintptr_t ts)
{
    int n = 0, ng = 0;
    uintptr_t fin = rd((uintptr_t)P.runtime, MT_PY_RUNTIME_FINALIZING);
    if (fin && fin != ts)
        return 0; /* other threads' states are being freed under their TSS slots */
    for (uintptr_t cf = rd(ts, MT_PY_TSTATE_CFRAME); cf && n < MT_MAX_DEPTH;
         cf = rd(cf, MT_PY_CFRAME_PREVIOUS)) {
        int first = n;
        for (uintptr_t f = rd(cf, MT_PY_CFRAME_CURRENT); f && n < MT_MAX_DEPTH;
             f = rd(f, MT_PY_FRAME_PREVIOUS)) {
            uintptr_t co = rd(f, MT_PY_FRAME_CODE);
            intptr_t lasti = (intptr_t)(rd(f, MT_PY_FRAME_PREV_INSTR) - (co + MT_PY_CODE_ADAPTIVE));
            lasti /= 2;
            int owner = *(const int8_t *)(f + MT_PY_FRAME_OWNER);
            /* an incomplete frame is still being set up: not a call yet */
            if (owner == MT_PY_OWNED_BY_GENERATOR ||
                lasti >= *(const int32_t *)(co + MT_PY_CODE_FIRSTTRACEABLE))
                py->frames[n++] = mt_pyframe_make(code_id(co), lasti);
            if (*(const uint8_t *)(f + MT_PY_FRAME_IS_ENTRY))
                break;
        }
        if (n > first) {
            py->group_at[ng] = cf;
            py->group_end[ng++] = (uint16_t)n;
        }
    }
    /* finalizing began meanwhile: what was read may be freed memory */
    if (rd((uintptr_t)P.runtime, MT_PY_RUNTIME_FINALIZING) != fin)
        return 0;
    return ng;
}

/* Appends group k's frames to the merge. */
static int put_group(mt_pythread_t *py, int k, int m)
{
    for (int j = k ? py->group_end[k - 1] : 0; j < py->group_end[k] && m < MT_MAX_DEPTH; j++) {
        py->out[m++] = py->frames[j];
    }
    return m;
}

mt_stack_id_t mt_python_stack(mt_pythread_t *py, mt_unwind_cache_t *u, mt_stack_cache_t *c,
                              int depth)
{
    uint64_t h;
    int n = mt_unwind(u, py->ips, py->sps, depth, &h);
    void *ts = P.this_tstate();
    int ng = ts ? walk(py, (uintptr_t)ts) : 0;
    if (ng == 0)
        return n > 0 ? mt_stack_intern(c, h, py->ips, n) : (mt_stack_id_t){0};
    /* Each group goes just inside (before) the native frame whose stack
     * range holds its _PyCFrame; beyond the last one (a stack cut at depth)
     * they go last.  A _PyCFrame below the innermost frame is on no stack
     * we walked (the thread's root one, in its state): skipped. */
    int m = 0, k = 0;
    while (k < ng && n > 0 && py->group_at[k] < py->sps[0])
        k++;
    for (int i = 0; i < n; i++) {
        for (; k < ng && py->group_at[k] < py->sps[i + 1]; k++)
            m = put_group(py, k, m);
        if (m < MT_MAX_DEPTH)
            py->out[m++] = py->ips[i];
    }
    for (; k < ng; k++)
        m = put_group(py, k, m);
    /* from scratch: the native hash covers frames the merge may have cut */
    return mt_stack_intern(c, mt_stack_hash(py->out, m), py->out, m);
}
