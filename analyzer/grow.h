/* A growable array in three lines: arr, its count and its capacity. */
#ifndef MTR_GROW_H
#define MTR_GROW_H

#include <stdlib.h>

#define VEC_PUSH(arr, n, cap, item)                                            \
    do {                                                                       \
        if ((n) == (cap)) {                                                    \
            size_t c_ = (cap) ? (cap) * 2 : 16;                                \
            void *p_ = realloc((arr), c_ * sizeof *(arr));                     \
            if (!p_)                                                           \
                abort();                                                       \
            (arr) = p_;                                                        \
            (cap) = c_;                                                        \
        }                                                                      \
        (arr)[(n)++] = (item);                                                 \
    } while (0)

#endif
