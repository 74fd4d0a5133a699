/* Which mapping a stack pointer lies in, from /proc/self/maps, for the
 * unwinder's bounds.  Raw system calls only: it runs inside malloc hooks,
 * where it must not allocate, take a lock or be a cancellation point. */
#ifndef MT_STACKMAP_H
#define MT_STACKMAP_H

#include <stdint.h>

/* The writable private mapping [*lo, *hi) holding sp, if it is anonymous or
 * the main thread's [stack] (*named then set); -1 for anything else (the
 * heap, a file, no mapping), which can shrink under a cached bound.  errno is
 * left as it was. */
int mt_stack_mapping(uintptr_t sp, uintptr_t *lo, uintptr_t *hi, int *named);

#endif
