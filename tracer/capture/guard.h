/* The recursion guard: set while a thread runs tracer code (and for good in
 * the writer thread), so that every hook passes straight through: nothing
 * the tracer does is traced, nothing recurses.  Enter and leave pair up on
 * one exit path, and leave restores what enter found, so a guarded section
 * inside another one leaves the outer one guarded. */
#ifndef MT_GUARD_H
#define MT_GUARD_H

#include "tracer/common.h"

/* Owned by guard.c; read and written only through the functions below. */
extern MT_TLS int mt_busy;

static inline int mt_guard_busy(void) { return mt_busy; }

/* Returns the state to hand to mt_guard_leave. */
static inline int mt_guard_enter(void)
{
    int was = mt_busy;
    mt_busy = 1;
    return was;
}

static inline void mt_guard_leave(int was) { mt_busy = was; }

#endif
