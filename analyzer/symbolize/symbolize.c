/* The symbolizer: a cache of modules (one per recorded path, read once) and the
 * policy of mtr_symbolize: check the build-id, ask the DWARF (from the file or
 * its separate debug file), fall back to .symtab/.dynsym names. */
#include "analyzer/symbolize/symbolize.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/grow.h"
#include "analyzer/symbolize/dwarfsym.h"
#include "analyzer/symbolize/elfsym.h"

/* Modules found only through a recorded build-id are cached under this prefix,
 * which no recorded (absolute) path can start with. */
#define BY_BUILD_ID "build-id:"

enum { MOD_OK, MOD_MISSING, MOD_UNREADABLE };

typedef struct module {
    char *key;
    int state;
    mtr_elf_info_t info; /* of the module file itself */
    mtr_elf_symtab_t syms;
    mtr_dwarf_t *dwarf;
    struct module *next; /* hash chain */
} module_t;

struct mtr_symbolizer {
    module_t **buckets;
    size_t nbuckets, nmodules;
    module_t *last; /* consecutive lookups mostly hit the same module */
};

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211u;
    return h;
}

mtr_symbolizer_t *mtr_symbolizer_new(void)
{
    mtr_symbolizer_t *s = mtr_calloc(1, sizeof *s);
    s->buckets = mtr_calloc(s->nbuckets = 64, sizeof *s->buckets);
    return s;
}

static void module_free(module_t *m)
{
    mtr_dwarf_close(m->dwarf);
    mtr_elf_symtab_free(&m->syms);
    free(m->key);
    free(m);
}

void mtr_symbolizer_free(mtr_symbolizer_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nbuckets; i++)
        for (module_t *m = s->buckets[i], *next; m; m = next) {
            next = m->next;
            module_free(m);
        }
    free(s->buckets);
    free(s);
}

/* Reads the symbols of file (and of its debug file when it has no DWARF).
 * debug_of: the facts used to find a debug file for it. */
static void module_load(module_t *m, const char *file, const mtr_elf_info_t *debug_of)
{
    char dbgpath[4096];
    mtr_elf_info_t dinfo;
    if (m->info.has_dwarf)
        m->dwarf = mtr_dwarf_open(file);
    if (!m->dwarf && mtr_elf_find_debug_file(file, debug_of, dbgpath, sizeof dbgpath) == 0 &&
        mtr_elf_read(dbgpath, &dinfo, &m->syms) == 0 && dinfo.has_dwarf)
        m->dwarf = mtr_dwarf_open(dbgpath);
    mtr_elf_symtab_finish(&m->syms);
}

static module_t *module_new(const char *key, const char *path, const char *build_id)
{
    module_t *m = mtr_calloc(1, sizeof *m);
    m->key = mtr_strdup(key);
    if (!build_id) {
        if (mtr_elf_read(path, &m->info, &m->syms) == 0)
            module_load(m, path, &m->info);
        else
            m->state = access(path, F_OK) == 0 ? MOD_UNREADABLE : MOD_MISSING;
        return m;
    }
    /* The module file is gone but the recorded build-id may name a debug file. */
    mtr_elf_info_t want = {0};
    char dbgpath[4096];
    strncpy(want.build_id, build_id, sizeof want.build_id - 1);
    for (char *c = want.build_id; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (mtr_elf_find_debug_file(path, &want, dbgpath, sizeof dbgpath) == 0 &&
        mtr_elf_read(dbgpath, &m->info, &m->syms) == 0)
        module_load(m, dbgpath, &m->info);
    else
        m->state = MOD_MISSING;
    return m;
}

static module_t *module_get(mtr_symbolizer_t *s, const char *key, const char *path,
                            const char *build_id)
{
    if (s->last && strcmp(s->last->key, key) == 0)
        return s->last;
    size_t b = hash(key) & (s->nbuckets - 1);
    for (module_t *m = s->buckets[b]; m; m = m->next)
        if (strcmp(m->key, key) == 0)
            return s->last = m;
    if (s->nmodules >= s->nbuckets) { /* keep chains short: double and rehash */
        module_t **nb = mtr_calloc(s->nbuckets * 2, sizeof *nb);
        for (size_t i = 0; i < s->nbuckets; i++)
            for (module_t *m = s->buckets[i], *next; m; m = next) {
                next = m->next;
                size_t h = hash(m->key) & (s->nbuckets * 2 - 1);
                m->next = nb[h];
                nb[h] = m;
            }
        free(s->buckets);
        s->buckets = nb;
        s->nbuckets *= 2;
        b = hash(key) & (s->nbuckets - 1);
    }
    module_t *m = module_new(key, path, build_id);
    m->next = s->buckets[b];
    s->buckets[b] = m;
    s->nmodules++;
    return s->last = m;
}

static int same_build_id(const char *recorded, const char *on_disk)
{
    size_t n = strlen(recorded);
    return n == strlen(on_disk) && strncasecmp(recorded, on_disk, n) == 0;
}

static int module_lookup(const module_t *m, uint64_t vaddr, mtr_frame_t *out, int max)
{
    int n = mtr_dwarf_lookup(m->dwarf, vaddr, out, max);
    if (n > 0) {
        /* Code without a DW_TAG_subprogram (assembly) still has a symbol. */
        if (!out[n - 1].function)
            out[n - 1].function = mtr_elf_symtab_lookup(&m->syms, vaddr);
        return n;
    }
    const char *name = mtr_elf_symtab_lookup(&m->syms, vaddr);
    if (!name)
        return 0;
    out[0] = (mtr_frame_t){name, NULL, 0};
    return 1;
}

int mtr_symbolize(mtr_symbolizer_t *s, const char *path, const char *build_id, uint64_t vaddr,
                  mtr_frame_t *out, int max, int *status)
{
    int ignored;
    if (!status)
        status = &ignored;
    *status = MTR_SYM_NO_SYMBOL;
    if (!s || !path || !out || max <= 0)
        return 0;
    if (build_id && !build_id[0])
        build_id = NULL;
    module_t *m = module_get(s, path, path, NULL);
    if (m->state == MOD_MISSING && build_id) {
        char *key = mtr_realloc(NULL, strlen(BY_BUILD_ID) + strlen(build_id) + 1, 1);
        strcpy(key, BY_BUILD_ID);
        strcat(key, build_id);
        m = module_get(s, key, path, build_id);
        free(key);
    } else if (m->state == MOD_OK && build_id && !same_build_id(build_id, m->info.build_id)) {
        *status = MTR_SYM_BUILD_ID_MISMATCH;
        return 0; /* symbols of another build would be plausible and wrong */
    }
    if (m->state == MOD_MISSING) {
        *status = MTR_SYM_NO_FILE;
        return 0;
    }
    if (m->state != MOD_OK)
        return 0;
    int n = module_lookup(m, vaddr, out, max);
    if (n > 0)
        *status = MTR_SYM_OK;
    return n;
}
