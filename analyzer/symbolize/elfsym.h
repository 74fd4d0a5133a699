/* ELF side of the symbolizer: the facts the symbolizer needs from one ELF file
 * (GNU build-id, .gnu_debuglink, whether it carries DWARF), its function symbols
 * from .symtab/.dynsym, and the search for a separate debug file. */
#ifndef MTR_SYMBOLIZE_ELFSYM_H
#define MTR_SYMBOLIZE_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

/* Build-ids are 20 bytes (SHA-1) in practice; 64 bytes leaves room for others. */
#define MTR_BUILD_ID_HEX_MAX (64 * 2 + 1)

typedef struct mtr_elf_info {
    char build_id[MTR_BUILD_ID_HEX_MAX]; /* lowercase hex, "" if none */
    char debuglink[256];                 /* basename from .gnu_debuglink, "" if none */
    uint32_t debuglink_crc;
    int has_dwarf; /* a non-empty .debug_info with contents (not NOBITS) */
} mtr_elf_info_t;

typedef struct mtr_elf_sym {
    uint64_t lo, hi;
    const char *name;
    unsigned rank; /* higher wins among aliases: sized, global, weak, local */
} mtr_elf_sym_t;

/* Function symbols of a module, merged from every symbol table read into it. */
typedef struct mtr_elf_symtab {
    mtr_elf_sym_t *v;
    size_t n, cap;
    char **blobs; /* copies of string tables that the names point into */
    size_t nblobs;
} mtr_elf_symtab_t;

/* Reads info (and, if tab is not NULL, appends STT_FUNC/IFUNC symbols of .symtab
 * and .dynsym to tab).  Returns 0 for a readable ELF file, -1 otherwise. */
int mtr_elf_read(const char *path, mtr_elf_info_t *info, mtr_elf_symtab_t *tab);

/* Sorts tab and resolves aliases; call once after the last mtr_elf_read. */
void mtr_elf_symtab_finish(mtr_elf_symtab_t *tab);
/* Name of the function containing vaddr, NULL if none. */
const char *mtr_elf_symtab_lookup(const mtr_elf_symtab_t *tab, uint64_t vaddr);
void mtr_elf_symtab_free(mtr_elf_symtab_t *tab);

/* Finds the separate debug file of the module at path whose facts are info:
 * /usr/lib/debug/.build-id/xx/yyyy.debug, then the .gnu_debuglink name in the
 * module's directory, its .debug/ and /usr/lib/debug/<dir>/.  A candidate must
 * match the build-id (or the debuglink CRC when there is no build-id).
 * Writes the path to buf and returns 0 when found, -1 otherwise. */
int mtr_elf_find_debug_file(const char *path, const mtr_elf_info_t *info, char *buf,
                            size_t len);

#endif
