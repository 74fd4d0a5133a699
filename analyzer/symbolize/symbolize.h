/* Offline symbolization of recorded code addresses: module file + address ->
 * function, source file and line, with inlined frames, from DWARF (also in
 * separate debug files), else from ELF symbol tables.  Not thread-safe: use one
 * symbolizer per thread. */
#ifndef MTR_SYMBOLIZE_SYMBOLIZE_H
#define MTR_SYMBOLIZE_SYMBOLIZE_H

#include <stdint.h>

typedef struct mtr_symbolizer mtr_symbolizer_t;

typedef struct mtr_frame {
    const char *function; /* demangling not required; NULL if unknown */
    const char *file;     /* source file path as in DWARF (full path if known), NULL if unknown */
    int line;             /* 0 if unknown */
} mtr_frame_t;            /* strings are owned by the symbolizer, valid until mtr_symbolizer_free */

enum { MTR_SYM_OK, MTR_SYM_NO_FILE, MTR_SYM_BUILD_ID_MISMATCH, MTR_SYM_NO_SYMBOL };

mtr_symbolizer_t *mtr_symbolizer_new(void);
void mtr_symbolizer_free(mtr_symbolizer_t *s);

/* Symbolizes one code address of a module.  path: the module file as recorded at
 * trace time; build_id: hex string recorded at trace time, or NULL (or "") when
 * unknown; vaddr: the address in the ELF file's own virtual address space (the
 * caller already did ip - bias - 1).  Fills out[0..max) with the frames at that
 * address, innermost (deepest inlined) first, the last one being the real
 * (outlined) function, and returns their count: >= 1 when anything is known,
 * 0 when nothing is.  When there are more than max frames, the innermost
 * max - 1 and the outlined function are kept.
 * *status (may be NULL) tells why when degraded:
 *   MTR_SYM_NO_FILE            neither the file nor a debug file for build_id exists
 *   MTR_SYM_BUILD_ID_MISMATCH  the file on disk is another build: 0 frames, always
 *   MTR_SYM_NO_SYMBOL          the file is there but nothing covers vaddr
 * Each module is read once and cached for the life of the symbolizer. */
int mtr_symbolize(mtr_symbolizer_t *s, const char *path, const char *build_id, uint64_t vaddr,
                  mtr_frame_t *out, int max, int *status);

#endif
