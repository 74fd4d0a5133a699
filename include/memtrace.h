/* memtrace's region API for programs.  Include it and call the functions
 * whether or not the program runs under memtrace: each wrapper looks the
 * tracer's function up once at run time (dlsym(RTLD_DEFAULT)), and without
 * libmemtrace.so preloaded it does nothing.  Link nothing (glibc 2.34 and
 * later have dlsym in libc; older ones need -ldl).
 *
 *   memtrace_region_begin("decode");   regions nest, per thread
 *   ...
 *   memtrace_region_end();             ends the thread's innermost region
 *   memtrace_sync();                   commits the trace now (0), or -1
 *   memtrace_database();               this process's trace file, or NULL
 *
 * `memtrace-report --region decode run.db` then reports only that region. */
#ifndef MEMTRACE_H
#define MEMTRACE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_DEFAULT */
static inline const char *memtrace_database(void)
{
    static void *fn;
    static int done;
    const char *(*f)(void);
    *(void **)&f = memtrace__resolve_(&fn, &done, "memtrace_database");
    return f ? f() : (const char *)0;
}

#endif
#include <dlfcn.h>

/* The tracer's function named name, or NULL; looked up once per slot. */
static inline void *memtrace__resolve_(void **slot, int *done, const char *name)
{
    if (!*done) {
        *slot = dlsym(RTLD_DEFAULT, name);
        *done = 1;
    }
    return *slot;
}

static inline void memtrace_region_begin(const char *name)
{
    static void *fn;
    static int done;
    void (*f)(const char *);
    *(void **)&f = memtrace__resolve_(&fn, &done, "memtrace_region_begin");
    if (f)
        f(name);
}

static inline void memtrace_region_end(void)
{
    static void *fn;
    static int done;
    void (*f)(void);
    *(void **)&f = memtrace__resolve_(&fn, &done, "memtrace_region_end");
    if (f)
        f();
}

static inline int memtrace_sync(void)
{
    static void *fn;
    static int done;
    int (*f)(void);
    *(void **)&f = memtrace__resolve_(&fn, &done, "memtrace_sync");
    return f ? f() : -1;
}

static inline const char *memtrace_database(void)
{
    static void *fn;
    static int done;
    const char *(*f)(void);
    *(void **)&f = memtrace__resolve_(&fn, &done, "memtrace_database");
    return f ? f() : (const char *)0;
}

#endif
