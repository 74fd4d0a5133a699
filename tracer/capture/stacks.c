/* Lock-free, insert-only open-addressing table of stacks (see stacks.h).
 * A slot is claimed by CAS on its hash; the claimer copies the frames into an
 * append-only arena, then publishes the id, which readers wait for.  Frames
 * are compared in full: equal hashes never merge two different stacks. */
#include "tracer/capture/stacks.h"

#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracer/common.h"

#define SLOTS (1u << 22)
#define ARENA_BYTES (2ull << 30)
/* The small table (96 KiB, its pages made at once): a process with a few
 * thousand stacks never touches the large one, whose every new stack
 * would otherwise fault in a page of its own (twice: read, then write),
 * which was most of the tracer's cost in a short-lived process. */
#define NEAR_SLOTS (1u << 12)
#define NEAR_PROBES 16

typedef struct {
    _Atomic uint64_t hash;
    _Atomic uint32_t id;
    uint32_t depth;
    const uintptr_t *ips;
} slot_t;

typedef struct {
    const uintptr_t *ips;
    uint32_t depth;
} entry_t;

static slot_t *near, *slots;
static entry_t *by_id;
static uintptr_t *arena;
static _Atomic uint64_t arena_used; /* in frames */
static _Atomic uint32_t next_id = 1;

static int wiped; /* the kernel gives a forked child the table zeroed */

/* A forked child starts a database of its own, and with it an empty table:
 * writing into the parent's would copy a page per new stack (a fork-heavy
 * script's children spent most of their time in those faults), and fork
 * would copy the page tables of all it touched.  MADV_WIPEONFORK (Linux
 * 4.14) spares both; without it the child zaps its copy. */
static void advise(void *p, size_t len, int advice)
{
    if (syscall(SYS_madvise, p, len, advice) != 0) /* raw: our hook records madvise */
        wiped = -1;
}

static void *table_map(size_t len)
{
    void *p = mt_map(len, 1);
    if (p)
        advise(p, len, MADV_WIPEONFORK);
    return p;
}

/* One system call for the small table's pages, not a fault per page;
 * MADV_POPULATE_WRITE is Linux 5.14: before it, the faults it is. */
static void populate(void)
{
    syscall(SYS_madvise, near, sizeof(slot_t) * NEAR_SLOTS, MADV_POPULATE_WRITE);
}

void mt_stacks_init(void)
{
    if (slots)
        return;
    wiped = 1;
    near = table_map(sizeof(slot_t) * NEAR_SLOTS);
    if (near)
        populate();
    slots = table_map(sizeof(slot_t) * SLOTS);
    by_id = table_map(sizeof(entry_t) * SLOTS);
    arena = table_map(ARENA_BYTES);
}

void mt_stacks_after_fork_child(void)
{
    if (!near || !slots || !by_id || !arena)
        return;
    if (wiped < 0) {
        advise(near, sizeof(slot_t) * NEAR_SLOTS, MADV_DONTNEED);
        advise(slots, sizeof(slot_t) * SLOTS, MADV_DONTNEED);
        advise(by_id, sizeof(entry_t) * SLOTS, MADV_DONTNEED);
        advise(arena, ARENA_BYTES, MADV_DONTNEED);
    }
    atomic_store(&arena_used, 0);
    atomic_store(&next_id, 1);
    populate();
}

/* The claimer is between its CAS and the publish: a few ns, unless it was
 * another thread at the moment of a fork, which never finishes in the child.
 * So the wait is bounded; 0 tells the caller to treat the slot as taken by
 * another stack (at worst one stack gets two ids, and the writer's trie
 * merges them by frames). */
static uint32_t wait_id(slot_t *s)
{
    uint32_t id;
    for (int spins = 0; (id = atomic_load_explicit(&s->id, memory_order_acquire)) == 0; spins++) {
        if (spins >= 10000)
            return 0;
        sched_yield();
    }
    return id;
}

