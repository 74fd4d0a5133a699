/* Small helpers every tracer module uses: the clock, branch hints, raw
 * mappings that bypass our own mmap hook, and the per-thread guard. */
#ifndef MT_COMMON_H
#define MT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "tracer/capture/clock.h"

#define MT_LIKELY(x) __builtin_expect(!!(x), 1)
#define MT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MT_NOINLINE __attribute__((noinline))
#define MT_EXPORT __attribute__((visibility("default")))
/* initial-exec: no __tls_get_addr call (which may allocate) on the hot path;
 * fine because libmemtrace.so is preloaded, never dlopen'ed. */
#define MT_TLS __thread __attribute__((tls_model("initial-exec")))

/* Set while a thread runs tracer code (or for good, in the writer thread):
 * every hook then passes straight through, so nothing the tracer does is
 * traced and nothing recurses. */
extern MT_TLS int mt_busy;

/* Anonymous memory straight from the kernel, invisible to our mmap hook. */
void *mt_map(size_t len, int noreserve);
void mt_unmap(void *p, size_t len);

/* One line on stderr, prefixed "memtrace: ", without stdio (no allocation). */
void mt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
