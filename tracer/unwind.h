/* The unwinder contract.  Today libunwind; anything faster can replace it.
 * mt_unwind fills ips[0..max) with the calling thread's return addresses,
 * innermost first, skipping the frames inside libmemtrace itself, and returns
 * how many it wrote.  It must not call malloc (it runs inside malloc hooks)
 * and must be safe on any thread at any time the program may call malloc. */
#ifndef MT_UNWIND_H
#define MT_UNWIND_H

#include <stdint.h>

#define MT_MAX_DEPTH 256

void mt_unwind_init(void);
int mt_unwind(uintptr_t *ips, int max);

#endif
