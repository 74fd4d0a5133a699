/* A Python frame inside a stack: stack_nodes.ip holds, instead of a return
 * address, a tagged word naming a py_code row and an instruction offset.
 * User-space addresses on x86-64 stay below 2^47, so bit 62 cannot be a
 * native frame's.
 *   bit 62        set: a Python frame
 *   bits 24..61   py_code.id (1-based; 0: a code object the tracer could not
 *                 record)
 *   bits 0..23    the instruction's offset in code units (2 bytes), plus 1:
 *                 0 means "before the first instruction" (prev_instr points
 *                 one unit before the code while a frame starts) */
#ifndef MT_FORMAT_PYFRAME_H
#define MT_FORMAT_PYFRAME_H

#include <stdint.h>

#define MT_PYFRAME_TAG (1ull << 62)
/* py_code ids stay below this (the tracer's code table holds no more) */
#define MT_PYCODE_MAX (1u << 20)
#define MT_PYFRAME_LASTI_BITS 24
#define MT_PYFRAME_LASTI_MAX ((1u << MT_PYFRAME_LASTI_BITS) - 1)

static inline int mt_pyframe_is(uint64_t ip) { return (ip & MT_PYFRAME_TAG) != 0; }

/* lasti: code units from the start of the code, -1 before the first. */
static inline uint64_t mt_pyframe_make(uint64_t code_id, int64_t lasti)
{
    uint64_t l = lasti < -1 ? 0 : (uint64_t)(lasti + 1);
    if (l > MT_PYFRAME_LASTI_MAX)
        l = MT_PYFRAME_LASTI_MAX;
    return MT_PYFRAME_TAG | (code_id << MT_PYFRAME_LASTI_BITS) | l;
}

static inline uint64_t mt_pyframe_code(uint64_t ip)
{
    return (ip & ~MT_PYFRAME_TAG) >> MT_PYFRAME_LASTI_BITS;
}

/* The offset in code units, -1 before the first instruction. */
static inline int64_t mt_pyframe_lasti(uint64_t ip)
{
    return (int64_t)(ip & MT_PYFRAME_LASTI_MAX) - 1;
}

#endif
