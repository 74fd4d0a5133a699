/* Run and thread facts (see meta.h). */
#include "tracer/storage/meta.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format/kinds.h"
#include "format/meta.h"
#include "format/schema.h"
#include "tracer/buffer/buffer.h"
#include "tracer/capture/clock.h"
#include "tracer/capture/python.h"
#include "tracer/capture/unwind.h"
#include "tracer/config.h"
#include "tracer/storage/sink.h"

void mt_meta_write_start(uint64_t now)
{
    char buf[8192];
    mt_sink_meta_int(MT_META_SCHEMA_VERSION, MT_SCHEMA_VERSION);
    mt_sink_meta_text(MT_META_TOOL_VERSION, MT_TOOL_VERSION);
    FILE *f = fopen("/proc/self/cmdline", "r");
    size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    for (size_t i = 0; i + 1 < len; i++)
        if (!buf[i])
            buf[i] = ' ';
    buf[len] = 0;
    mt_sink_meta_text(MT_META_COMMAND, buf);
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    mt_sink_meta_text(MT_META_EXE, buf);
    mt_sink_meta_int(MT_META_PID, getpid());
    mt_sink_meta_int(MT_META_PPID, getppid());
    mt_sink_meta_int(MT_META_TRACED_PARENT, mt_cfg.traced_parent);
    mt_sink_meta_int(MT_META_TRACED_PARENT_IMAGE_NS, mt_cfg.traced_parent_image_ns);
    if (mt_cfg.fork_realtime_ns >= 0)
        mt_sink_meta_int(MT_META_FORK_REALTIME_NS, mt_cfg.fork_realtime_ns);
    mt_sink_meta_int(MT_META_START_REALTIME_NS, mt_cfg.start_realtime_ns);
    mt_sink_meta_int(MT_META_START_NS, (int64_t)now);
    mt_sink_meta_int(MT_META_PAGE_SIZE, sysconf(_SC_PAGESIZE));
    mt_sink_meta_int(MT_META_COPY_MIN, (int64_t)mt_cfg.copy_min);
    mt_sink_meta_int(MT_META_GATHER_MIN, (int64_t)mt_cfg.gather_min);
    mt_sink_meta_int(MT_META_MAX_DEPTH, mt_cfg.depth);
    mt_sink_meta_text(MT_META_CLOCK, mt_kind_name(MT_KINDS_CLOCK, mt_clock_kind()));
    mt_sink_meta_text(MT_META_UNWIND, mt_kind_name(MT_KINDS_UNWIND, mt_cfg.unwind));
    mt_sink_meta_text(MT_META_FOLLOW, mt_kind_name(MT_KINDS_FOLLOW, mt_cfg.follow));
    mt_sink_meta_text(MT_META_PYTHON, mt_python_status());
}

void mt_meta_write_progress(uint64_t now)
{
    mt_sink_meta_int(MT_META_END_NS, (int64_t)now);
    mt_sink_meta_int(MT_META_UNWIND_SLOW, (int64_t)mt_unwind_slow_count());
    mt_sink_meta_int(MT_META_BACKLOG_WAITS, (int64_t)mt_buffer_waits());
}

void mt_meta_write_end(int exit_kind, int status)
{
    mt_sink_meta_text(MT_META_EXIT_KIND, mt_kind_name(MT_KINDS_EXIT, exit_kind));
    if (status >= 0)
        mt_sink_meta_int(exit_kind == MT_EXIT_SIGNAL ? MT_META_EXIT_SIGNAL : MT_META_EXIT_STATUS,
                         status);
    mt_sink_meta_int(MT_META_COMPLETE, 1);
}

void mt_meta_write_reopened(void) { mt_sink_meta_text(MT_META_COMPLETE, NULL); }

void mt_meta_write_thread(uint32_t tid, uint64_t first_ns)
{
    char path[64], name[64] = "";
    snprintf(path, sizeof path, "/proc/self/task/%u/comm", tid);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(name, sizeof name, f))
            name[strcspn(name, "\n")] = 0;
        fclose(f);
    }
    mt_sink_thread(tid, first_ns, name[0] ? name : NULL);
}
