/* The hook layer: each interposed function resolves the real one once,
 * calls it, and hands what happened to the recorder (capture/record.h) or,
 * for the process's lifetime, to lifecycle.h.  No policy lives here.  The
 * list of hooks is one X-macro, so the table of real functions and the
 * wrappers cannot drift apart. */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "format/kinds.h"
#include "tracer/capture/clock.h"
#include "tracer/capture/guard.h"
#include "tracer/capture/record.h"
#include "tracer/capture/unwind.h"
#include "tracer/common.h"
#include "tracer/config.h"
#include "tracer/hooks/lifecycle.h"
#include "tracer/hooks/sigterm.h"

#define MT_HOOKS(X)                                                            \
    X(malloc, void *, (size_t))                                                \
    X(calloc, void *, (size_t, size_t))                                        \
    X(realloc, void *, (void *, size_t))                                       \
    X(free, void, (void *))                                                    \
    X(posix_memalign, int, (void **, size_t, size_t))                          \
    X(aligned_alloc, void *, (size_t, size_t))                                 \
    X(memalign, void *, (size_t, size_t))                                      \
    X(valloc, void *, (size_t))                                                \
    X(pvalloc, void *, (size_t))                                               \
    X(mmap, void *, (void *, size_t, int, int, int, off_t))                    \
    X(munmap, int, (void *, size_t))                                           \
    X(mremap, void *, (void *, size_t, size_t, int, ...))                      \
    X(mprotect, int, (void *, size_t, int))                                    \
    X(madvise, int, (void *, size_t, int))                                     \
    X(memcpy, void *, (void *, const void *, size_t))                          \
    X(memmove, void *, (void *, const void *, size_t))                         \
    X(mempcpy, void *, (void *, const void *, size_t))                         \
    X(__memcpy_chk, void *, (void *, const void *, size_t, size_t))            \
    X(__memmove_chk, void *, (void *, const void *, size_t, size_t))           \
    X(__mempcpy_chk, void *, (void *, const void *, size_t, size_t))           \
    X(execve, int, (const char *, char *const[], char *const[]))               \
    X(execv, int, (const char *, char *const[]))                               \
    X(execvp, int, (const char *, char *const[]))                              \
    X(execvpe, int, (const char *, char *const[], char *const[]))              \
    X(fexecve, int, (int, char *const[], char *const[]))                       \
    X(close, int, (int))                                                       \
    X(close_range, int, (unsigned, unsigned, int))                             \
    X(closefrom, void, (int))                                                  \
    X(dup2, int, (int, int))                                                   \
    X(dup3, int, (int, int, int))                                              \
    X(exit, void, (int))                                                       \
    X(_exit, void, (int))                                                      \
    X(dlclose, int, (void *))                                                  \
    X(sigaction, int, (int, const struct sigaction *, struct sigaction *))     \
    X(signal, sighandler_t, (int, sighandler_t))                               \
    X(_Exit, void, (int))

static struct {
#define X(name, ret, params) ret(*name) params;
    MT_HOOKS(X)
#undef X
} real;

/* 1 when the real realloc is glibc's, whose chunk header we may read. */
static int glibc_malloc;

/* ---- bootstrap: dlsym may allocate before malloc is resolved ---- */

static _Alignas(16) char pool[1 << 16];
static size_t pool_used;
static int resolving;

static void *pool_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n > sizeof pool - pool_used)
        return NULL;
    void *p = pool + pool_used;
    pool_used += n;
    return p;
}

static int in_pool(const void *p)
{
    return (const char *)p >= pool && (const char *)p < pool + sizeof pool;
}

static void *boot_copy(void *d, const void *s, size_t n)
{
    volatile char *dd = d;
    const volatile char *ss = s;
    if (dd < ss)
        for (size_t i = 0; i < n; i++)
            dd[i] = ss[i];
    else
        for (size_t i = n; i-- > 0;)
            dd[i] = ss[i];
    return d;
}

