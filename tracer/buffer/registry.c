/* The thread registry (see registry.h). */
#include "tracer/buffer/registry.h"

#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static mt_tbuf_t *first;

void mt_registry_add(mt_tbuf_t *b)
{
    pthread_mutex_lock(&lock);
    b->next = first;
    first = b;
    pthread_mutex_unlock(&lock);
}

void mt_registry_lock(void) { pthread_mutex_lock(&lock); }
void mt_registry_unlock(void) { pthread_mutex_unlock(&lock); }
mt_tbuf_t *mt_registry_first(void) { return first; }

void mt_registry_reclaim(mt_tbuf_t *b, mt_tbuf_t *prev)
{
    if (prev)
        prev->next = b->next;
    else
        first = b->next;
    mt_tbuf_free(b);
}

void mt_registry_after_fork_child(void)
{
    /* leaked, not freed: their segments may be shared with the pool */
    pthread_mutex_init(&lock, NULL);
    first = NULL;
}
