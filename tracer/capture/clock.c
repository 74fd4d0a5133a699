/* Calibration of the TSC event clock (see clock.h). */
#include "tracer/capture/clock.h"

#include <cpuid.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "format/kinds.h"

mt_clock_t mt_clock;

/* The kernel picks "tsc" only when the TSC is invariant and in step on
 * every CPU; anything else (kvm-clock, hpet) means we must not use it. */
static int kernel_trusts_tsc(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000001, &a, &b, &c, &d) || !(d & (1u << 27))) /* rdtscp */
        return 0;
    char buf[32] = {0};
    int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
                  O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n >= 3 && strncmp(buf, "tsc\n", 4) == 0;
}

/* One (tick, ns) pair, the clock read between two rdtscp; retried while a
 * preemption or a VM exit widens the bracket. */
static void pair(uint64_t *tick, uint64_t *ns)
{
    unsigned aux;
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 8; i++) {
        uint64_t a = __rdtscp(&aux), m = mt_mono_ns(), b = __rdtscp(&aux);
        if (b - a < best) {
            best = b - a;
            *tick = a + (b - a) / 2;
            *ns = m;
        }
    }
}

/* 200 us of calibration: with brackets of tens of ns the rate is good to
 * about 1e-4, i.e. a 100 s run ends within 10 ms of CLOCK_MONOTONIC. */
#define CALIBRATE_NS 200000

void mt_clock_init(void)
{
    if (mt_clock.on || !kernel_trusts_tsc())
        return;
    uint64_t c0, n0, c1, n1;
    pair(&c0, &n0);
    do
        pair(&c1, &n1);
    while (n1 - n0 < CALIBRATE_NS);
    if (c1 <= c0)
        return;
    mt_clock.mult = (uint64_t)(((mt_u128)(n1 - n0) << 32) / (c1 - c0));
    mt_clock.tsc0 = c1;
    mt_clock.ns0 = n1;
    mt_clock.on = 1;
}

int mt_clock_kind(void) { return mt_clock.on ? MT_CLOCK_TSC : MT_CLOCK_MONOTONIC; }