static void resolve(void)
{
    if (real.free || resolving)
        return;
    resolving = 1;
#define X(name, ret, params)                                                   \
    {                                                                          \
        void *sym = dlsym(RTLD_NEXT, #name);                                   \
        __builtin_memcpy(&real.name, &sym, sizeof sym);                        \
    }
    MT_HOOKS(X)
#undef X
    Dl_info info;
    void *sym = dlsym(RTLD_NEXT, "realloc");
    glibc_malloc = sym && dladdr(sym, &info) && info.dli_fname &&
                   strstr(info.dli_fname, "/libc.so") != NULL;
    resolving = 0;
}

/* glibc's realloc of a block it mmapped moves the pages with mremap, copying
 * nothing (malloc.c: mremap_chunk); such a block has IS_MMAPPED (0x2) set in
 * its chunk's size word, just before the pointer.  Another allocator's
 * blocks have no such header. */
static int chunk_is_mmapped(const void *p)
{
    return glibc_malloc && (((const size_t *)p)[-1] & 2) != 0;
}

#define RESOLVED(name) (MT_LIKELY(real.name != NULL) || (resolve(), real.name != NULL))

static inline int tracing(void) { return mt_record_active() && !mt_guard_busy(); }

/* Before main: the real functions first, since starting the tracer allocates. */
__attribute__((constructor)) static void init(void)
{
    resolve();
    mt_lifecycle_start();
}

/* ---- allocation ---- */

MT_EXPORT void *malloc(size_t n)
{
    if (MT_UNLIKELY(resolving && !real.malloc))
        return pool_alloc(n);
    if (!RESOLVED(malloc))
        return NULL;
    void *p = real.malloc(n);
    if (tracing())
        mt_record_alloc(p, n);
    return p;
}

MT_EXPORT void *calloc(size_t n, size_t size)
{
    if (MT_UNLIKELY(resolving && !real.calloc))
        return n && size > SIZE_MAX / n ? NULL : pool_alloc(n * size);
    if (!RESOLVED(calloc))
        return NULL;
    void *p = real.calloc(n, size);
    if (tracing())
        mt_record_alloc(p, n * size);
    return p;
}

MT_EXPORT void free(void *p)
{
    if (!p || in_pool(p) || !RESOLVED(free))
        return;
    if (tracing())
        mt_record_free(p, mt_now());
    real.free(p);
}

MT_EXPORT void *realloc(void *old, size_t n)
{
    if (in_pool(old)) {
        void *p = malloc(n);
        size_t avail = (size_t)(pool + sizeof pool - (char *)old);
        if (p)
            boot_copy(p, old, n < avail ? n : avail);
        return p;
    }
    if (!RESOLVED(realloc))
        return NULL;
    if (!old || !tracing()) {
        void *p = real.realloc(old, n);
        if (!old && tracing())
            mt_record_alloc(p, n);
        return p;
    }
    size_t old_usable = malloc_usable_size(old);
    int mapped = chunk_is_mmapped(old);
    uint64_t t0 = mt_now();
    void *p = real.realloc(old, n);
    if (p)
        mt_record_realloc(old, p, n, old_usable, mapped, t0);
    else if (n == 0)
        mt_record_free(old, t0); /* glibc's realloc(p, 0) frees p */
    return p;
}

MT_EXPORT void *reallocarray(void *old, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(old, n * size);
}

MT_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (!RESOLVED(posix_memalign))
        return ENOMEM;
    int rc = real.posix_memalign(out, align, n);
    if (rc == 0 && tracing())
        mt_record_alloc(*out, n);
    return rc;
}

#define ALIGNED_HOOK(name, params, args, size)                                 \
    MT_EXPORT void *name params                                                \
    {                                                                          \
        if (!RESOLVED(name))                                                   \
            return NULL;                                                       \
        void *p = real.name args;                                              \
        if (tracing())                                                         \
            mt_record_alloc(p, size);                                          \
        return p;                                                              \
    }
ALIGNED_HOOK(aligned_alloc, (size_t align, size_t n), (align, n), n)
ALIGNED_HOOK(memalign, (size_t align, size_t n), (align, n), n)
ALIGNED_HOOK(valloc, (size_t n), (n), n)
ALIGNED_HOOK(pvalloc, (size_t n), (n), n)

/* ---- mappings ---- */

MT_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if (!RESOLVED(mmap)) {
        errno = ENOSYS;
        return MAP_FAILED;
    }
    void *p = real.mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && tracing())
        mt_record_mmap(p, len, prot, flags, (flags & MAP_ANONYMOUS) ? -1 : fd);
    return p;
}

/* glibc on 64-bit: mmap64 is the same function under a second name */
MT_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return mmap(addr, len, prot, flags, fd, off);
}

MT_EXPORT int munmap(void *addr, size_t len)
{
    if (!RESOLVED(munmap)) {
        errno = ENOSYS;
        return -1;
    }
    if (tracing())
        mt_record_munmap(addr, len, mt_now());
    return real.munmap(addr, len);
}

