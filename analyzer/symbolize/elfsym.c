/* ELF facts for the symbolizer through libelf: build-id notes, .gnu_debuglink,
 * function symbols of .symtab/.dynsym, and the separate debug file search of
 * gdb's "Separate Debug Files" manual page (build-id first, then debuglink). */
#include "analyzer/symbolize/elfsym.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/grow.h"

#define DEBUG_ROOT "/usr/lib/debug"

static int libelf_ready(void)
{
    static int state; /* 0 unknown, 1 ok, -1 unusable */
    if (!state)
        state = elf_version(EV_CURRENT) == EV_NONE ? -1 : 1;
    return state > 0;
}

// ---- notes and special sections ----

static void hex_of(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    if (n > (MTR_BUILD_ID_HEX_MAX - 1) / 2)
        n = 0; /* absurd length: treat as no build-id rather than truncate */
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static void scan_notes(Elf_Data *d, mtr_elf_info_t *info)
{
    GElf_Nhdr nh;
    size_t off = 0, name_off, desc_off, next;
    /* gelf_getnote bounds-checks every note against d_size. */
    while (d && !info->build_id[0] &&
           (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
            memcmp((char *)d->d_buf + name_off, "GNU", 4) == 0)
            hex_of((unsigned char *)d->d_buf + desc_off, nh.n_descsz, info->build_id);
        off = next;
    }
}

static void read_debuglink(Elf_Data *d, int big_endian, mtr_elf_info_t *info)
{
    if (!d || !d->d_buf || d->d_size < 6)
        return;
    const unsigned char *p = d->d_buf;
    size_t len = strnlen((const char *)p, d->d_size);
    size_t crc_off = (len + 1 + 3) & ~(size_t)3;
    if (len == 0 || len >= sizeof info->debuglink || crc_off + 4 > d->d_size ||
        memchr(p, '/', len))
        return;
    memcpy(info->debuglink, p, len + 1);
    const unsigned char *c = p + crc_off;
    info->debuglink_crc = big_endian
        ? (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3]
        : (uint32_t)c[3] << 24 | (uint32_t)c[2] << 16 | (uint32_t)c[1] << 8 | c[0];
}

/* Files stripped of section headers still have the build-id in a PT_NOTE. */
static void notes_from_phdrs(Elf *elf, mtr_elf_info_t *info)
{
    size_t n;
    GElf_Phdr ph;
    if (elf_getphdrnum(elf, &n) != 0)
        return;
    for (size_t i = 0; i < n && !info->build_id[0]; i++)
        if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_NOTE)
            scan_notes(elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz,
                                            ELF_T_NHDR),
                       info);
}

static uint64_t rd(const unsigned char *p, int n, int big_endian)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[big_endian ? i : n - 1 - i] << 8 * (n - 1 - i);
    return v;
}

/* libdwarf 20210528 frees twice when a .debug_rnglists/.debug_loclists unit
 * header is inconsistent (found by fuzzing this module), and it reads those
 * headers as soon as the first CU is visited.  Such DWARF is not used. */
