/* The control API a program calls (include/memtrace.h, python/memtrace):
 * exported, so the header's wrappers and ctypes find these with
 * dlsym(RTLD_DEFAULT) when the program runs under the tracer.  Each only
 * hands off. */
#include "tracer/capture/region.h"
#include "tracer/capture/guard.h"
#include "tracer/capture/record.h"
#include "tracer/common.h"
#include "tracer/hooks/lifecycle.h"
#include "tracer/storage/writer.h"

MT_EXPORT void memtrace_region_begin(const char *name) { mt_record_region(1, name); }

MT_EXPORT void memtrace_region_end(void) { mt_record_region(0, NULL); }

/* Commits everything the program's threads recorded so far and returns
 * when it is in the database: 0, or -1 when the program is not traced. */
MT_EXPORT int memtrace_sync(void)
{
    if (!mt_record_active())
        return -1;
    int was = mt_guard_enter();
    mt_writer_commit();
    mt_guard_leave(was);
    return 0;
}

/* The database this process writes (absolute), or NULL untraced: a forked
 * or exec'd child (a pytest-xdist worker) checks its own trace. */
MT_EXPORT const char *memtrace_database(void) { return mt_lifecycle_database(); }
