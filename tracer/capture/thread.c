/* Per-thread state (see thread.h): made on a thread's first traced event,
 * registered with the writer, and ended by a pthread key destructor when the
 * thread exits. */
#include "tracer/capture/thread.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/buffer/registry.h"
#include "tracer/capture/clock.h"
#include "tracer/capture/guard.h"
#include "tracer/capture/stacks.h"

MT_TLS mt_thread_t *mt_my_thread;
static pthread_key_t exit_key;

/* At thread end its open gathers go out with its last events, then the
 * buffer is the writer's.  A thread that allocates again later in its
 * teardown (another key's destructor) starts a new state. */
static void thread_exit(void *arg)
{
    mt_thread_t *t = arg;
    int was = mt_guard_enter();
    mt_gather_end_all(t);
    mt_tbuf_retire(t->buf);
    if (mt_my_thread == t)
        mt_my_thread = NULL;
    mt_unmap(t, sizeof *t);
    mt_guard_leave(was);
}

void mt_thread_init(void) { pthread_key_create(&exit_key, thread_exit); }

mt_thread_t *mt_thread_new(void)
{
    /* not populated: its caches are large and hashed, and a short-lived
     * thread touches few of their pages */
    mt_thread_t *t = mt_map(sizeof *t, 0);
    if (!t)
        return NULL;
    t->buf = mt_tbuf_new((uint32_t)syscall(SYS_gettid), mt_now());
    if (!t->buf) {
        mt_unmap(t, sizeof *t);
        return NULL;
    }
    mt_registry_add(t->buf);
    mt_my_thread = t;
    pthread_setspecific(exit_key, t);
    return t;
}

void mt_thread_after_fork_child(void)
{
    /* The forking thread's state held the parent's open gathers and points
     * at the parent's buffer: leaked, and made afresh on the next event. */
    mt_my_thread = NULL;
    mt_stacks_after_fork_child();
    mt_buffer_after_fork_child();
    mt_registry_after_fork_child();
}