static int lists_headers_ok(Elf_Scn *scn, const GElf_Shdr *sh, int big_endian)
{
    if ((sh->sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
        return 0;
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || !d->d_buf)
        return 0;
    const unsigned char *p = d->d_buf;
    size_t size = d->d_size, off = 0;
    while (off < size) {
        size_t hdr = 4;
        int offsz = 4;
        if (size - off < 4)
            return 0;
        uint64_t len = rd(p + off, 4, big_endian);
        if (len == 0xffffffffu) {
            if (size - off < 12)
                return 0;
            len = rd(p + off + 4, 8, big_endian);
            hdr = 12;
            offsz = 8;
        } else if (len >= 0xfffffff0u) {
            return 0;
        }
        if (len < 8 || len > size - off - hdr)
            return 0;
        const unsigned char *h = p + off + hdr;
        uint64_t version = rd(h, 2, big_endian), count = rd(h + 4, 4, big_endian);
        if (version != 5 || (h[2] != 4 && h[2] != 8) || h[3] != 0 || count * offsz > len - 8)
            return 0;
        off += hdr + len;
    }
    return 1;
}

// ---- symbols ----

static void read_symbols(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, mtr_elf_symtab_t *tab)
{
    Elf_Scn *strscn = elf_getscn(elf, sh->sh_link);
    Elf_Data *syms = elf_getdata(scn, NULL), *strs = strscn ? elf_getdata(strscn, NULL) : NULL;
    if (!syms || !strs || !strs->d_buf || !strs->d_size || !sh->sh_entsize)
        return;
    /* Names point into one private copy of the string table, NUL-terminated
     * at the end so a malformed last name cannot run past it. */
    tab->blobs = mtr_realloc(tab->blobs, tab->nblobs + 1, sizeof *tab->blobs);
    char *names = mtr_realloc(NULL, strs->d_size + 1, 1);
    memcpy(names, strs->d_buf, strs->d_size);
    names[strs->d_size] = '\0';
    tab->blobs[tab->nblobs++] = names;

    size_t count = syms->d_size / sh->sh_entsize;
    for (size_t i = 0; i < count; i++) {
        GElf_Sym sym;
        GElf_Shdr ssh;
        if (!gelf_getsym(syms, (int)i, &sym))
            break;
        int type = GELF_ST_TYPE(sym.st_info), bind = GELF_ST_BIND(sym.st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
            sym.st_shndx >= SHN_LORESERVE || sym.st_value == 0 || sym.st_name == 0 ||
            sym.st_name >= strs->d_size)
            continue;
        Elf_Scn *home = elf_getscn(elf, sym.st_shndx);
        if (!home || !gelf_getshdr(home, &ssh))
            continue;
        mtr_elf_sym_t s = {sym.st_value, sym.st_value + sym.st_size, names + sym.st_name, 0};
        if (sym.st_size == 0) /* an assembly label: at most to the end of its section */
            s.hi = ssh.sh_addr + ssh.sh_size > s.lo ? ssh.sh_addr + ssh.sh_size : s.lo + 1;
        else
            s.rank = 8;
        s.rank += bind == STB_GLOBAL ? 3 : bind == STB_WEAK ? 2 : 1;
        if (names[sym.st_name])
            MTR_PUSH(tab->v, tab->n, tab->cap, s);
    }
}

int mtr_elf_read(const char *path, mtr_elf_info_t *info, mtr_elf_symtab_t *tab)
{
    memset(info, 0, sizeof *info);
    if (!libelf_ready())
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    GElf_Ehdr eh;
    size_t shstrndx;
    int rc = -1;
    if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
        goto out;
    rc = 0;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0)
        shstrndx = SHN_UNDEF;
    int big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB, lists_ok = 1;
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            continue;
        const char *name = shstrndx != SHN_UNDEF ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
        if (sh.sh_type == SHT_NOTE)
            scan_notes(elf_getdata(scn, NULL), info);
        else if ((sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM) && tab)
            read_symbols(elf, scn, &sh, tab);
        else if (name && strcmp(name, ".gnu_debuglink") == 0)
            read_debuglink(elf_getdata(scn, NULL), big_endian, info);
        else if (name && sh.sh_type != SHT_NOBITS &&
                 (strcmp(name, ".debug_rnglists") == 0 || strcmp(name, ".debug_loclists") == 0))
            lists_ok = lists_ok && lists_headers_ok(scn, &sh, big_endian);
        else if (name && sh.sh_type != SHT_NOBITS && sh.sh_size > 0 &&
                 (strcmp(name, ".debug_info") == 0 || strcmp(name, ".zdebug_info") == 0))
            info->has_dwarf = 1;
    }
    if (!lists_ok)
        info->has_dwarf = 0;
    if (!info->build_id[0])
        notes_from_phdrs(elf, info);
out:
    if (elf)
        elf_end(elf);
    close(fd);
    return rc;
}

static int by_addr_then_rank(const void *a, const void *b)
{
    const mtr_elf_sym_t *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank > y->rank ? -1 : 1;
    /* Among equals, the shortest name is usually the public one (memcpy, not
     * __memcpy_chk-style internals). */
    size_t lx = strlen(x->name), ly = strlen(y->name);
    return lx < ly ? -1 : lx > ly ? 1 : strcmp(x->name, y->name);
}