MT_EXPORT void *mremap(void *old, size_t old_len, size_t len, int flags, ...)
{
    void *target = NULL;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        target = va_arg(ap, void *);
        va_end(ap);
    }
    if (!RESOLVED(mremap)) {
        errno = ENOSYS;
        return MAP_FAILED;
    }
    uint64_t t0 = mt_now();
    void *p = real.mremap(old, old_len, len, flags, target);
    if (p != MAP_FAILED && tracing())
        mt_record_mremap(old, old_len, p, len, t0);
    return p;
}

#define RANGE_HOOK(name, record)                                               \
    MT_EXPORT int name(void *addr, size_t len, int arg)                        \
    {                                                                          \
        if (!RESOLVED(name)) {                                                 \
            errno = ENOSYS;                                                    \
            return -1;                                                         \
        }                                                                      \
        int rc = real.name(addr, len, arg);                                    \
        if (rc == 0 && tracing())                                              \
            record(addr, len, arg);                                            \
        return rc;                                                             \
    }
RANGE_HOOK(mprotect, mt_record_mprotect)
RANGE_HOOK(madvise, mt_record_madvise)

/* ---- copies ---- */

#define COPY_HOOK(name, kind, params, args)                                    \
    MT_EXPORT void *name params                                                \
    {                                                                          \
        if (MT_UNLIKELY(!real.name)) {                                         \
            if (resolving || !RESOLVED(name)) {                                \
                boot_copy(d, s, n);                                            \
                return kind == MT_COPY_MEMPCPY ? (char *)d + n : d;            \
            }                                                                  \
        }                                                                      \
        if (!tracing())                                                        \
            return real.name args;                                             \
        if (MT_LIKELY(n < mt_cfg.copy_min) && !mt_record_may_gather(d)) {     \
            void *r = real.name args;                                          \
            mt_record_small_copy(n);                                           \
            return r;                                                          \
        }                                                                      \
        uint64_t t0 = mt_now();                                                \
        if (n < mt_cfg.copy_min) {                                             \
            void *r = real.name args;                                          \
            mt_record_gather_piece(d, s, n, t0, mt_now());                     \
            return r;                                                          \
        }                                                                      \
        void *r = real.name args;                                              \
        mt_record_copy(kind, d, s, n, t0, mt_now());                           \
        return r;                                                              \
    }
COPY_HOOK(memcpy, MT_COPY_MEMCPY, (void *d, const void *s, size_t n), (d, s, n))
COPY_HOOK(memmove, MT_COPY_MEMMOVE, (void *d, const void *s, size_t n), (d, s, n))
COPY_HOOK(mempcpy, MT_COPY_MEMPCPY, (void *d, const void *s, size_t n), (d, s, n))
COPY_HOOK(__memcpy_chk, MT_COPY_MEMCPY, (void *d, const void *s, size_t n, size_t cap),
          (d, s, n, cap))
COPY_HOOK(__memmove_chk, MT_COPY_MEMMOVE, (void *d, const void *s, size_t n, size_t cap),
          (d, s, n, cap))
COPY_HOOK(__mempcpy_chk, MT_COPY_MEMPCPY, (void *d, const void *s, size_t n, size_t cap),
          (d, s, n, cap))

/* ---- process lifetime: exec replaces the image, _exit skips destructors ---- */

#define EXEC_HOOK(name, params, args)                                          \
    MT_EXPORT int name params                                                  \
    {                                                                          \
        if (!RESOLVED(name)) {                                                 \
            errno = ENOSYS;                                                    \
            return -1;                                                         \
        }                                                                      \
        int stopped = mt_lifecycle_before_exec();                              \
        int rc = real.name args;                                               \
        int err = errno;                                                       \
        if (stopped)                                                           \
            mt_lifecycle_after_failed_exec();                                  \
        errno = err;                                                           \
        return rc;                                                             \
    }
EXEC_HOOK(execve, (const char *f, char *const a[], char *const e[]), (f, a, e))
EXEC_HOOK(execv, (const char *f, char *const a[]), (f, a))
EXEC_HOOK(execvp, (const char *f, char *const a[]), (f, a))
EXEC_HOOK(execvpe, (const char *f, char *const a[], char *const e[]), (f, a, e))
EXEC_HOOK(fexecve, (int fd, char *const a[], char *const e[]), (fd, a, e))

/* execl and friends are variadic in glibc and call execve internally, out of
 * our sight, so they are rebuilt here on top of the hooked v-forms. */
