/* DWARF side of the symbolizer (libdwarf 20210528): per module an index of
 * compile units by address; per CU, parsed on first use, sorted line rows and
 * the tree of functions and inlined instances. */
#ifndef MTR_SYMBOLIZE_DWARFSYM_H
#define MTR_SYMBOLIZE_DWARFSYM_H

#include <stdint.h>

#include "analyzer/symbolize/symbolize.h"

typedef struct mtr_dwarf mtr_dwarf_t;

/* Opens the DWARF of the ELF file at path; NULL if it has none or is unusable.
 * Keeps the file open until mtr_dwarf_close (libdwarf reads sections lazily). */
mtr_dwarf_t *mtr_dwarf_open(const char *path);
void mtr_dwarf_close(mtr_dwarf_t *d);

/* Frames at vaddr, innermost first (see mtr_symbolize).  The outermost frame's
 * function is NULL when the line table covers vaddr but no subprogram does.
 * Returns 0 when the DWARF knows nothing about vaddr. */
int mtr_dwarf_lookup(mtr_dwarf_t *d, uint64_t vaddr, mtr_frame_t *out, int max);

#endif
