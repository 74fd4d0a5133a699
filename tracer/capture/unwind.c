/* The unwinder (see unwind.h).  libmemtrace is built with frame pointers, so
 * its own frames are skipped by following rbp; from the first frame of the
 * program on, each step applies the CFA rule of its return address:
 *   CFA = rsp or rbp + offset, return address at CFA - 8, rbp restored from
 *   CFA + offset when saved.
 * That is libunwind's fast trace without its cursor set-up and per-frame
 * bookkeeping, about 3x cheaper per capture on a 13-frame stack. */
#define UNW_LOCAL_ONLY
#include "tracer/capture/unwind.h"

#include <errno.h>
#include <libunwind.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>

#include "format/kinds.h"
#include "tracer/capture/stackmap.h"
#include "tracer/common.h"
#include "tracer/config.h"

static uintptr_t self_start, self_end;
static _Atomic uint64_t slow_count;
static _Atomic uint32_t generation; /* of code mappings: bumped by dlclose */

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    uintptr_t probe = (uintptr_t)arg;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (probe >= lo && probe < hi) {
            self_start = lo;
            self_end = hi;
            return 1;
        }
    }
    return 0;
}

void mt_unwind_init(void)
{
    unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
    dl_iterate_phdr(find_self, (void *)(uintptr_t)&mt_unwind_init);
}

uint64_t mt_unwind_slow_count(void) { return atomic_load(&slow_count); }

static inline int in_self(uintptr_t pc) { return pc >= self_start && pc < self_end; }

/* Our own frames on top of the program's: the hook, the recorder, the
 * capture, mt_unwind and this function; unwinding more than that beyond max
 * is waste on deep (interpreter) stacks. */
#define SELF_FRAMES 5

static MT_NOINLINE int slow_unwind(uintptr_t *ips, uintptr_t *sps, int max, uint64_t *hash)
{
    atomic_fetch_add_explicit(&slow_count, 1, memory_order_relaxed);
    int saved = errno;
    void *buf[MT_MAX_DEPTH + SELF_FRAMES];
    uintptr_t sp[MT_MAX_DEPTH + SELF_FRAMES];
    int want = (max > MT_MAX_DEPTH ? MT_MAX_DEPTH : max) + SELF_FRAMES;
    int n = 0;
    if (MT_LIKELY(atomic_load_explicit(&generation, memory_order_relaxed) == 0 && !sps)) {
        n = unw_backtrace(buf, want);
    } else {
        /* unw_backtrace's trace cache survives unw_flush_cache: after a
         * dlclose it may apply an unloaded module's rules to the one now at
         * its addresses (wrong frames, or a crash).  Full steps do not, and
         * they give the stack pointers. */
        unw_context_t uc;
        unw_cursor_t cur;
        unw_getcontext(&uc);
        if (unw_init_local(&cur, &uc) == 0) {
            unw_word_t ip, s;
            do {
                unw_get_reg(&cur, UNW_REG_IP, &ip);
                unw_get_reg(&cur, UNW_REG_SP, &s);
                sp[n] = s;
                buf[n++] = (void *)ip;
            } while (n < want && unw_step(&cur) > 0);
        }
    }
    int skip = 0;
    while (skip < n && in_self((uintptr_t)buf[skip]))
        skip++;
    int out = 0;
    int i = skip;
    for (; i < n && out < max; i++) {
        if (sps)
            sps[out] = sp[i];
        ips[out++] = (uintptr_t)buf[i];
    }
    if (sps)
        sps[out] = i < n ? sp[i] : UINTPTR_MAX;
    *hash = mt_stack_hash(ips, out);
    errno = saved;
    return out;
}

/* The fast path walks only the thread's own stack: the main thread's
 * [stack] or the mapping that holds its struct pthread (glibc puts it at the
 * top of the thread's stack).  Neither is ever unmapped while the thread
 * runs, so bounds found once stay good; the main stack grows down, keeping
 * its top.  Other stacks (ucontext coroutines, sigaltstack) can be freed and
 * reused behind our back: captures there go to libunwind.  A stack pointer
 * off the home stack costs a maps scan the first few times, then one per
 * SCAN_EVERY such captures, remembering the last foreign mapping met; the
 * main stack growing is always looked at. */
#define FREE_SCANS 8
#define SCAN_EVERY 256
#define MAIN_STACK_MAX (64u << 20) /* below its top: the main stack growing */

static int on_home_stack(mt_unwind_cache_t *c, uintptr_t sp)
{
    if (MT_LIKELY(sp >= c->stack_lo && sp < c->stack_hi))
        return 1;
    if ((c->stack_hi && sp >= c->stack_hi) || (sp >= c->foreign_lo && sp < c->foreign_hi))
        return 0;
    int growth = c->main_stack && sp >= c->stack_hi - MAIN_STACK_MAX;
    if (!growth && c->scans >= FREE_SCANS && c->misses++ % SCAN_EVERY)
        return 0;
    c->scans++;
    uintptr_t lo, hi, self = (uintptr_t)pthread_self();
    int named;
    if (mt_stack_mapping(sp, &lo, &hi, &named) < 0)
        return 0;
    int home = named || (self >= lo && self < hi);
    if (!home || (c->stack_hi && hi != c->stack_hi)) {
        c->foreign_lo = lo;
        c->foreign_hi = hi;
        return 0;
    }
    c->stack_lo = lo;
    c->stack_hi = hi;
    c->main_stack = named;
    return 1;
}

