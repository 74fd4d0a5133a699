/* DWARF call-frame information (.eh_frame via .eh_frame_hdr) reduced to the
 * few rules an x86-64 frame-walking unwinder needs.  libunwind's full cursor
 * is general but slow; nearly every real frame fits this small model, and
 * the rare one that does not (signal frames, DWARF expressions) is reported
 * as such so the caller can hand just that frame back to libunwind.
 * Safe inside malloc hooks: no allocation, no locks of our own, no state. */
#ifndef MT_CFI_H
#define MT_CFI_H

#include <stdint.h>

typedef struct {
    int32_t cfa_off;   /* CFA = (cfa_rbp ? rbp : rsp) + cfa_off, registers as in this frame */
    int32_t rbp_off;   /* if rbp_saved: the caller's rbp is stored at CFA + rbp_off */
    uint8_t cfa_rbp;   /* CFA is based on rbp (else on rsp) */
    uint8_t rbp_saved; /* else the caller's rbp equals this frame's rbp (same value / no rule) */
    uint8_t last;      /* the return address is undefined: outermost frame (_start, clone) */
} mt_cfi_rule_t;

/* The unwind rule that holds at code address pc (callers pass return address - 1).
 * Returns 0 and fills *r, or -1 if pc has no FDE or its rule is outside this
 * model (then the caller falls back to libunwind).  When last is set the
 * other fields are not meaningful: there is no caller to unwind to. */
int mt_cfi_find(uintptr_t pc, mt_cfi_rule_t *r);

#endif
