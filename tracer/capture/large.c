/* The large-block list and region counters of large.h.  Slots are claimed by
 * CAS; a scan sees a slot only once both bounds are written (end published
 * last), so concurrent adds and finds need no lock. */
#include "tracer/capture/large.h"

#include <stdatomic.h>

#include "tracer/common.h"

#define SLOTS 4096

typedef struct {
    _Atomic uint64_t start; /* 0 = free, 1 = being written */
    _Atomic uint64_t end;
} block_t;

_Atomic(uint8_t) *mt_regions;
static block_t *blocks;
static _Atomic unsigned high; /* slots in use are all below this */

void mt_large_init(void)
{
    if (blocks)
        return;
    blocks = mt_map(sizeof(block_t) * SLOTS, 0);
    mt_regions = mt_map((size_t)1 << (MT_ADDR_BITS - MT_REGION_SHIFT), 1);
}

static void count_regions(uint64_t start, uint64_t end, int delta)
{
    if (!mt_regions || (end - 1) >> MT_ADDR_BITS)
        return;
    for (uint64_t r = start >> MT_REGION_SHIFT; r <= (end - 1) >> MT_REGION_SHIFT; r++) {
        if (delta > 0)
            atomic_fetch_add_explicit(&mt_regions[r], 1, memory_order_relaxed);
        else
            atomic_fetch_sub_explicit(&mt_regions[r], 1, memory_order_relaxed);
    }
}

void mt_large_add(uint64_t start, uint64_t size)
{
    if (!blocks || start < 2 || size == 0)
        return;
    for (unsigned i = 0; i < SLOTS; i++) {
        uint64_t zero = 0;
        if (atomic_load_explicit(&blocks[i].start, memory_order_relaxed) != 0 ||
            !atomic_compare_exchange_strong(&blocks[i].start, &zero, 1))
            continue;
        atomic_store_explicit(&blocks[i].end, start + size, memory_order_relaxed);
        atomic_store_explicit(&blocks[i].start, start, memory_order_release);
        unsigned h = atomic_load(&high);
        while (h < i + 1 && !atomic_compare_exchange_weak(&high, &h, i + 1))
            ;
        count_regions(start, start + size, +1);
        return;
    }
    /* full: this block's small copies simply go ungathered */
}

static uint64_t release(unsigned i, uint64_t start)
{
    uint64_t end = atomic_load_explicit(&blocks[i].end, memory_order_relaxed);
    if (!atomic_compare_exchange_strong(&blocks[i].start, &start, 1))
        return 0;
    count_regions(start, end, -1);
    atomic_store_explicit(&blocks[i].end, 0, memory_order_relaxed);
    atomic_store_explicit(&blocks[i].start, 0, memory_order_release);
    return end - start;
}

uint64_t mt_large_remove(uint64_t start)
{
    if (!blocks || !mt_large_maybe(start))
        return 0;
    unsigned h = atomic_load(&high);
    for (unsigned i = 0; i < h; i++)
        if (atomic_load_explicit(&blocks[i].start, memory_order_acquire) == start)
            return release(i, start);
    return 0;
}

int mt_large_find(uint64_t addr, uint64_t *start, uint64_t *end)
{
    if (!blocks)
        return 0;
    unsigned h = atomic_load(&high);
    for (unsigned i = 0; i < h; i++) {
        uint64_t s = atomic_load_explicit(&blocks[i].start, memory_order_acquire);
        if (s < 2 || addr < s)
            continue;
        uint64_t e = atomic_load_explicit(&blocks[i].end, memory_order_relaxed);
        if (addr < e) {
            *start = s;
            *end = e;
            return 1;
        }
    }
    return 0;
}
