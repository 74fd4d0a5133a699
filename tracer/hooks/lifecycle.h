/* The tracer's process lifetime: start before main, stop at exit, exec and
 * _exit, restart in forked children, and the trace's descriptors and
 * modules the program may take away.  Called by the hook layer only. */
#ifndef MT_LIFECYCLE_H
#define MT_LIFECYCLE_H

/* From the constructor, once the hooks are resolved: reads the settings and
 * starts tracing (or warns and leaves the program untraced). */
void mt_lifecycle_start(void);
void mt_lifecycle_note_exit(int status);
/* kind: MT_EXIT_* (format/kinds.h); status < 0 when unknown. */
void mt_lifecycle_stop(int kind, int status);
/* Returns 1 if tracing was stopped (and must resume if exec fails). */
int mt_lifecycle_before_exec(void);
void mt_lifecycle_after_failed_exec(void);
/* 1 if the program must not close fd: it holds the trace. */
int mt_lifecycle_keeps_fd(int fd);
/* The trace's descriptors, ascending, for closing ranges around them. */
int mt_lifecycle_kept_fds(int out[3]);
/* The program is about to put another file at fd (dup2): if fd holds the
 * trace, the trace ends here, cleanly, so nothing is written into its file. */
void mt_lifecycle_yield_fd(int fd);
/* A module is about to be unloaded: the module map must take its place in
 * every stack recorded so far while it is still there to read. */
void mt_lifecycle_before_unload(void);
/* The absolute path of the database this process writes, or NULL when it
 * is not traced (memtrace_database). */
const char *mt_lifecycle_database(void);

#endif
