/* The recorder (see record.h): stamps each fact with the time and a stack
 * id and puts it into the calling thread's buffer.  Policy about what is
 * large, what is a copy and what is a gather lives here, not in the hooks. */
#include "tracer/capture/record.h"

#include <sys/mman.h>

#include "format/kinds.h"
#include "tracer/buffer/buffer.h"
#include "tracer/capture/clock.h"
#include "tracer/capture/gather.h"
#include "tracer/capture/python.h"
#include "tracer/capture/stacks.h"
#include "tracer/capture/unwind.h"
#include "tracer/config.h"

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

_Atomic int mt_active;

#define CLOSING 2
#define PARK_SLICE_NS 100000000L
#define PARK_SLICES 20 /* 2 s: then a thread goes on, untraced */

static void set_active(int v)
{
    atomic_store(&mt_active, v);
    syscall(SYS_futex, &mt_active, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

void mt_record_init(void)
{
    mt_clock_init();
    mt_stacks_init();
    mt_large_init();
    mt_unwind_init();
    mt_thread_init();
}

void mt_record_start(void) { set_active(1); }
void mt_record_stop(void) { set_active(0); }
void mt_record_close(void) { atomic_store(&mt_active, CLOSING); }

/* While the trace closes, a thread that would record waits instead: it
 * neither adds to what the writer must finish nor takes the CPU from it,
 * and exit ends the process under it as it would have without us.  Bounded,
 * in case the closing thread waits for something this one holds. */
static MT_NOINLINE void park(void)
{
    for (int i = 0; i < PARK_SLICES && mt_record_active() == CLOSING; i++) {
        struct timespec slice = {0, PARK_SLICE_NS};
        syscall(SYS_futex, &mt_active, FUTEX_WAIT_PRIVATE, CLOSING, &slice, NULL, 0);
    }
}

/* Enters the tracer: the calling thread's state, or NULL to skip (then the
 * guard is not held).  Only an unguarded thread gets here, so what leave()
 * restores is always "not busy". */
static inline mt_thread_t *enter(void)
{
    int active = mt_record_active();
    if (!active || mt_guard_busy())
        return NULL;
    if (MT_UNLIKELY(active == CLOSING)) {
        park();
        return NULL;
    }
    mt_guard_enter();
    mt_thread_t *t = mt_thread_get();
    if (!t)
        mt_guard_leave(0);
    return t;
}

static inline void leave(void) { mt_guard_leave(0); }

/* The block at addr is going (freed, or moved by realloc). */
static void block_ends(mt_thread_t *t, uint64_t addr)
{
    if (mt_large_maybe(addr) && mt_large_remove(addr))
        mt_gather_end_block(t, addr);
}

void mt_record_alloc(void *p, size_t size)
{
    if (!p)
        return;
    mt_thread_t *t = enter();
    if (!t)
        return;
    mt_stack_id_t stack = mt_thread_stack(t);
    mt_tbuf_put1(t->buf, MT_RAW_ALLOC, mt_now(), (uintptr_t)p, size, stack);
    if (size >= mt_cfg.gather_min)
        mt_large_add((uintptr_t)p, size);
    leave();
}

void mt_record_free(void *p, uint64_t t0)
{
    if (!p)
        return;
    mt_thread_t *t = enter();
    if (!t)
        return;
    uint64_t addr = (uintptr_t)p;
    block_ends(t, addr);
    mt_tbuf_put1(t->buf, MT_RAW_FREE, t0, addr, 0, (mt_stack_id_t){0});
    leave();
}

static void copy_event(mt_tbuf_t *b, int kind, uint64_t dst, uint64_t src, uint64_t n,
                       uint64_t t0, uint64_t t1, mt_stack_id_t stack)
{
    mt_tbuf_put2(b, &(mt_raw_t){.kind = MT_RAW_COPY, .sub = (uint16_t)kind, .ts = t0,
                                .addr = dst, .aux = src, .size = n, .aux2 = t1,
                                .stack = stack});
}

void mt_record_realloc(void *old, void *p, size_t size, size_t old_usable, int mapped,
                       uint64_t t0)
{
    mt_thread_t *t = enter();
    if (!t)
        return;
    uint64_t t1 = mt_now();
    mt_stack_id_t stack = mt_thread_stack(t);
    uint64_t o = (uintptr_t)old, a = (uintptr_t)p;
    block_ends(t, o);
    mt_tbuf_put1(t->buf, MT_RAW_FREE, t0, o, 0, (mt_stack_id_t){0});
    mt_tbuf_put2(t->buf, &(mt_raw_t){.kind = MT_RAW_REALLOC, .ts = t1, .addr = a, .size = size,
                                     .aux = o, .stack = stack});
    uint64_t moved = old_usable < size ? old_usable : size;
    /* a remap is kept whatever its size: it is no copy, and the analyzer
     * needs it to tell this move from one that copied */
    if (a != o && mapped)
        copy_event(t->buf, MT_COPY_REMAP, a, o, moved, t0, t1, stack);
    else if (a != o && moved >= mt_cfg.copy_min)
        copy_event(t->buf, MT_COPY_REALLOC, a, o, moved, t0, t1, stack);
    else if (a != o)
        mt_tbuf_count_small(t->buf, moved);
    if (size >= mt_cfg.gather_min)
        mt_large_add(a, size);
    leave();
}

void mt_record_copy(int kind, void *dst, const void *src, size_t n, uint64_t t0, uint64_t t1)
{
    mt_thread_t *t = enter();
    if (!t)
        return;
    copy_event(t->buf, kind, (uintptr_t)dst, (uintptr_t)src, n, t0, t1, mt_thread_stack(t));
    leave();
}

void mt_record_count_small(size_t n)
{
    mt_thread_t *t = enter();
    if (!t)
        return;
    mt_tbuf_count_small(t->buf, n);
    leave();
}

void mt_record_gather_piece(void *dst, const void *src, size_t n, uint64_t t0, uint64_t t1)
{
    mt_record_small_copy(n);
    mt_thread_t *t = enter();
    if (!t)
        return;
    mt_gather_piece(t, (uintptr_t)dst, (uintptr_t)src, n, t0, t1);
    leave();
}

void mt_record_end_gathers(void)
{
    mt_thread_t *t = mt_my_thread;
    if (t)
        mt_gather_end_all(t);
}

/* ---- mappings ----
 * Mappings are never gather targets: a large anonymous mapping is most often
 * an allocator's arena (pymalloc's are 1 MiB), and copies into it land in
 * many small objects, not in one buffer being joined. */

void mt_record_mmap(void *addr, size_t len, int prot, int flags, int fd)
{
    mt_thread_t *t = enter();
    if (!t)
        return;
    mt_stack_id_t stack = mt_thread_stack(t);
    mt_tbuf_put2(t->buf, &(mt_raw_t){.kind = MT_RAW_MMAP, .sub = (uint16_t)mt_python_in_arena,
                                     .ts = mt_now(), .addr = (uintptr_t)addr,
                                     .size = len, .aux = (uint64_t)(int64_t)fd,
                                     .aux2 = (uint32_t)prot | (uint64_t)(uint32_t)flags << 32,
                                     .stack = stack});
    leave();
}

void mt_record_munmap(void *addr, size_t len, uint64_t t0)
{
    mt_thread_t *t = enter();
    if (!t)
        return;
    mt_tbuf_put2(t->buf, &(mt_raw_t){.kind = MT_RAW_MUNMAP, .ts = t0, .addr = (uintptr_t)addr,
                                     .size = len});
    leave();
}

void mt_record_mremap(void *old, size_t old_len, void *p, size_t len, uint64_t t0)
{
    mt_thread_t *t = enter();
    if (!t)
        return;
    mt_stack_id_t stack = mt_thread_stack(t);
    mt_tbuf_put2(t->buf, &(mt_raw_t){.kind = MT_RAW_MREMAP, .ts = t0, .addr = (uintptr_t)p,
                                     .size = len, .aux = (uintptr_t)old, .aux2 = old_len,
                                     .stack = stack});
    leave();
}

/* A range's protection: PROT_NONE is a reservation (V8's CodeRange,
 * allocators' guard regions), address space the program cannot touch, made
 * memory piece by piece with mprotect. */
static void protect_event(int kind, void *addr, size_t len, int arg)
{
    mt_thread_t *t = enter();
    if (!t)
        return;
    /* No stack: a protection change follows the mapping's own (its mmap
     * has one), and V8 and PartitionAlloc call mprotect from everywhere,
     * some of it while another thread holds the loader's lock that
     * unwinding takes (a traced chromium hung there). */
    mt_stack_id_t stack = {0};
    mt_tbuf_put2(t->buf, &(mt_raw_t){.kind = MT_RAW_PROTECT, .sub = (uint16_t)kind, .ts = mt_now(),
                                     .addr = (uintptr_t)addr, .size = len,
                                     .aux = (uint64_t)(uint32_t)arg, .stack = stack});
    leave();
}

void mt_record_mprotect(void *addr, size_t len, int prot)
{
    protect_event(MT_MAP_MPROTECT, addr, len, prot);
}

/* Only advice that gives pages back is worth a row. */
void mt_record_madvise(void *addr, size_t len, int advice)
{
    if (advice == MADV_DONTNEED || advice == MADV_FREE || advice == MADV_REMOVE)
        protect_event(MT_MAP_MADVISE, addr, len, advice);
}
