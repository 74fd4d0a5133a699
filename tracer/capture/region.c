/* Region begins and ends (see region.h).  The name is copied here because
 * the program may free or reuse it as soon as the call returns; the copy is
 * made inside the guard, so it is not one of the program's allocations. */
#include "tracer/capture/region.h"

#include <stdlib.h>
#include <string.h>

#include "tracer/buffer/buffer.h"
#include "tracer/capture/clock.h"
#include "tracer/capture/record.h"

void mt_record_region(int begin, const char *name)
{
    if (!mt_record_active() || mt_guard_busy())
        return;
    int was = mt_guard_enter();
    mt_thread_t *t = mt_thread_get();
    char *copy = NULL;
    if (!t)
        goto out;
    if (begin) {
        size_t n = name ? strnlen(name, MT_REGION_NAME_MAX) : 0;
        copy = malloc(n + 1);
        if (!copy)
            goto out; /* the end that follows finds no region and is dropped */
        memcpy(copy, name ? name : "", n);
        copy[n] = 0;
    }
    mt_tbuf_put2(t->buf, &(mt_raw_t){.kind = MT_RAW_REGION, .sub = (uint16_t)(begin != 0),
                                     .ts = mt_now(), .addr = (uintptr_t)copy});
out:
    mt_guard_leave(was);
}
