/* The out-of-memory policy and the growth of arrays (see grow.h). */
#include "analyzer/grow.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mtr_out_of_memory(void)
{
    fputs("memtrace-report: out of memory\n", stderr);
    exit(2);
}

void *mtr_realloc(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        mtr_out_of_memory();
    size_t bytes = n * size;
    /* never 0 bytes: glibc's realloc(p, 0) frees p and returns NULL */
    void *q = realloc(p, bytes ? bytes : 1);
    if (!q)
        mtr_out_of_memory();
    return q;
}

void *mtr_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        mtr_out_of_memory();
    return p;
}

char *mtr_strdup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        mtr_out_of_memory();
    return d;
}

void *mtr_grow(void *arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return arr;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            mtr_out_of_memory();
        c *= 2;
    }
    arr = mtr_realloc(arr, c, size);
    *cap = c;
    return arr;
}
