/* The x86-64 unwind rule at one pc, read from the object's .eh_frame_hdr
 * search table and .eh_frame (LSB "Exception Frames"; DWARF 4 section 6.4).
 * Every read goes through a bounded cursor: a malformed entry gives -1,
 * never a read outside the mapped .eh_frame_hdr or .eh_frame. */
#include "tracer/capture/cfi.h"

#include <libdwarf/dwarf.h> /* DW_CFA_* and DW_EH_PE_*: the standard's names */
#include <link.h>
#include <string.h>

enum { REG_RBP = 6, REG_RSP = 7, REG_RA = 16, STATE_DEPTH = 8 };
enum { CFA_OTHER = 0xfe, CFA_NONE = 0xff };
/* Pointer encodings: the low nibble is the format, 0x70 the base, and
 * 0x80 marks an indirect pointer (not in libdwarf's list). */
enum { PE_FORMAT = 0x0f, PE_BASE = 0x70, PE_INDIRECT = 0x80 };
/* The primary opcodes keep their operand in the low six bits. */
enum { CFA_PRIMARY = 0xc0, CFA_OPERAND = 0x3f };

/* ---- bounded reading ---- */

/* A failed read sets bad and yields 0; callers check bad once, at the end
 * of a step, because a garbage value can steer logic but never a read. */
typedef struct {
    const uint8_t *p, *end;
    int bad;
} rd_t;

static uint64_t rd_fixed(rd_t *r, size_t n, int is_signed)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    memcpy(&v, r->p, n); /* little-endian; memcpy because entries are unaligned */
    r->p += n;
    if (is_signed && n < 8 && (v >> (8 * n - 1)) & 1)
        v |= ~0ull << (8 * n);
    return v;
}

static uint64_t rd_leb(rd_t *r, int is_signed)
{
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        uint8_t b = (uint8_t)rd_fixed(r, 1, 0);
        if (r->bad || shift > 63) {
            r->bad = 1;
            return 0;
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) {
            if (is_signed && shift < 64 && (b & 0x40))
                v |= ~0ull << shift;
            return v;
        }
    }
}

#define U8(r) ((uint8_t)rd_fixed(r, 1, 0))
#define ULEB(r) rd_leb(r, 0)
#define SLEB(r) ((int64_t)rd_leb(r, 1))

/* Bytes of each DW_EH_PE format (absptr, udata2/4/8, sdata2/4/8); 0: none
 * or variable (uleb128, sleb128). */
static const uint8_t fixed_size[16] = {8, 0, 2, 4, 8, 0, 0, 0, 0, 0, 2, 4, 8};

/* A DW_EH_PE-encoded pointer.  pcrel is relative to the field itself;
 * datarel only has a base (.eh_frame_hdr) in the search table. */
static uint64_t rd_ptr(rd_t *r, uint8_t enc, uintptr_t datarel)
{
    uintptr_t here = (uintptr_t)r->p;
    uint8_t fmt = enc & PE_FORMAT;
    uint64_t v = 0;
    if (fmt == DW_EH_PE_uleb128 || fmt == DW_EH_PE_sleb128)
        v = rd_leb(r, fmt == DW_EH_PE_sleb128);
    else if (fixed_size[fmt])
        v = rd_fixed(r, fixed_size[fmt], fmt >= DW_EH_PE_sdata2);
    else
        r->bad = 1;
    if ((enc & PE_BASE) == DW_EH_PE_pcrel)
        v += here;
    else if ((enc & PE_BASE) == DW_EH_PE_datarel && datarel)
        v += datarel;
    else if (enc & PE_BASE) /* textrel, funcrel, aligned: not used on x86-64 */
        r->bad = 1;
    r->bad |= (enc & PE_INDIRECT) != 0; /* and omit, 0xff */
    return v;
}

/* ---- the CFA program ---- */

enum { R_SAME, R_OFFSET, R_UNDEF, R_OTHER }; /* R_SAME covers "no rule" */

typedef struct {
    uint8_t how;
    int64_t off;
} rule_t;

typedef struct {
    int64_t cfa_off;
    uint8_t cfa_reg;  /* REG_RSP, REG_RBP, CFA_OTHER or CFA_NONE */
    rule_t rbp, ra;   /* every other register's rule is irrelevant here */
} row_t;

typedef struct {
    uint64_t code_align;
    int64_t data_align;
    uint8_t fde_enc, has_z;
    const uint8_t *insns, *end; /* the CIE's initial instructions */
} cie_t;

