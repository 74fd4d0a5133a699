/* DWARF lookups for the symbolizer through libdwarf 20210528.  Opening a module
 * only indexes its compile units by address; a CU's line rows and its tree of
 * functions and inlined instances are parsed the first time an address falls in
 * it, then searched by bisection.  Any libdwarf error degrades to "unknown". */
#include "analyzer/symbolize/dwarfsym.h"

#include <fcntl.h>
#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/grow.h"

#define NONE UINT32_MAX
#define MAX_DEPTH 256 /* DIE nesting beyond this is malformed input, not code */
#define NAME_HOPS 8   /* abstract_origin/specification chains are 1-2 long */

typedef struct range {
    uint64_t lo, hi;
    uint32_t idx; /* CU or scope index, depending on the array */
} range_t;

typedef struct rvec {
    range_t *v;
    size_t n, cap;
} rvec_t;

typedef struct row {
    uint64_t addr;
    uint32_t file; /* NONE marks an end_sequence row */
    uint32_t line;
    uint32_t order; /* position in the table, to keep sorting stable */
} row_t;

/* A subprogram or inlined instance with code.  Scopes are stored in DIE
 * preorder, so a scope's descendants are the indices after it up to `end`. */
typedef struct scope {
    const char *name; /* points into libdwarf's string sections */
    uint32_t parent, end;
    uint32_t call_file, call_line; /* where an inlined instance was called */
    uint32_t first_range, nranges;
} scope_t;

typedef struct cu {
    Dwarf_Off off; /* of the CU DIE */
    uint64_t base; /* DW_AT_low_pc: base of DWARF 2-4 range lists */
    Dwarf_Half version;
    int state; /* 0 not parsed, 1 parsed, -1 unusable, 2 during open: no ranges */
    int lines_done;
    scope_t *scopes;
    size_t nscopes, scap;
    rvec_t sranges; /* per scope, see first_range */
    rvec_t tops;    /* ranges of outermost scopes, sorted */
    row_t *rows;
    size_t nrows;
    char **files; /* by DWARF file number minus file_base */
    size_t nfiles;
    int64_t file_base; /* 1 before DWARF 5, 0 since */
} cu_t;

struct mtr_dwarf {
    int fd;
    Dwarf_Debug dbg;
    cu_t *cus;
    size_t ncus;
    rvec_t cu_ranges; /* sorted */
};

/* Frees a libdwarf error so every failing call can simply be skipped. */
static int ok(Dwarf_Debug dbg, int res, Dwarf_Error *err)
{
    if (*err) {
        dwarf_dealloc_error(dbg, *err);
        *err = NULL;
    }
    return res == DW_DLV_OK;
}

static void rvec_push(rvec_t *r, uint64_t lo, uint64_t hi, uint32_t idx)
{
    if (hi > lo)
        MTR_PUSH(r->v, r->n, r->cap, ((range_t){lo, hi, idx}));
}

