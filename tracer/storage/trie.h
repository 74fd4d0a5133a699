/* The stack trie: stack-table ids (capture/stacks.h) become stack_nodes
 * rows, a node per (parent, return address), so stacks sharing their outer
 * frames share their rows.  Used by the writer thread only. */
#ifndef MT_TRIE_H
#define MT_TRIE_H

#include <stdint.h>

#include "tracer/capture/stacks.h"
#include "tracer/storage/sink.h"

/* The node of a stack, its missing nodes written to the sink first (and the
 * module map rescanned for a return address it does not know yet); {0} for
 * no stack or when out of memory. */
mt_node_id_t mt_trie_node_of(mt_stack_id_t id);
/* Forgets every node: a new database starts a new trie. */
void mt_trie_reset(void);

#endif
