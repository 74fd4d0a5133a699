/* Raw mappings and warnings for the tracer: both must work inside a malloc
 * hook, so neither may allocate through malloc. */
#include "tracer/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

MT_TLS int mt_busy;

void *mt_map(size_t len, int noreserve)
{
    long r = syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | (noreserve ? MAP_NORESERVE : 0), -1, 0);
    return r < 0 && r > -4096 ? NULL : (void *)r;
}

void mt_unmap(void *p, size_t len)
{
    if (p)
        syscall(SYS_munmap, p, len);
}

void mt_warn(const char *fmt, ...)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "memtrace: ");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof buf - 2)
        len = sizeof buf - 2;
    buf[len++] = '\n';
    ssize_t w = write(2, buf, len);
    (void)w;
}
