/* The stack trie (see trie.h): an open-addressing table of (parent, ip) ->
 * node, and the node of each stack id already seen. */
#include "tracer/storage/trie.h"

#include <stdlib.h>
#include <string.h>

#include "format/pyframe.h"
#include "tracer/capture/clock.h"
#include "tracer/capture/python.h"
#include "tracer/common.h"
#include "tracer/storage/modules.h"
#include "tracer/storage/sink.h"

static struct {
    uint32_t *node_of; /* by stack id */
    size_t node_cap;
    struct tnode {
        uint64_t ip;
        uint32_t parent, id; /* id 0: empty slot */
    } *table;
    size_t cap, n;
    uint32_t next;
    uint8_t *code_written; /* by py_code id: its row is in this database */
    size_t code_cap;
} T;

static uint64_t hash(uint32_t parent, uint64_t ip)
{
    uint64_t h = (ip ^ ((uint64_t)parent << 40)) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 31);
}

static int rehash(void)
{
    /* small at first: a short-lived child (a shell's) has a few hundred
     * nodes, and each page of a larger table would be one more fault */
    size_t cap = T.cap ? T.cap * 2 : 1 << 9;
    struct tnode *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < T.cap; i++) {
        if (!T.table[i].id)
            continue;
        size_t j = hash(T.table[i].parent, T.table[i].ip) & (cap - 1);
        while (t[j].id)
            j = (j + 1) & (cap - 1);
        t[j] = T.table[i];
    }
    free(T.table);
    T.table = t;
    T.cap = cap;
    return 0;
}

/* A Python frame's code object goes into the database with the first node
 * that names it. */
static void write_code(uint64_t id)
{
    const mt_pycode_t *c = mt_python_code(id);
    if (!c)
        return;
    size_t old = T.code_cap;
    if (id >= T.code_cap) {
        if (mt_grow(&T.code_written, &T.code_cap, (size_t)id + 1, 1) < 0)
            return;
        memset(T.code_written + old, 0, T.code_cap - old);
    }
    if (T.code_written[id])
        return;
    T.code_written[id] = 1;
    mt_sink_py_code(id, c->filename, c->qualname, c->firstlineno, c->linetable,
                    c->linetable_len);
}

static uint32_t child(uint32_t parent, uint64_t ip, int *rescanned)
{
    if (T.n * 2 >= T.cap && rehash() < 0)
        return parent;
    size_t j = hash(parent, ip) & (T.cap - 1);
    while (T.table[j].id) {
        if (T.table[j].parent == parent && T.table[j].ip == ip)
            return T.table[j].id;
        j = (j + 1) & (T.cap - 1);
    }
    if (mt_pyframe_is(ip))
        write_code(mt_pyframe_code(ip));
    else if (!mt_modules_known(ip) && !*rescanned) {
        mt_modules_scan(mt_now());
        *rescanned = 1;
    }
    T.table[j] = (struct tnode){ip, parent, ++T.next};
    T.n++;
    mt_sink_stack_node((mt_node_id_t){T.next}, (mt_node_id_t){parent}, ip);
    return T.next;
}

mt_node_id_t mt_trie_node_of(mt_stack_id_t id)
{
    if (id.v == 0)
        return (mt_node_id_t){0};
    size_t old = T.node_cap;
    if (id.v >= T.node_cap) {
        if (mt_grow(&T.node_of, &T.node_cap, (size_t)id.v + 1, sizeof *T.node_of) < 0)
            return (mt_node_id_t){0};
        memset(T.node_of + old, 0, (T.node_cap - old) * sizeof *T.node_of);
    }
    if (T.node_of[id.v])
        return (mt_node_id_t){T.node_of[id.v]};
    uint32_t depth;
    const uintptr_t *ips = mt_stack_get(id, &depth);
    if (!ips)
        return (mt_node_id_t){0};
    uint32_t node = 0;
    int rescanned = 0;
    for (uint32_t i = depth; i-- > 0;)
        node = child(node, ips[i], &rescanned);
    T.node_of[id.v] = node;
    return (mt_node_id_t){node};
}

void mt_trie_reset(void)
{
    /* Forgotten, not freed or cleared: in a forked child either would
     * write to pages the parent's tables share with it (a copy each, which
     * dominated a fork-heavy script's cost); untouched, the child's copy
     * costs nothing, and its tables grow again from nothing as it needs. */
    memset(&T, 0, sizeof T);
}
