/* The writer thread: drains every thread's buffer, turns stack ids into
 * trie nodes, encodes allocation batches and commits them to the sink at
 * least every 200 ms.  One per traced process. */
#ifndef MT_WRITER_H
#define MT_WRITER_H

#include <stdint.h>

/* Opens the database now (eager) or at the first commit that has events
 * (lazy, for forked children that may exec right away) and starts the thread.
 * Returns -1 (and warned) when the database cannot be created. */
int mt_writer_start(const char *path, int force, int lazy);
/* Drains everything, writes the closing facts, closes the database and joins
 * the thread.  exit_kind: MT_EXIT_* (format/kinds.h); status < 0 when unknown.
 * Safe to call twice. */
void mt_writer_stop(int exit_kind, int status);
/* From a signal handler (async-signal-safe): the writer thread closes the
 * trace as mt_writer_stop would; waits for it at most timeout_ms.  0 when
 * the trace was finished, -1 when there was none or it took too long. */
int mt_writer_finish(int exit_kind, int status, int timeout_ms);
/* Drains every buffer now, on the calling thread: each stack recorded so
 * far gets its trie nodes, and the module map every module they point into,
 * before a dlclose may unmap one. */
void mt_writer_sync(void);
/* Reopens the same database after a failed exec: 0 when the writer runs
 * again, -1 when there is no writer to record for. */
int mt_writer_resume(void);

void mt_writer_fork_prepare(void);
void mt_writer_fork_parent(void);
/* In the child: forget the parent's state; trace into path (lazily, so a
 * child that records nothing leaves no file).  0, or -1 when the writer
 * could not start. */
int mt_writer_fork_child(const char *path);

#endif
