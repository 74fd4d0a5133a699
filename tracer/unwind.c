/* libunwind backend of unwind.h.  unw_backtrace takes libunwind's fast
 * trace path on x86-64 (cached frame descriptions, no full cursor steps). */
#define UNW_LOCAL_ONLY
#include "unwind.h"

#include <dlfcn.h>
#include <libunwind.h>
#include <link.h>

static uintptr_t self_start, self_end;

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

/* Our own frames on top of the program's: the hook, the recorder, the
 * capture and this function; unwinding more than that beyond max is waste
 * on deep (interpreter) stacks. */
#define SELF_FRAMES 4

int mt_unwind(uintptr_t *ips, int max)
{
    void *buf[MT_MAX_DEPTH + SELF_FRAMES];
    int want = (max > MT_MAX_DEPTH ? MT_MAX_DEPTH : max) + SELF_FRAMES;
    int n = unw_backtrace(buf, want);
    int skip = 0;
    while (skip < n && (uintptr_t)buf[skip] >= self_start && (uintptr_t)buf[skip] < self_end)
        skip++;
    int out = 0;
    for (int i = skip; i < n && out < max; i++)
        ips[out++] = (uintptr_t)buf[i];
    return out;
}
