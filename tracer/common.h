/* Small helpers every tracer module uses: branch hints, visibility, raw
 * mappings that bypass our own mmap hook, warnings without stdio, and one
 * way to grow an array. */
#ifndef MT_COMMON_H
#define MT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define MT_LIKELY(x) __builtin_expect(!!(x), 1)
#define MT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MT_NOINLINE __attribute__((noinline))
#define MT_EXPORT __attribute__((visibility("default")))
/* initial-exec: no __tls_get_addr call (which may allocate) on the hot path;
 * fine because libmemtrace.so is preloaded, never dlopen'ed. */
#define MT_TLS __thread __attribute__((tls_model("initial-exec")))

/* Anonymous memory straight from the kernel, invisible to our mmap hook. */
void *mt_map(size_t len, int noreserve);
/* The same with every page made now, in one system call: for memory that
 * is used at once and whole (buffer segments).  A page
 * fault costs tens of microseconds in a virtual machine, a populated page
 * one or two, and a short-lived process paid for hundreds of faults. */
void *mt_map_hot(size_t len);
void mt_unmap(void *p, size_t len);

/* One line on stderr, prefixed "memtrace: ", without stdio (no allocation). */
void mt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grows the array *parr (a T ** passed as void *) of elem-byte items and
 * capacity *cap to hold at least need items, doubling.  0, or -1 with the
 * array untouched when out of memory: the tracer then drops what it would
 * have stored, and never fails the program. */
int mt_grow(void *parr, size_t *cap, size_t need, size_t elem);

#endif
