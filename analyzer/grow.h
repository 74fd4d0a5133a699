/* Memory for the whole analyzer: one out-of-memory policy and the one way
 * arrays grow.  It sits at the top of analyzer/ because load/, symbolize/,
 * model/ and report/ all allocate, and a policy that each part chose for
 * itself was three policies (abort, a quiet NULL, a crash on the NULL).
 * memtrace-report has no half a report worth keeping, so it says so in one
 * line and exits 2, as for any input it cannot read. */
#ifndef MTR_GROW_H
#define MTR_GROW_H

#include <stddef.h>

/* Prints "memtrace-report: out of memory" on stderr and exits 2. */
_Noreturn void mtr_out_of_memory(void);

/* realloc(p, n * size), calloc(n, size) and strdup(s) that never return
 * NULL (mtr_strdup(NULL) is NULL); n * size overflowing is out of memory. */
void *mtr_realloc(void *p, size_t n, size_t size);
void *mtr_calloc(size_t n, size_t size);
char *mtr_strdup(const char *s);

/* Room for at least need elements of size bytes in arr, whose capacity is
 * *cap: the capacity doubles (from 16) until it holds need.  Returns the
 * array, perhaps moved. */
void *mtr_grow(void *arr, size_t *cap, size_t need, size_t size);

/* Appends item to arr, an array of n elements and cap capacity (lvalues of
 * type size_t); item must not point into arr, which may move. */
#define MTR_PUSH(arr, n, cap, item)                                            \
    do {                                                                       \
        if ((n) >= (cap))                                                      \
            (arr) = mtr_grow((arr), &(cap), (n) + 1, sizeof *(arr));           \
        (arr)[(n)++] = (item);                                                 \
    } while (0)

#endif
