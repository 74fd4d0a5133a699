/* Counter-based splitmix64: the seeded values of the workloads.  The array is
 * handled as 64-bit words throughout so filling it needs no memcpy per element
 * (with -fno-builtin every memcpy would be a real call the tracer records). */
#include "workloads/rng.h"

#define GOLDEN 0x9E3779B97F4A7C15ULL

uint64_t wl_rng_bits(uint64_t seed, uint64_t i)
{
    uint64_t z = seed + (i + 1) * GOLDEN;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    if (((z >> 52) & 0x7ff) == 0x7ff)
        z ^= 1ULL << 62;
    return z;
}

void wl_rng_fill(uint64_t *a, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        a[i] = wl_rng_bits(seed, i);
}

size_t wl_rng_verify(const uint64_t *a, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != wl_rng_bits(seed, i))
            return i;
    return n;
}

uint64_t wl_checksum(const uint64_t *a, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += a[i] * (2 * (uint64_t)i + 1);
    return sum;
}
