/* SIGTERM's default action, kept with a finished trace (see sigterm.h).
 * The handler itself does nothing that is not async-signal-safe: the
 * signal may have come in the middle of malloc, so the writer thread closes
 * the trace and the handler waits for it (a bounded time), then dies of
 * SIGTERM with the default action, as the program would have. */
#include "tracer/hooks/sigterm.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "format/kinds.h"
#include "tracer/capture/guard.h"
#include "tracer/storage/writer.h"

#define FINISH_WAIT_MS 2000

/* Whether our handler holds SIGTERM, and what the program set there
 * meanwhile (always some SIG_DFL: anything else goes to the kernel). */
static _Atomic int ours;
static struct sigaction program;

/* sigaction itself, with the guard held: our hook passes it through. */
static int real_sigaction(const struct sigaction *act, struct sigaction *old)
{
    int was = mt_guard_enter();
    int rc = sigaction(SIGTERM, act, old);
    mt_guard_leave(was);
    return rc;
}

static void on_term(int sig)
{
    int was = mt_guard_enter();
    if (atomic_load(&ours)) /* not finished in time: die all the same */
        (void)mt_writer_finish(MT_EXIT_SIGNAL, sig, FINISH_WAIT_MS);
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigemptyset(&dfl.sa_mask);
    real_sigaction(&dfl, NULL);
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, sig);
    pthread_sigmask(SIG_UNBLOCK, &term, NULL);
    raise(sig); /* not returning: the default action ends the process */
    mt_guard_leave(was);
}

static int take(void)
{
    struct sigaction mine = {.sa_handler = on_term};
    sigemptyset(&mine.sa_mask);
    return real_sigaction(&mine, NULL);
}

void mt_sigterm_start(void)
{
    struct sigaction cur;
    if (real_sigaction(NULL, &cur) < 0 || (cur.sa_flags & SA_SIGINFO) ||
        cur.sa_handler != SIG_DFL)
        return;
    program = cur;
    if (take() == 0)
        atomic_store(&ours, 1);
}

void mt_sigterm_hold(sigset_t *saved)
{
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, saved);
}

void mt_sigterm_release(const sigset_t *saved) { pthread_sigmask(SIG_SETMASK, saved, NULL); }

int mt_sigterm_sigaction(const struct sigaction *act, struct sigaction *old)
{
    int dfl = act && !(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_DFL;
    if (!atomic_load(&ours)) {
        /* the program's own disposition is the kernel's; back to SIG_DFL it
         * is ours again */
        if (!dfl || real_sigaction(NULL, old) < 0 || take() < 0)
            return real_sigaction(act, old);
        program = *act;
        atomic_store(&ours, 1);
        return 0;
    }
    struct sigaction was = program;
    if (act && !dfl) {
        atomic_store(&ours, 0);
        if (real_sigaction(act, NULL) < 0) {
            atomic_store(&ours, 1);
            return -1;
        }
    } else if (act) {
        program = *act;
    }
    if (old)
        *old = was;
    return 0;
}

sighandler_t mt_sigterm_signal(sighandler_t h)
{
    struct sigaction act = {.sa_handler = h, .sa_flags = SA_RESTART}, old;
    sigemptyset(&act.sa_mask);
    sigaddset(&act.sa_mask, SIGTERM); /* as glibc's signal() does */
    if (mt_sigterm_sigaction(&act, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}