void mtr_elf_symtab_finish(mtr_elf_symtab_t *tab)
{
    if (!tab->n)
        return;
    qsort(tab->v, tab->n, sizeof *tab->v, by_addr_then_rank);
    /* Keep the best alias per address; the sized end of any alias wins. */
    size_t w = 0;
    for (size_t r = 0; r < tab->n; r++) {
        if (w && tab->v[w - 1].lo == tab->v[r].lo) {
            if (tab->v[w - 1].rank < 8 && tab->v[r].rank >= 8)
                tab->v[w - 1].hi = tab->v[r].hi;
            continue;
        }
        tab->v[w++] = tab->v[r];
    }
    tab->n = w;
    /* A label without size ends where the next symbol starts. */
    for (size_t i = 0; i + 1 < tab->n; i++)
        if (tab->v[i].rank < 8 && tab->v[i].hi > tab->v[i + 1].lo)
            tab->v[i].hi = tab->v[i + 1].lo;
}

const char *mtr_elf_symtab_lookup(const mtr_elf_symtab_t *tab, uint64_t vaddr)
{
    size_t lo = 0, hi = tab->n;
    while (lo < hi) { /* first symbol starting above vaddr */
        size_t mid = lo + (hi - lo) / 2;
        if (tab->v[mid].lo <= vaddr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* A few steps back cover a small function nested in a bigger one's range. */
    for (size_t i = lo, steps = 0; i > 0 && steps < 8; i--, steps++)
        if (vaddr < tab->v[i - 1].hi)
            return tab->v[i - 1].name;
    return NULL;
}

void mtr_elf_symtab_free(mtr_elf_symtab_t *tab)
{
    for (size_t i = 0; i < tab->nblobs; i++)
        free(tab->blobs[i]);
    free(tab->blobs);
    free(tab->v);
    memset(tab, 0, sizeof *tab);
}

// ---- separate debug files ----

/* The CRC-32 that .gnu_debuglink stores (the zlib one). */
static int file_crc32(const char *path, uint32_t *out)
{
    static uint32_t table[256];
    if (!table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    FILE *f = fopen(path, "rbe");
    if (!f)
        return -1;
    unsigned char buf[1 << 16];
    uint32_t crc = 0xffffffffu;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++)
            crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
    int err = ferror(f);
    fclose(f);
    *out = ~crc;
    return err ? -1 : 0;
}

static int candidate_ok(const char *cand, const char *module, const mtr_elf_info_t *info)
{
    mtr_elf_info_t d;
    if (strcmp(cand, module) == 0 || mtr_elf_read(cand, &d, NULL) != 0)
        return 0;
    if (info->build_id[0])
        return strcmp(d.build_id, info->build_id) == 0;
    uint32_t crc;
    return info->debuglink[0] && file_crc32(cand, &crc) == 0 && crc == info->debuglink_crc;
}

int mtr_elf_find_debug_file(const char *path, const mtr_elf_info_t *info, char *buf,
                            size_t len)
{
    if (strlen(info->build_id) > 2) {
        int n = snprintf(buf, len, DEBUG_ROOT "/.build-id/%.2s/%s.debug", info->build_id,
                         info->build_id + 2);
        if (n > 0 && (size_t)n < len && candidate_ok(buf, path, info))
            return 0;
    }
    if (!info->debuglink[0])
        return -1;
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path) : 1;
    const char *dir = slash ? path : ".";
    static const char *const forms[] = {"%.*s/%s", "%.*s/.debug/%s", DEBUG_ROOT "%.*s/%s"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        if (i == 2 && dir[0] != '/')
            break; /* /usr/lib/debug/<dir> only makes sense for absolute dirs */
        int n = snprintf(buf, len, forms[i], dirlen, dir, info->debuglink);
        if (n > 0 && (size_t)n < len && candidate_ok(buf, path, info))
            return 0;
    }
    return -1;
}
