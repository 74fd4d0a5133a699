/* The seeded values every workload writes and verifies.  Element i depends only
 * on (seed, i), so a reader regenerates them on the fly without a second array,
 * and tests/workloads/zarr_tool.py computes the same values with numpy. */
#ifndef WL_RNG_H
#define WL_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Bit pattern of float64 element i: splitmix64(seed + (i+1)*golden), with
 * exponent 0x7ff (inf/NaN) folded to 0x3ff.  Every byte is near uniform, so
 * neither blosc nor zstd can compress the data. */
uint64_t wl_rng_bits(uint64_t seed, uint64_t i);

void wl_rng_fill(uint64_t *a, size_t n, uint64_t seed);

/* Index of the first element that differs from the seeded values, or n. */
size_t wl_rng_verify(const uint64_t *a, size_t n, uint64_t seed);

/* sum(bits[i] * (2i+1)) mod 2^64: order-sensitive, cheap in numpy too. */
uint64_t wl_checksum(const uint64_t *a, size_t n);

#endif
