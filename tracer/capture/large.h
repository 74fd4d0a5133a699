/* Live heap blocks of at least gather_min bytes, so
 * a small copy can tell in one load whether its destination may lie inside
 * one: a byte per MiB of address space counts the large blocks touching that
 * MiB.  Only when it is non-zero is the (short) block list searched. */
#ifndef MT_LARGE_H
#define MT_LARGE_H

#include <stdint.h>

#define MT_REGION_SHIFT 20
#define MT_ADDR_BITS 47

extern _Atomic(uint8_t) *mt_regions;

void mt_large_init(void);
void mt_large_add(uint64_t start, uint64_t size);
/* Removes the block starting at start; returns its size, 0 if none. */
uint64_t mt_large_remove(uint64_t start);
/* The block holding addr: 1 and its bounds, or 0. */
int mt_large_find(uint64_t addr, uint64_t *start, uint64_t *end);

static inline int mt_large_maybe(uint64_t addr)
{
    return mt_regions && (addr >> MT_ADDR_BITS) == 0 &&
           __atomic_load_n((uint8_t *)&mt_regions[addr >> MT_REGION_SHIFT], __ATOMIC_RELAXED);
}

#endif