#define COLLECT_ARGS(first, last, argv, envp_out)                              \
    va_list ap;                                                                \
    size_t argc = 1;                                                           \
    va_start(ap, last);                                                        \
    while (va_arg(ap, char *))                                                 \
        argc++;                                                                \
    va_end(ap);                                                                \
    char *argv[argc + 1];                                                      \
    argv[0] = (char *)(first);                                                 \
    va_start(ap, last);                                                        \
    for (size_t i = 1; i <= argc; i++)                                         \
        argv[i] = va_arg(ap, char *);                                          \
    envp_out;                                                                  \
    va_end(ap)

MT_EXPORT int execl(const char *path, const char *arg, ...)
{
    COLLECT_ARGS(arg, arg, argv, (void)0);
    return execv(path, argv);
}

MT_EXPORT int execlp(const char *file, const char *arg, ...)
{
    COLLECT_ARGS(arg, arg, argv, (void)0);
    return execvp(file, argv);
}

MT_EXPORT int execle(const char *path, const char *arg, ...)
{
    char **envp;
    COLLECT_ARGS(arg, arg, argv, envp = va_arg(ap, char **));
    return execve(path, argv, envp);
}

/* ---- descriptors: a program closing what it did not open must not take
 * the trace's (lifecycle.c decides; the close seems to succeed) ---- */

MT_EXPORT int close(int fd)
{
    if (!RESOLVED(close)) {
        errno = ENOSYS;
        return -1;
    }
    if (MT_UNLIKELY(mt_lifecycle_keeps_fd(fd)))
        return 0;
    return real.close(fd);
}

MT_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
    if (!RESOLVED(close_range)) {
        errno = ENOSYS;
        return -1;
    }
    int keep[3], n = mt_lifecycle_kept_fds(keep), rc = 0;
    unsigned from = first;
    for (int i = 0; i < n; i++) {
        unsigned k = (unsigned)keep[i];
        if (k < from || k > last)
            continue;
        if (k > from && real.close_range(from, k - 1, flags) != 0)
            rc = -1;
        from = k + 1;
    }
    if (from <= last && real.close_range(from, last, flags) != 0)
        rc = -1;
    return rc;
}

MT_EXPORT void closefrom(int low)
{
    int keep[3];
    if (low < 0 || mt_lifecycle_kept_fds(keep) == 0) {
        if (RESOLVED(closefrom))
            real.closefrom(low);
        return;
    }
    if (close_range((unsigned)low, ~0u, 0) != 0) /* a kernel without close_range */
        for (int fd = low; fd < 65536; fd++)
            close(fd);
}

MT_EXPORT int dup2(int fd, int target)
{
    if (!RESOLVED(dup2)) {
        errno = ENOSYS;
        return -1;
    }
    if (fd != target)
        mt_lifecycle_yield_fd(target);
    return real.dup2(fd, target);
}

MT_EXPORT int dup3(int fd, int target, int flags)
{
    if (!RESOLVED(dup3)) {
        errno = ENOSYS;
        return -1;
    }
    mt_lifecycle_yield_fd(target);
    return real.dup3(fd, target, flags);
}

/* ---- modules ---- */

/* Stacks recorded so far may point into the module: the module map must
 * see it before it goes.  And the unwinder caches rules by code address,
 * which a module loaded later may take. */
MT_EXPORT int dlclose(void *handle)
{
    if (!RESOLVED(dlclose))
        return -1;
    mt_lifecycle_before_unload();
    int rc = real.dlclose(handle);
    mt_unwind_forget();
    return rc;
}

/* ---- SIGTERM: the program's view of it is sigterm.c's ---- */

MT_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (!RESOLVED(sigaction)) {
        errno = ENOSYS;
        return -1;
    }
    if (sig == SIGTERM && !mt_guard_busy())
        return mt_sigterm_sigaction(act, old);
    return real.sigaction(sig, act, old);
}

MT_EXPORT sighandler_t signal(int sig, sighandler_t h)
{
    if (sig == SIGTERM && !mt_guard_busy() && RESOLVED(sigaction))
        return mt_sigterm_signal(h);
    return RESOLVED(signal) ? real.signal(sig, h) : SIG_ERR;
}

MT_EXPORT void exit(int status)
{
    mt_lifecycle_note_exit(status);
    if (RESOLVED(exit))
        real.exit(status);
    abort();
}

MT_EXPORT void _exit(int status)
{
    mt_lifecycle_stop(MT_EXIT_IMMEDIATE, status);
    if (RESOLVED(_exit))
        real._exit(status);
    abort();
}

MT_EXPORT void _Exit(int status)
{
    mt_lifecycle_stop(MT_EXIT_IMMEDIATE, status);
    if (RESOLVED(_Exit))
        real._Exit(status);
    abort();
}
