/* Process lifetime of the tracer: start before main, stop at exit, exec and
 * _exit, restart in forked children.  Called by the hook layer. */
#ifndef MT_CONTROL_H
#define MT_CONTROL_H

void mt_hooks_resolve(void);
void mt_control_note_exit(int status);
/* kind: MT_EXIT_* (format/kinds.h) */
void mt_control_stop(int kind, int status);
/* Returns 1 if tracing was stopped (and must resume if exec fails). */
int mt_control_before_exec(void);
void mt_control_after_failed_exec(void);
/* 1 if the program must not close fd: it holds the trace. */
int mt_control_keeps_fd(int fd);
/* The trace's descriptors, ascending, for closing ranges around them. */
int mt_control_kept_fds(int out[3]);
/* The program is about to put another file at fd (dup2): if fd holds the
 * trace, the trace ends here, cleanly, so nothing is written into its file. */
void mt_control_yield_fd(int fd);
/* A module is about to be unloaded: the module map must take its place in
 * every stack recorded so far while it is still there to read. */
void mt_control_before_unload(void);

#endif
