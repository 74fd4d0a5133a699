/* Raw mappings, warnings and array growth for the tracer (see common.h):
 * the first two must work inside a malloc hook, so they never allocate. */
#include "tracer/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

void *mt_map(size_t len, int noreserve)
{
    long r = syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | (noreserve ? MAP_NORESERVE : 0), -1, 0);
    return r < 0 && r > -4096 ? NULL : (void *)r;
}

void *mt_map_hot(size_t len)
{
    long r = syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
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

int mt_grow(void *parr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    /* 64 at first, as every array here started before: the tracer's own
     * allocations shape the program's heap, and with it which of the
     * program's reallocs move */
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *arr;
    memcpy(&arr, parr, sizeof arr);
    void *grown = n <= SIZE_MAX / elem ? realloc(arr, n * elem) : NULL;
    if (!grown)
        return -1;
    memcpy(parr, &grown, sizeof grown);
    *cap = n;
    return 0;
}