static void set_rule(row_t *row, uint64_t reg, uint8_t how, int64_t off)
{
    if (reg == REG_RBP)
        row->rbp = (rule_t){how, off};
    else if (reg == REG_RA)
        row->ra = (rule_t){how, off};
}

/* DW_CFA_restore: back to the rule the CIE's initial instructions set. */
static void restore(row_t *row, const row_t *init, uint64_t reg)
{
    const rule_t *k = reg == REG_RBP ? &init->rbp : &init->ra;
    set_rule(row, reg, k->how, k->off);
}

/* Only rsp and rbp bases fit the model; CFA_NONE is no rule or an expression. */
static uint8_t cfa_base(uint64_t reg)
{
    return reg == REG_RSP || reg == REG_RBP ? (uint8_t)reg : CFA_OTHER;
}

static int64_t scaled(uint64_t n, int64_t align)
{
    return (int64_t)(n * (uint64_t)align); /* wraps instead of signed overflow */
}

static void skip_block(rd_t *r)
{
    uint64_t n = ULEB(r);
    if (n > (uint64_t)(r->end - r->p))
        r->bad = 1;
    else
        r->p += n;
}

/* The extended opcodes whose first operand is a register (uleb128). */
#define REG_OPS                                                                \
    (1ull << DW_CFA_offset_extended | 1ull << DW_CFA_restore_extended |        \
     1ull << DW_CFA_undefined | 1ull << DW_CFA_same_value |                    \
     1ull << DW_CFA_register | 1ull << DW_CFA_def_cfa |                        \
     1ull << DW_CFA_def_cfa_register | 1ull << DW_CFA_expression |             \
     1ull << DW_CFA_offset_extended_sf | 1ull << DW_CFA_def_cfa_sf |           \
     1ull << DW_CFA_val_offset | 1ull << DW_CFA_val_offset_sf |                \
     1ull << DW_CFA_val_expression |                                           \
     1ull << DW_CFA_GNU_negative_offset_extended)

/* Runs one instruction stream over *row until the row for pc is complete
 * (returns 1), the stream ends (0) or it is malformed or unsupported (-1).
 * init is the row after the CIE's instructions, for DW_CFA_restore. */
static int run(rd_t *r, const cie_t *c, const row_t *init, row_t *row, uint64_t *loc,
               uint64_t pc)
{
    row_t stack[STATE_DEPTH];
    int depth = 0;
    int64_t da = c->data_align;
    while (r->p < r->end && !r->bad) {
        uint8_t op = U8(r);
        int primary = op & CFA_PRIMARY;
        /* the register operand, or advance_loc's delta: both in the low bits */
        uint64_t reg = primary ? op & CFA_OPERAND : REG_OPS >> op & 1 ? ULEB(r) : 0;
        uint64_t next = *loc;
        switch (primary ? primary : op) {
        case DW_CFA_nop: break;
        case DW_CFA_advance_loc: next += reg * c->code_align; break;
        case DW_CFA_advance_loc1: next += rd_fixed(r, 1, 0) * c->code_align; break;
        case DW_CFA_advance_loc2: next += rd_fixed(r, 2, 0) * c->code_align; break;
        case DW_CFA_advance_loc4: next += rd_fixed(r, 4, 0) * c->code_align; break;
        case DW_CFA_set_loc: next = rd_ptr(r, c->fde_enc, 0); break;
        case DW_CFA_offset:
        case DW_CFA_offset_extended: set_rule(row, reg, R_OFFSET, scaled(ULEB(r), da)); break;
        case DW_CFA_offset_extended_sf:
            set_rule(row, reg, R_OFFSET, scaled((uint64_t)SLEB(r), da));
            break;
        case DW_CFA_GNU_negative_offset_extended:
            set_rule(row, reg, R_OFFSET, -scaled(ULEB(r), da));
            break;
        case DW_CFA_restore:
        case DW_CFA_restore_extended: restore(row, init, reg); break;
        case DW_CFA_undefined: set_rule(row, reg, R_UNDEF, 0); break;
        case DW_CFA_same_value: set_rule(row, reg, R_SAME, 0); break;
        case DW_CFA_register:
        case DW_CFA_val_offset: ULEB(r); set_rule(row, reg, R_OTHER, 0); break;
        case DW_CFA_val_offset_sf: SLEB(r); set_rule(row, reg, R_OTHER, 0); break;
        case DW_CFA_expression:
        case DW_CFA_val_expression: skip_block(r); set_rule(row, reg, R_OTHER, 0); break;
        case DW_CFA_remember_state: /* the CFA too, as GCC and LLVM save it */
            if (depth == STATE_DEPTH)
                return -1;
            stack[depth++] = *row;
            break;
        case DW_CFA_restore_state:
            if (depth == 0)
                return -1;
            *row = stack[--depth];
            break;
        case DW_CFA_def_cfa: row->cfa_reg = cfa_base(reg); row->cfa_off = (int64_t)ULEB(r); break;
        case DW_CFA_def_cfa_sf:
            row->cfa_reg = cfa_base(reg);
            row->cfa_off = scaled((uint64_t)SLEB(r), da);
            break;
        case DW_CFA_def_cfa_register: /* keeps an expression CFA an expression */
            if (row->cfa_reg != CFA_NONE)
                row->cfa_reg = cfa_base(reg);
            break;
        case DW_CFA_def_cfa_offset: row->cfa_off = (int64_t)ULEB(r); break;
        case DW_CFA_def_cfa_offset_sf: row->cfa_off = scaled((uint64_t)SLEB(r), da); break;
        case DW_CFA_def_cfa_expression: skip_block(r); row->cfa_reg = CFA_NONE; break;
        case DW_CFA_GNU_args_size: ULEB(r); break;
        default: return -1;
        }
        if (r->bad)
            return -1;
        if (next > pc)
            return 1;
        *loc = next;
    }
    return r->bad ? -1 : 0;
}

