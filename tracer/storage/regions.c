/* Open regions per thread (see regions.h).  One flat stack for all threads:
 * regions are few and shallow, and the innermost open region of a thread is
 * the last entry with its tid. */
#include "tracer/storage/regions.h"

#include <stdlib.h>

#include "tracer/common.h"
#include "tracer/storage/sink.h"

typedef struct {
    uint32_t tid;
    uint64_t id;
} open_t;

static open_t *open_;
static size_t nopen, capopen;
static uint64_t next_id = 1;

static void begin(uint32_t tid, const mt_raw_t *r)
{
    const char *name = (const char *)(uintptr_t)r->addr;
    uint64_t parent = 0;
    int depth = 0;
    for (size_t i = nopen; i-- > 0;)
        if (open_[i].tid == tid) {
            if (!depth)
                parent = open_[i].id;
            depth++;
        }
    uint64_t id = next_id++;
    mt_sink_region(id, tid, parent, depth, name ? name : "", r->ts);
    free((void *)name);
    if (mt_grow(&open_, &capopen, nopen + 1, sizeof *open_) == 0)
        open_[nopen++] = (open_t){tid, id};
}

/* An end with no open region on its thread (begun before a fork, or
 * unpaired) is dropped. */
static void end(uint32_t tid, uint64_t ts)
{
    for (size_t i = nopen; i-- > 0;)
        if (open_[i].tid == tid) {
            mt_sink_region_end(open_[i].id, ts);
            for (size_t k = i; k + 1 < nopen; k++)
                open_[k] = open_[k + 1];
            nopen--;
            return;
        }
}

void mt_regions_event(uint32_t tid, const mt_raw_t *r)
{
    if (r->sub)
        begin(tid, r);
    else
        end(tid, r->ts);
}

void mt_regions_reset(void)
{
    nopen = 0;
    next_id = 1;
}
