/* The thread registry: every live buffer (buffer.h), newest first, for the
 * writer to drain.  Threads add themselves; only the writer walks the list
 * and takes buffers out, always under the lock. */
#ifndef MT_REGISTRY_H
#define MT_REGISTRY_H

#include "tracer/buffer/buffer.h"

void mt_registry_add(mt_tbuf_t *b);

void mt_registry_lock(void);
void mt_registry_unlock(void);
/* The newest buffer; follow ->next.  Lock held. */
mt_tbuf_t *mt_registry_first(void);
/* Unlinks b (dead and fully consumed; prev is the one before it, NULL for
 * the first) and frees it.  Lock held. */
void mt_registry_reclaim(mt_tbuf_t *b, mt_tbuf_t *prev);

/* Fork child: forget every buffer (they belong to the parent's threads). */
void mt_registry_after_fork_child(void);

#endif