/* ---- CIE and FDE ---- */

/* The body (after the length) of the entry at addr inside .eh_frame [lo, hi).
 * A zero length is the terminator; 64-bit lengths never occur in .eh_frame. */
static int entry(uintptr_t addr, uintptr_t lo, uintptr_t hi, rd_t *out)
{
    if (addr < lo || addr >= hi)
        return -1;
    rd_t r = {(const uint8_t *)addr, (const uint8_t *)hi, 0};
    uint64_t len = rd_fixed(&r, 4, 0);
    if (r.bad || len == 0 || len == 0xffffffff || len > (uint64_t)(r.end - r.p))
        return -1;
    *out = (rd_t){r.p, r.p + len, 0};
    return 0;
}

static int parse_cie(rd_t r, cie_t *c)
{
    uint64_t id = rd_fixed(&r, 4, 0);
    uint8_t version = U8(&r);
    if (r.bad || id != 0 || (version != 1 && version != 3))
        return -1;
    const char *aug = (const char *)r.p;
    size_t alen = strnlen(aug, (size_t)(r.end - r.p));
    if (alen == (size_t)(r.end - r.p))
        return -1;
    r.p += alen + 1;
    c->code_align = ULEB(&r);
    c->data_align = SLEB(&r);
    uint64_t ra = version == 1 ? U8(&r) : ULEB(&r);
    c->fde_enc = 0; /* absptr, unless 'R' says otherwise */
    c->has_z = aug[0] == 'z';
    /* Without 'z' ("eh" from old GCC) the augmentation data cannot be skipped.
     * 'S' marks a signal frame: its pc is not after a call and its registers
     * come from a ucontext, which is libunwind's job. */
    if (ra != REG_RA || (alen && !c->has_z) || memchr(aug, 'S', alen))
        return -1;
    if (c->has_z) {
        uint64_t n = ULEB(&r);
        if (r.bad || n > (uint64_t)(r.end - r.p))
            return -1;
        rd_t d = {r.p, r.p + n, 0};
        r.p += n;
        for (const char *a = aug + 1; *a && !d.bad; a++) {
            uint8_t enc = *a == 'R' || *a == 'P' || *a == 'L' ? U8(&d) : 0;
            if (*a == 'R')
                c->fde_enc = enc;
            else if (*a == 'P' && enc != DW_EH_PE_omit)
                rd_ptr(&d, enc & PE_FORMAT, 0); /* the personality: skipped, never followed */
            else if (*a != 'P' && *a != 'L')
                break; /* unknown letter: like libgcc, trust 'z' to skip the rest */
        }
        if (d.bad)
            return -1;
    }
    c->insns = r.p;
    c->end = r.end;
    return r.bad ? -1 : 0;
}

