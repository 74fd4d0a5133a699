/* SIGTERM with its default action: a process that dies of it still leaves
 * a complete trace.  The tracer installs its own handler only where the
 * program left SIGTERM at SIG_DFL, and shows the program SIG_DFL there, so
 * a program that handles SIGTERM itself sees exactly what it would
 * natively.  Called by the hook layer only. */
#ifndef MT_SIGTERM_H
#define MT_SIGTERM_H

#include <signal.h>

/* Once tracing has started: takes SIGTERM if the program left it default. */
void mt_sigterm_start(void);
/* Around closing the trace on the calling thread: a SIGTERM that comes
 * meanwhile waits for the close (and then ends the process), instead of
 * interrupting it half done. */
void mt_sigterm_hold(sigset_t *saved);
void mt_sigterm_release(const sigset_t *saved);
/* sigaction(SIGTERM, act, old) as the program sees it. */
int mt_sigterm_sigaction(const struct sigaction *act, struct sigaction *old);
/* signal(SIGTERM, h) as the program sees it (glibc's: BSD semantics). */
sighandler_t mt_sigterm_signal(sighandler_t h);

#endif
