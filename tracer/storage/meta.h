/* Facts about the run and its threads, beyond the events: the meta rows
 * (keys of format/meta.h) and the threads rows, read from /proc, the
 * settings and the clock, written through the sink.  Writer thread only. */
#ifndef MT_STORAGE_META_H
#define MT_STORAGE_META_H

#include <stdint.h>

/* Everything known when the trace starts at now: the command line, the
 * executable, pids, times, page size, settings, clock, unwinder. */
void mt_meta_write_start(uint64_t now);
/* At each commit: how far the trace goes, and the unwinder's slow count. */
void mt_meta_write_progress(uint64_t now);
/* The clean end: how the process ended (MT_EXIT_*, status < 0 unknown). */
void mt_meta_write_end(int exit_kind, int status);
/* The trace goes on after a failed exec: it is not complete any more. */
void mt_meta_write_reopened(void);
/* A threads row, with the kernel's name of the thread when it has one. */
void mt_meta_write_thread(uint32_t tid, uint64_t first_ns);

#endif
