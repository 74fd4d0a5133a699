/* CPython 3.11's location table (co_linetable), read offline: the line of
 * an instruction, as PyCode_Addr2Line gives it. */
#ifndef MTR_SYMBOLIZE_PYLINE_H
#define MTR_SYMBOLIZE_PYLINE_H

#include <stddef.h>
#include <stdint.h>

/* The line of the instruction lasti code units into the code (-1: the
 * frame has not started, which reads as firstlineno); 0 for an instruction
 * with no location or beyond the table. */
int mtr_pyline(const uint8_t *table, size_t len, int firstlineno, int64_t lasti);

#endif