static inline const mt_cfi_rule_t *rule_of(mt_unwind_cache_t *c, uintptr_t pc)
{
    unsigned h = (unsigned)((pc ^ (pc >> 11)) * 0x9E3779B1u) >> (32 - MT_RULE_BITS);
    if (MT_UNLIKELY(c->rule[h].pc != pc)) {
        c->rule[h].pc = pc;
        c->rule[h].ok = mt_cfi_find(pc, &c->rule[h].rule) == 0;
    }
    return c->rule[h].ok ? &c->rule[h].rule : NULL;
}

void mt_unwind_forget(void)
{
    unw_flush_cache(unw_local_addr_space, 0, 0);
    atomic_fetch_add_explicit(&generation, 1, memory_order_release);
}

/* Frame m of the last stack and everything outside it are still what they
 * were: each step from there read the same words it read then. */
static int still_valid(const mt_unwind_cache_t *c, int m)
{
    const mt_step_t *f = c->last;
    for (int j = m; j > 0; j--) {
        if (*(const uintptr_t *)f[j].ra_at != f[j - 1].pc)
            return 0;
        if (f[j].bp_at && *(const uintptr_t *)f[j].bp_at != f[j - 1].bp)
            return 0;
    }
    return !c->last_complete || !f[0].ra_at || *(const uintptr_t *)f[0].ra_at == 0;
}

/* The n fresh frames go on top of last[0..base); returns the hash chain. */
static uint64_t keep(mt_unwind_cache_t *c, int base, int n, int complete)
{
    uint64_t h = base ? c->last[base - 1].hash : MT_HASH_SEED;
    if (base + n > MT_MAX_DEPTH) {
        c->last_n = 0;
        for (int t = n; t-- > 0;)
            h = mt_hash_step(h, c->fresh[t].pc);
        return h;
    }
    for (int t = n; t-- > 0;) {
        mt_step_t *s = &c->last[base++];
        *s = c->fresh[t];
        s->hash = h = mt_hash_step(h, s->pc);
    }
    c->last_n = base;
    c->last_complete = complete;
    return h;
}

/* The walk met frame m of the last stack after n fresh frames. */
static int reuse(mt_unwind_cache_t *c, uintptr_t *ips, uintptr_t *sps, int max, int n, int m,
                 uint64_t *hash)
{
    int out = n, j = m;
    for (; j >= 0 && out < max; j--) {
        if (sps)
            sps[out] = c->last[j].sp;
        ips[out++] = c->last[j].pc;
    }
    if (sps)
        sps[out] = j >= 0 ? c->last[j].sp : c->beyond;
    int whole = n + m + 1 <= max;
    uint64_t h = keep(c, m + 1, n, c->last_complete);
    *hash = whole ? mt_hash_final(h, out) : mt_stack_hash(ips, out);
    return out;
}

int mt_unwind(mt_unwind_cache_t *c, uintptr_t *ips, uintptr_t *sps, int max, uint64_t *hash)
{
    if (MT_UNLIKELY(mt_cfg.unwind == MT_UNWIND_LIBUNWIND))
        return slow_unwind(ips, sps, max, hash);
    uint32_t gen = atomic_load_explicit(&generation, memory_order_acquire);
    if (MT_UNLIKELY(c->gen != gen)) {
        for (int k = 0; k < MT_RULE_CACHE; k++)
            c->rule[k].pc = 0;
        c->last_n = 0;
        c->gen = gen;
    }
    /* Up our own rbp chain to the program's return address. */
    const uintptr_t *fp = __builtin_frame_address(0);
    for (int i = 0; in_self(fp[1]); i++) {
        const uintptr_t *up = (const uintptr_t *)fp[0];
        if (i >= 16 || up <= fp)
            return slow_unwind(ips, sps, max, hash);
        fp = up;
    }
    uintptr_t sp = (uintptr_t)(fp + 2), bp = fp[0], pc = fp[1];
    if (!on_home_stack(c, sp))
        return slow_unwind(ips, sps, max, hash);
    uintptr_t lo = c->stack_lo, hi = c->stack_hi;
    int n = 0, m = c->last_n - 1, ended = 0;
    while (n < max) {
        while (m >= 0 && c->last[m].sp < sp)
            m--;
        if (m >= 0 && c->last[m].sp == sp && c->last[m].pc == pc && c->last[m].bp == bp &&
            (c->last_complete || n + m + 1 >= max) && still_valid(c, m))
            return reuse(c, ips, sps, max, n, m, hash);
        if (sps)
            sps[n] = sp;
        ips[n] = pc;
        mt_step_t *s = &c->fresh[n++];
        *s = (mt_step_t){.pc = pc, .sp = sp, .bp = bp};
        const mt_cfi_rule_t *r = rule_of(c, pc - 1);
        if (!r)
            return slow_unwind(ips, sps, max, hash);
        if (r->last) {
            ended = 1;
            break;
        }
        uintptr_t cfa = (r->cfa_rbp ? bp : sp) + (uintptr_t)(intptr_t)r->cfa_off;
        /* every read stays on this stack, above the frame we came from */
        if (cfa <= sp || cfa > hi || cfa < lo + 8 || (cfa & 7))
            return slow_unwind(ips, sps, max, hash);
        if (r->rbp_saved) {
            uintptr_t at = cfa + (uintptr_t)(intptr_t)r->rbp_off;
            if (at < sp || at + 8 > hi || (at & 7))
                return slow_unwind(ips, sps, max, hash);
            s->bp_at = at;
            bp = *(const uintptr_t *)at;
        }
        s->ra_at = cfa - 8;
        pc = *(const uintptr_t *)s->ra_at;
        sp = cfa;
        if (!pc) {
            ended = 1;
            break;
        }
    }
    uintptr_t beyond = ended ? UINTPTR_MAX : sp;
    if (sps)
        sps[n] = beyond;
    *hash = mt_hash_final(keep(c, 0, n, ended), n);
    c->beyond = beyond;
    return n;
}
