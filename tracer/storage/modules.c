/* Module scanning with dl_iterate_phdr; build-ids are read from the PT_NOTE
 * segments already mapped in memory, so no file is opened. */
#include "tracer/storage/modules.h"

#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracer/common.h"
#include "tracer/storage/sink.h"

typedef struct {
    uint64_t start, end;
} range_t;

static range_t *known;
static size_t nknown, capknown;
static uint32_t next_id = 1;

void mt_modules_reset(void)
{
    nknown = 0;
    next_id = 1;
}

int mt_modules_known(uint64_t ip)
{
    size_t lo = 0, hi = nknown;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ip < known[mid].start)
            hi = mid;
        else if (ip >= known[mid].end)
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

static int add_known(uint64_t start, uint64_t end)
{
    if (mt_grow(&known, &capknown, nknown + 1, sizeof *known) < 0)
        return -1;
    size_t i = nknown;
    while (i > 0 && known[i - 1].start > start) {
        known[i] = known[i - 1];
        i--;
    }
    known[i] = (range_t){start, end};
    nknown++;
    return 0;
}

static void build_id_hex(const struct dl_phdr_info *info, char *out, size_t cap)
{
    out[0] = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
            const char *name = p + sizeof *nh;
            const unsigned char *desc =
                (const unsigned char *)name + ((nh->n_namesz + 3) & ~3u);
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
                (const char *)desc + nh->n_descsz <= end && nh->n_descsz * 2 < cap) {
                for (unsigned k = 0; k < nh->n_descsz; k++)
                    snprintf(out + 2 * k, 3, "%02x", desc[k]);
                return;
            }
            p = (const char *)desc + ((nh->n_descsz + 3) & ~3u);
        }
    }
}

static int visit(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    uint64_t now = *(uint64_t *)arg;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uint64_t s = info->dlpi_addr + ph->p_vaddr;
        if (s < lo)
            lo = s;
        if (s + ph->p_memsz > hi)
            hi = s + ph->p_memsz;
    }
    if (hi <= lo || mt_modules_known(lo))
        return 0;
    char path[4096];
    const char *name = info->dlpi_name;
    if (!name || !*name) {
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
        path[n > 0 ? n : 0] = 0;
        name = path;
    }
    char bid[129];
    build_id_hex(info, bid, sizeof bid);
    if (add_known(lo, hi) == 0)
        mt_sink_module(next_id++, name, info->dlpi_addr, lo, hi, bid[0] ? bid : NULL, now);
    return 0;
}

void mt_modules_scan(uint64_t now) { dl_iterate_phdr(visit, &now); }