/* The rule at pc from the FDE at addr; [lo, hi) bounds .eh_frame. */
static int fde_rule(uintptr_t addr, uintptr_t lo, uintptr_t hi, uint64_t pc, mt_cfi_rule_t *out)
{
    rd_t f, cr;
    cie_t c;
    if (entry(addr, lo, hi, &f))
        return -1;
    uintptr_t id_at = (uintptr_t)f.p;
    uint64_t cie_off = rd_fixed(&f, 4, 0); /* back from here to the CIE; 0 marks a CIE */
    if (f.bad || cie_off == 0 || cie_off > id_at - lo)
        return -1;
    if (entry(id_at - cie_off, lo, hi, &cr) || parse_cie(cr, &c))
        return -1;
    uint64_t begin = rd_ptr(&f, c.fde_enc, 0);
    uint64_t range = rd_ptr(&f, c.fde_enc & PE_FORMAT, 0);
    if (c.has_z)
        skip_block(&f); /* the LSDA pointer */
    if (f.bad || pc - begin >= range)
        return -1;

    row_t blank = {.cfa_reg = CFA_NONE}, row = blank, init;
    uint64_t loc = begin;
    rd_t ci = {c.insns, c.end, 0};
    int rc = run(&ci, &c, &blank, &row, &loc, pc);
    init = row;
    if (rc == 0)
        rc = run(&f, &c, &init, &row, &loc, pc);
    if (rc < 0)
        return -1;

    if (row.ra.how == R_UNDEF) {
        *out = (mt_cfi_rule_t){.last = 1};
        return 0;
    }
    if (row.ra.how != R_OFFSET || row.ra.off != -8)
        return -1;
    if ((row.cfa_reg != REG_RSP && row.cfa_reg != REG_RBP) || row.cfa_off != (int32_t)row.cfa_off)
        return -1;
    if ((row.rbp.how != R_SAME && row.rbp.how != R_OFFSET) || row.rbp.off != (int32_t)row.rbp.off)
        return -1;
    *out = (mt_cfi_rule_t){
        .cfa_off = (int32_t)row.cfa_off,
        .rbp_off = (int32_t)row.rbp.off,
        .cfa_rbp = row.cfa_reg == REG_RBP,
        .rbp_saved = row.rbp.how == R_OFFSET,
    };
    return 0;
}

/* ---- finding the FDE ---- */

/* End of the PT_LOAD segment holding addr, or 0.  The header does not give
 * .eh_frame's size, so its segment's end is the bound of every parse. */
static uintptr_t seg_end(const struct dl_phdr_info *info, uintptr_t addr)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && addr - lo < ph->p_memsz)
            return lo + ph->p_memsz;
    }
    return 0;
}

/* Binary search of .eh_frame_hdr's table for the last FDE starting at or
 * before pc.  Only fixed-size table entries can be indexed (omit has none). */
static int search(const struct dl_phdr_info *info, uintptr_t hdr, size_t len, uintptr_t pc,
                  mt_cfi_rule_t *out)
{
    rd_t r = {(const uint8_t *)hdr, (const uint8_t *)hdr + len, 0};
    uint8_t version = U8(&r), frame_enc = U8(&r), count_enc = U8(&r), table_enc = U8(&r);
    uintptr_t eh_frame = rd_ptr(&r, frame_enc, hdr);
    uint64_t count = rd_ptr(&r, count_enc, hdr);
    size_t esz = 2 * (size_t)fixed_size[table_enc & PE_FORMAT];
    uintptr_t eh_end = seg_end(info, eh_frame);
    if (r.bad || version != 1 || esz == 0 || !eh_end || count == 0 ||
        count > (size_t)(r.end - r.p) / esz)
        return -1;
    size_t lo = 0, hi = (size_t)count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        rd_t e = {r.p + mid * esz, r.end, 0};
        if (rd_ptr(&e, table_enc, hdr) <= pc)
            lo = mid;
        else
            hi = mid;
    }
    rd_t e = {r.p + lo * esz, r.end, 0};
    uint64_t start = rd_ptr(&e, table_enc, hdr), fde = rd_ptr(&e, table_enc, hdr);
    if (e.bad || start > pc)
        return -1;
    return fde_rule((uintptr_t)fde, eh_frame, eh_end, pc, out);
}

typedef struct {
    uintptr_t pc;
    mt_cfi_rule_t *out;
    int rc;
} find_t;

/* Parses under dl_iterate_phdr's lock, so dlclose cannot unmap the tables
 * while we read them. */
static int in_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    find_t *f = arg;
    if (!seg_end(info, f->pc))
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t hdr = info->dlpi_addr + ph->p_vaddr, end = seg_end(info, hdr);
        if (ph->p_type == PT_GNU_EH_FRAME && end && ph->p_memsz <= end - hdr)
            f->rc = search(info, hdr, ph->p_memsz, f->pc, f->out);
    }
    return 1;
}

int mt_cfi_find(uintptr_t pc, mt_cfi_rule_t *r)
{
    find_t f = {pc, r, -1};
    dl_iterate_phdr(in_object, &f);
    return f.rc;
}
