/* The event clock: CLOCK_MONOTONIC nanoseconds.  Reading the vDSO costs
 * about 25 ns, two per malloc/free pair; where the kernel itself trusts the
 * TSC (its clocksource is "tsc": invariant and synchronized across CPUs) we
 * read the TSC and scale it, calibrated against CLOCK_MONOTONIC at start.
 *
 * Order across threads matters both ways (a free on one thread, then a
 * malloc of the same address on another; a malloc, then the free of that
 * pointer on the thread it was handed to), so every read is rdtscp, which
 * waits for all earlier loads, as the vDSO's own read does.  Plain rdtsc
 * may run ahead of the load that brought the pointer in. */
#ifndef MT_CLOCK_H
#define MT_CLOCK_H

#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

typedef struct {
    uint64_t tsc0, ns0;
    uint64_t mult; /* ns per tick, 32.32 fixed point */
    int on;
} mt_clock_t;

extern mt_clock_t mt_clock;

/* Calibrates; until it has run (or where the TSC is not trusted) the
 * clock is the vDSO's.  Idempotent. */
void mt_clock_init(void);
/* MT_CLOCK_TSC or MT_CLOCK_MONOTONIC (format/kinds.h): which clock stamps
 * this run's events. */
int mt_clock_kind(void);

static inline uint64_t mt_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__extension__ typedef unsigned __int128 mt_u128;

static inline uint64_t mt_tsc_ns(uint64_t tsc)
{
    uint64_t d = tsc > mt_clock.tsc0 ? tsc - mt_clock.tsc0 : 0;
    return mt_clock.ns0 + (uint64_t)(((mt_u128)d * mt_clock.mult) >> 32);
}

static inline uint64_t mt_now(void)
{
    unsigned aux;
    return mt_clock.on ? mt_tsc_ns(__rdtscp(&aux)) : mt_mono_ns();
}

#endif