static int by_lo(const void *a, const void *b)
{
    const range_t *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

/* Index of the first range starting above addr. */
static size_t upper(const rvec_t *r, uint64_t addr)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->v[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

// ---- DIE attributes ----

static void rnglists_ranges(Dwarf_Debug dbg, Dwarf_Attribute attr, Dwarf_Half form, rvec_t *out,
                            uint32_t idx)
{
    Dwarf_Error err = NULL;
    Dwarf_Unsigned val = 0, count = 0, goff = 0;
    Dwarf_Rnglists_Head head = NULL;
    int res = form == DW_FORM_rnglistx ? dwarf_formudata(attr, &val, &err)
                                       : dwarf_global_formref(attr, &val, &err);
    if (!ok(dbg, res, &err) ||
        !ok(dbg, dwarf_rnglists_get_rle_head(attr, form, val, &head, &count, &goff, &err), &err))
        return;
    for (Dwarf_Unsigned i = 0; i < count; i++) {
        unsigned len = 0, code = 0;
        Dwarf_Unsigned raw1, raw2, lo, hi;
        Dwarf_Bool unavailable = 0;
        if (!ok(dbg, dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &raw1, &raw2,
                                                       &unavailable, &lo, &hi, &err), &err))
            break;
        /* The cooked values are final addresses, base entries already applied. */
        if (!unavailable && code != DW_RLE_end_of_list && code != DW_RLE_base_address &&
            code != DW_RLE_base_addressx)
            rvec_push(out, lo, hi, idx);
    }
    dwarf_dealloc_rnglists_head(head);
}

static void debug_ranges(Dwarf_Debug dbg, Dwarf_Die die, Dwarf_Attribute attr, uint64_t base,
                         rvec_t *out, uint32_t idx)
{
    Dwarf_Error err = NULL;
    Dwarf_Off off = 0;
    Dwarf_Unsigned uoff = 0;
    /* DWARF 4 uses sec_offset, DWARF 2-3 a plain data form. */
    if (!ok(dbg, dwarf_global_formref(attr, &off, &err), &err)) {
        if (!ok(dbg, dwarf_formudata(attr, &uoff, &err), &err))
            return;
        off = uoff;
    }
    Dwarf_Ranges *rb = NULL;
    Dwarf_Signed n = 0;
    Dwarf_Unsigned bytes = 0;
    if (!ok(dbg, dwarf_get_ranges_a(dbg, off, die, &rb, &n, &bytes, &err), &err))
        return;
    for (Dwarf_Signed i = 0; i < n; i++) {
        if (rb[i].dwr_type == DW_RANGES_END)
            break;
        if (rb[i].dwr_type == DW_RANGES_ADDRESS_SELECTION)
            base = rb[i].dwr_addr2;
        else
            rvec_push(out, base + rb[i].dwr_addr1, base + rb[i].dwr_addr2, idx);
    }
    dwarf_ranges_dealloc(dbg, rb, n);
}

/* Appends the code ranges of die (low/high pc, or DW_AT_ranges) to out. */
static void die_ranges(Dwarf_Debug dbg, Dwarf_Die die, const cu_t *cu, rvec_t *out, uint32_t idx)
{
    Dwarf_Error err = NULL;
    Dwarf_Addr lo = 0, hi = 0;
    Dwarf_Half form = 0;
    enum Dwarf_Form_Class cls = DW_FORM_CLASS_UNKNOWN;
    Dwarf_Attribute attr = NULL;
    if (ok(dbg, dwarf_lowpc(die, &lo, &err), &err) &&
        ok(dbg, dwarf_highpc_b(die, &hi, &form, &cls, &err), &err)) {
        rvec_push(out, lo, cls == DW_FORM_CLASS_CONSTANT ? lo + hi : hi, idx);
        return;
    }
    if (!ok(dbg, dwarf_attr(die, DW_AT_ranges, &attr, &err), &err))
        return;
    if (ok(dbg, dwarf_whatform(attr, &form, &err), &err)) {
        if (cu->version >= 5)
            rnglists_ranges(dbg, attr, form, out, idx);
        else
            debug_ranges(dbg, die, attr, cu->base, out, idx);
    }
    dwarf_dealloc_attribute(attr);
}

static int die_udata(Dwarf_Debug dbg, Dwarf_Die die, Dwarf_Half at, uint32_t *out)
{
    Dwarf_Error err = NULL;
    Dwarf_Attribute attr = NULL;
    Dwarf_Unsigned v = 0;
    if (!ok(dbg, dwarf_attr(die, at, &attr, &err), &err))
        return 0;
    Dwarf_Signed sv = -1;
    int good = ok(dbg, dwarf_formudata(attr, &v, &err), &err);
    /* GCC 12 shares call_file values through DW_FORM_implicit_const, which
     * this libdwarf only reads as signed. */
    if (!good && ok(dbg, dwarf_formsdata(attr, &sv, &err), &err) && sv >= 0) {
        v = (Dwarf_Unsigned)sv;
        good = 1;
    }
    good = good && v < NONE;
    dwarf_dealloc_attribute(attr);
    if (good)
        *out = (uint32_t)v;
    return good;
}

static const char *die_string(Dwarf_Debug dbg, Dwarf_Die die, Dwarf_Half at)
{
    Dwarf_Error err = NULL;
    Dwarf_Attribute attr = NULL;
    char *s = NULL;
    if (!ok(dbg, dwarf_attr(die, at, &attr, &err), &err))
        return NULL;
    if (!ok(dbg, dwarf_formstring(attr, &s, &err), &err))
        s = NULL;
    dwarf_dealloc_attribute(attr);
    return s && s[0] ? s : NULL;
}

/* A mangled linkage name comes first: for C++ it tells the class and the
 * overload apart (DW_AT_name is just "add"), and it matches what .symtab gives
 * for code without DWARF.  A C function's linkage name is an asm label (glibc's
 * __GI_ aliases), so there DW_AT_name wins.  Concrete instances carry their
 * names through the abstract instance they come from (DW_AT_abstract_origin)
 * or the declaration they complete (DW_AT_specification), possibly in
 * another CU. */
static const char *die_name(Dwarf_Debug dbg, Dwarf_Die die, int hops)
{
    static const Dwarf_Half refs[] = {DW_AT_abstract_origin, DW_AT_specification};
    Dwarf_Error err = NULL;
    const char *link = die_string(dbg, die, DW_AT_linkage_name), *name;
    if (!link)
        link = die_string(dbg, die, DW_AT_MIPS_linkage_name);
    if (link && link[0] == '_' && (link[1] == 'Z' || link[1] == 'R'))
        return link;
    if ((name = die_string(dbg, die, DW_AT_name)))
        return name;
    for (size_t i = 0; hops > 0 && i < sizeof refs / sizeof refs[0]; i++) {
        Dwarf_Attribute attr = NULL;
        Dwarf_Off off = 0;
        Dwarf_Die target = NULL;
        if (!ok(dbg, dwarf_attr(die, refs[i], &attr, &err), &err))
            continue;
        int good = ok(dbg, dwarf_global_formref(attr, &off, &err), &err);
        dwarf_dealloc_attribute(attr);
        if (!good || !ok(dbg, dwarf_offdie_b(dbg, off, 1, &target, &err), &err))
            continue;
        name = die_name(dbg, target, hops - 1);
        dwarf_dealloc_die(target);
        if (name)
            return name;
    }
    return link;
}

// ---- one CU: function tree ----

static uint32_t add_scope(Dwarf_Debug dbg, cu_t *cu, Dwarf_Die die, Dwarf_Half tag,
                          uint32_t parent)
{
    size_t first = cu->sranges.n;
    if (cu->nscopes >= NONE - 1)
        return NONE;
    die_ranges(dbg, die, cu, &cu->sranges, (uint32_t)cu->nscopes);
    if (cu->sranges.n == first)
        return NONE; /* declarations and abstract instances have no code */
    cu->scopes = mtr_grow(cu->scopes, &cu->scap, cu->nscopes + 1, sizeof *cu->scopes);
    scope_t *s = &cu->scopes[cu->nscopes];
    *s = (scope_t){die_name(dbg, die, NAME_HOPS), NONE, 0, NONE, 0, (uint32_t)first,
                   (uint32_t)(cu->sranges.n - first)};
    if (tag == DW_TAG_inlined_subroutine && parent != NONE) {
        s->parent = parent;
        die_udata(dbg, die, DW_AT_call_file, &s->call_file);
        die_udata(dbg, die, DW_AT_call_line, &s->call_line);
    }
    return (uint32_t)cu->nscopes++;
}

/* Walks the children of die; cur is the innermost enclosing scope. */
static void walk(Dwarf_Debug dbg, cu_t *cu, Dwarf_Die die, uint32_t cur, int depth)
{
    Dwarf_Error err = NULL;
    Dwarf_Die child = NULL;
    if (depth > MAX_DEPTH || !ok(dbg, dwarf_child(die, &child, &err), &err))
        return;
    while (child) {
        Dwarf_Half tag = 0;
        if (ok(dbg, dwarf_tag(child, &tag, &err), &err)) {
            switch (tag) {
            case DW_TAG_subprogram:
            case DW_TAG_inlined_subroutine: {
                uint32_t s = add_scope(dbg, cu, child, tag, cur);
                /* A subprogram without code can still hold nested definitions. */
                walk(dbg, cu, child, s != NONE ? s : cur, depth + 1);
                if (s != NONE)
                    cu->scopes[s].end = (uint32_t)cu->nscopes;
                break;
            }
            case DW_TAG_lexical_block:
            case DW_TAG_namespace:
            case DW_TAG_try_block:
            case DW_TAG_catch_block:
                walk(dbg, cu, child, cur, depth + 1);
                break;
            default:
                break; /* types, variables: nothing with code below */
            }
        }
        Dwarf_Die next = NULL;
        int res = dwarf_siblingof_b(dbg, child, 1, &next, &err);
        dwarf_dealloc_die(child);
        child = ok(dbg, res, &err) ? next : NULL;
    }
}

// ---- one CU: line table ----

static int row_order(const void *a, const void *b)
{
    const row_t *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    /* A sequence ending where the next starts must sort before its start. */
    int ex = x->file == NONE, ey = y->file == NONE;
    if (ex != ey)
        return ex ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void load_files(Dwarf_Debug dbg, cu_t *cu, Dwarf_Die cu_die, Dwarf_Line_Context lc)
{
    Dwarf_Error err = NULL;
    Dwarf_Signed base = 0, count = 0, end = 0, n = 0;
    char **names = NULL;
    if (!ok(dbg, dwarf_srclines_files_indexes(lc, &base, &count, &end, &err), &err) ||
        !ok(dbg, dwarf_srcfiles(cu_die, &names, &n, &err), &err))
        return;
    cu->file_base = base;
    cu->files = n > 0 ? mtr_calloc((size_t)n, sizeof *cu->files) : NULL;
    for (Dwarf_Signed i = 0; i < n; i++) {
        cu->files[i] = mtr_strdup(names[i]);
        dwarf_dealloc(dbg, names[i], DW_DLA_STRING);
    }
    cu->nfiles = n > 0 ? (size_t)n : 0;
    dwarf_dealloc(dbg, names, DW_DLA_LIST);
}

static void load_lines(Dwarf_Debug dbg, cu_t *cu, Dwarf_Die cu_die)
{
    Dwarf_Error err = NULL;
    Dwarf_Unsigned version = 0;
    Dwarf_Small tables = 0;
    Dwarf_Line_Context lc = NULL;
    Dwarf_Line *lines = NULL;
    Dwarf_Signed n = 0;
    cu->lines_done = 1;
    if (!ok(dbg, dwarf_srclines_b(cu_die, &version, &tables, &lc, &err), &err))
        return;
    load_files(dbg, cu, cu_die, lc);
    /* This libdwarf starts each DWARF 5 sequence with file register 0, where
     * the standard (Table 6.4) says 1.  GCC and GNU as never select file 0
     * themselves, so in their tables a 0 can only be that default.  (Clang
     * selects 0 explicitly for its main file; its 0s are left alone.) */
    const char *producer = die_string(dbg, cu_die, DW_AT_producer);
    int file0_is_1 = version == 5 && producer && strncmp(producer, "GNU ", 4) == 0;
    if (tables == 1 && ok(dbg, dwarf_srclines_from_linecontext(lc, &lines, &n, &err), &err) &&
        n > 0) {
        cu->rows = mtr_realloc(NULL, (size_t)n, sizeof *cu->rows);
        for (Dwarf_Signed i = 0; i < n; i++) {
            Dwarf_Addr addr = 0;
            Dwarf_Unsigned line = 0, file = 0;
            Dwarf_Bool end = 0;
            if (!ok(dbg, dwarf_lineaddr(lines[i], &addr, &err), &err) ||
                !ok(dbg, dwarf_lineendsequence(lines[i], &end, &err), &err))
                continue;
            if (!end && (!ok(dbg, dwarf_lineno(lines[i], &line, &err), &err) ||
                         !ok(dbg, dwarf_line_srcfileno(lines[i], &file, &err), &err) ||
                         file >= NONE || line > INT32_MAX))
                continue;
            if (file == 0 && file0_is_1)
                file = 1;
            cu->rows[cu->nrows++] =
                (row_t){addr, end ? NONE : (uint32_t)file, (uint32_t)line, (uint32_t)i};
        }
        qsort(cu->rows, cu->nrows, sizeof *cu->rows, row_order);
    }
    dwarf_srclines_dealloc_b(lc);
}

static const char *file_name(const cu_t *cu, uint32_t file)
{
    int64_t i = (int64_t)file - cu->file_base;
    return i >= 0 && (size_t)i < cu->nfiles ? cu->files[i] : NULL;
}

static int parse_cu(mtr_dwarf_t *d, cu_t *cu)
{
    Dwarf_Error err = NULL;
    Dwarf_Die die = NULL;
    if (cu->state)
        return cu->state;
    cu->state = -1;
    if (!ok(d->dbg, dwarf_offdie_b(d->dbg, cu->off, 1, &die, &err), &err))
        return -1;
    if (!cu->lines_done)
        load_lines(d->dbg, cu, die);
    walk(d->dbg, cu, die, NONE, 0);
    dwarf_dealloc_die(die);
    for (size_t i = 0; i < cu->nscopes; i++)
        if (cu->scopes[i].parent == NONE)
            for (uint32_t k = 0; k < cu->scopes[i].nranges; k++) {
                range_t r = cu->sranges.v[cu->scopes[i].first_range + k];
                rvec_push(&cu->tops, r.lo, r.hi, (uint32_t)i);
            }
    if (cu->tops.n)
        qsort(cu->tops.v, cu->tops.n, sizeof *cu->tops.v, by_lo);
    return cu->state = 1;
}

static void free_cu(cu_t *cu)
{
    for (size_t i = 0; i < cu->nfiles; i++)
        free(cu->files[i]);
    free(cu->files);
    free(cu->rows);
    free(cu->scopes);
    free(cu->sranges.v);
    free(cu->tops.v);
}

// ---- module ----

static int add_cu(mtr_dwarf_t *d, size_t *cap, Dwarf_Half version)
{
    Dwarf_Error err = NULL;
    Dwarf_Die die = NULL;
    Dwarf_Addr base = 0;
    if (!ok(d->dbg, dwarf_siblingof_b(d->dbg, NULL, 1, &die, &err), &err))
        return -1;
    d->cus = mtr_grow(d->cus, cap, d->ncus + 1, sizeof *d->cus);
    cu_t *cu = &d->cus[d->ncus];
    memset(cu, 0, sizeof *cu);
    cu->version = version;
    if (!ok(d->dbg, dwarf_dieoffset(die, &cu->off, &err), &err)) {
        dwarf_dealloc_die(die);
        return 0;
    }
    if (ok(d->dbg, dwarf_lowpc(die, &base, &err), &err))
        cu->base = base;
    uint32_t idx = (uint32_t)d->ncus++;
    size_t before = d->cu_ranges.n;
    die_ranges(d->dbg, die, cu, &d->cu_ranges, idx);
    dwarf_dealloc_die(die);
    cu->state = d->cu_ranges.n == before ? 2 : 0; /* 2: no ranges, see unranged_cus */
    return 0;
}

/* A CU without address attributes gets ranges from its line table's sequences
 * (most such CUs hold only data and have none); done after the header walk,
 * which reading a CU would disturb.  Its DIEs are still parsed lazily. */
static void unranged_cus(mtr_dwarf_t *d)
{
    for (size_t c = 0; c < d->ncus; c++) {
        cu_t *cu = &d->cus[c];
        Dwarf_Error err = NULL;
        Dwarf_Die die = NULL;
        if (cu->state != 2)
            continue;
        cu->state = 0;
        if (!ok(d->dbg, dwarf_offdie_b(d->dbg, cu->off, 1, &die, &err), &err))
            continue;
        load_lines(d->dbg, cu, die);
        dwarf_dealloc_die(die);
        for (size_t i = 0, start = 0; i < cu->nrows; i++)
            if (cu->rows[i].file == NONE) {
                rvec_push(&d->cu_ranges, cu->rows[start].addr, cu->rows[i].addr, (uint32_t)c);
                start = i + 1;
            }
    }
}

mtr_dwarf_t *mtr_dwarf_open(const char *path)
{
    Dwarf_Error err = NULL;
    mtr_dwarf_t *d = mtr_calloc(1, sizeof *d);
    d->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (d->fd < 0 || !ok(NULL, dwarf_init_b(d->fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL,
                                            &d->dbg, &err), &err)) {
        d->dbg = NULL;
        mtr_dwarf_close(d);
        return NULL;
    }
    size_t cap = 0;
    for (;;) {
        Dwarf_Unsigned len = 0, typeoff = 0, next = 0;
        Dwarf_Half ver = 0, asize = 0, lsize = 0, xsize = 0, type = 0;
        Dwarf_Off abbrev = 0;
        Dwarf_Sig8 sig;
        int res = dwarf_next_cu_header_d(d->dbg, 1, &len, &ver, &abbrev, &asize, &lsize, &xsize,
                                         &sig, &typeoff, &next, &type, &err);
        if (!ok(d->dbg, res, &err))
            break; /* end, or a broken header: keep the CUs read so far */
        if (type == DW_UT_compile && add_cu(d, &cap, ver) != 0)
            break;
    }
    unranged_cus(d);
    if (d->cu_ranges.n)
        qsort(d->cu_ranges.v, d->cu_ranges.n, sizeof *d->cu_ranges.v, by_lo);
    if (!d->ncus) {
        mtr_dwarf_close(d);
        return NULL;
    }
    return d;
}

void mtr_dwarf_close(mtr_dwarf_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->ncus; i++)
        free_cu(&d->cus[i]);
    free(d->cus);
    free(d->cu_ranges.v);
    if (d->dbg) {
        Dwarf_Error err = NULL;
        ok(NULL, dwarf_finish(d->dbg, &err), &err);
    }
    if (d->fd >= 0)
        close(d->fd);
    free(d);
}

// ---- lookup ----

static int scope_has(const cu_t *cu, uint32_t s, uint64_t addr)
{
    const scope_t *sc = &cu->scopes[s];
    for (uint32_t k = 0; k < sc->nranges; k++) {
        const range_t *r = &cu->sranges.v[sc->first_range + k];
        if (r->lo <= addr && addr < r->hi)
            return 1;
    }
    return 0;
}

static uint32_t innermost_scope(const cu_t *cu, uint64_t addr)
{
    uint32_t s = NONE;
    /* Outermost functions do not overlap in sane DWARF; look back a little
     * anyway so a small overlap does not hide the right one. */
    for (size_t i = upper(&cu->tops, addr), steps = 0; i > 0 && steps < 16; i--, steps++)
        if (addr < cu->tops.v[i - 1].hi) {
            s = cu->tops.v[i - 1].idx;
            break;
        }
    if (s == NONE)
        return NONE;
    for (uint32_t j = s + 1; j < cu->scopes[s].end && j < cu->nscopes;) {
        if (scope_has(cu, j, addr)) {
            s = j++;
            continue;
        }
        j = cu->scopes[j].end > j ? cu->scopes[j].end : j + 1;
    }
    return s;
}

static const row_t *find_row(const cu_t *cu, uint64_t addr)
{
    size_t lo = 0, hi = cu->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cu->rows[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* The last row at or below addr holds; an end_sequence row means a gap. */
    if (lo == 0 || cu->rows[lo - 1].file == NONE)
        return NULL;
    return &cu->rows[lo - 1];
}

static int lookup_cu(const cu_t *cu, uint64_t addr, mtr_frame_t *out, int max)
{
    const row_t *row = find_row(cu, addr);
    uint32_t s = innermost_scope(cu, addr);
    if (!row && s == NONE)
        return 0;
    int n = 0;
    out[n++] = (mtr_frame_t){s != NONE ? cu->scopes[s].name : NULL,
                             row ? file_name(cu, row->file) : NULL, row ? (int)row->line : 0};
    /* Each inlined instance's call site is where its caller's frame is. */
    while (s != NONE && cu->scopes[s].parent != NONE) {
        const scope_t *in = &cu->scopes[s];
        mtr_frame_t f = {cu->scopes[in->parent].name, file_name(cu, in->call_file),
                         (int)in->call_line};
        s = in->parent;
        if (n < max)
            out[n++] = f;
        else
            out[max - 1] = f; /* too deep: keep the outlined function last */
    }
    return n;
}

int mtr_dwarf_lookup(mtr_dwarf_t *d, uint64_t vaddr, mtr_frame_t *out, int max)
{
    if (!d || max <= 0)
        return 0;
    for (size_t i = upper(&d->cu_ranges, vaddr), steps = 0; i > 0 && steps < 16; i--, steps++) {
        const range_t *r = &d->cu_ranges.v[i - 1];
        if (vaddr >= r->hi || parse_cu(d, &d->cus[r->idx]) != 1)
            continue;
        int n = lookup_cu(&d->cus[r->idx], vaddr, out, max);
        if (n > 0)
            return n;
    }
    return 0;
}