/* Finds or claims h within the first `limit` slots of its probe sequence
 * in table (mask + 1 slots): its id; 0 on failure for good (the arena or
 * the ids ran out); 0 with *spill set when every one of those slots holds
 * another stack. */
static uint32_t probe(slot_t *table, uint32_t mask, uint32_t limit, uint64_t h,
                      const uintptr_t *ips, int depth, int *spill)
{
    *spill = 0;
    for (uint32_t i = 0; i < limit; i++) {
        slot_t *s = &table[(h + i) & mask];
        uint64_t cur = atomic_load_explicit(&s->hash, memory_order_acquire);
        if (cur == 0) {
            uint64_t zero = 0;
            if (atomic_compare_exchange_strong(&s->hash, &zero, h)) {
                uint64_t at = atomic_fetch_add(&arena_used, (uint64_t)depth);
                uint32_t id = atomic_fetch_add(&next_id, 1);
                if ((at + (uint64_t)depth) * sizeof(uintptr_t) > ARENA_BYTES || id >= SLOTS) {
                    s->depth = 0;
                    s->ips = NULL;
                    atomic_store_explicit(&s->id, UINT32_MAX, memory_order_release);
                    return 0;
                }
                memcpy(arena + at, ips, (size_t)depth * sizeof *ips);
                s->depth = (uint32_t)depth;
                s->ips = arena + at;
                by_id[id] = (entry_t){arena + at, (uint32_t)depth};
                atomic_store_explicit(&s->id, id, memory_order_release);
                return id;
            }
            cur = atomic_load_explicit(&s->hash, memory_order_acquire);
        }
        if (cur != h)
            continue;
        uint32_t id = wait_id(s);
        if (id != 0 && id != UINT32_MAX && s->depth == (uint32_t)depth &&
            memcmp(s->ips, ips, (size_t)depth * sizeof *ips) == 0)
            return id;
    }
    *spill = 1;
    return 0;
}

/* The small table first, then the large one.  A stack is in the large
 * table only if its whole window in the small one was taken when it was
 * claimed, and slots are never freed: so a free slot in that window means
 * it is in neither yet, and no stack ever gets an id in both. */
static MT_NOINLINE uint32_t global_intern(uint64_t h, const uintptr_t *ips, int depth)
{
    if (!near || !slots || !by_id || !arena)
        return 0;
    int spill;
    uint32_t id = probe(near, NEAR_SLOTS - 1, NEAR_PROBES, h, ips, depth, &spill);
    if (id || !spill)
        return id;
    return probe(slots, SLOTS - 1, SLOTS, h, ips, depth, &spill);
}

mt_stack_id_t mt_stack_intern(mt_stack_cache_t *c, uint64_t h, const uintptr_t *ips, int depth)
{
    /* Two ways a set, the newer first: a big program's thousands of hot
     * stacks (cc1's are some 7,000) thrashed a direct-mapped cache, and a
     * trip to the global table is a cache miss or two. */
    unsigned k = ((unsigned)(h ^ (h >> 29)) & (MT_STACK_CACHE / 2 - 1)) * 2;
    /* The thread's cache trusts the 64-bit hash and depth (a false match is
     * a 2^-64 event per lookup); the global table compares every frame. */
    for (unsigned w = k; w < k + 2; w++)
        if (c->e[w].hash == h && c->e[w].depth == (uint32_t)depth)
            return (mt_stack_id_t){c->e[w].id};
    uint32_t id = global_intern(h, ips, depth);
    if (id) {
        c->e[k + 1] = c->e[k];
        c->e[k].hash = h;
        c->e[k].id = id;
        c->e[k].depth = (uint32_t)depth;
    }
    return (mt_stack_id_t){id};
}

const uintptr_t *mt_stack_get(mt_stack_id_t id, uint32_t *depth)
{
    if (id.v == 0 || id.v >= atomic_load(&next_id) || id.v >= SLOTS)
        return NULL;
    *depth = by_id[id.v].depth;
    return by_id[id.v].ips;
}

uint32_t mt_stack_count(void) { return atomic_load(&next_id) - 1; }
