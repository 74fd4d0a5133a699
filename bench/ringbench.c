/* The ring benchmark: a pattern closer to real programs than allocbench's.
 * Each thread keeps a ring of 64 live blocks; each step frees the oldest and
 * allocates a new one of a random size from 16 B to 4 KiB, from one of 8
 * call stacks 14 frames deep.  Every 16th block is handed to the next
 * thread, which frees it: cross-thread frees, as producer/consumer code has.
 * usage: ringbench PAIRS THREADS */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RING 64
#define HANDOFF 16 /* every HANDOFF-th block is freed by the next thread */
#define MAILBOX 1024

typedef struct {
    _Atomic(void *) slot[MAILBOX]; /* single producer, single consumer */
    _Atomic unsigned head, tail;
    char pad[64];
} mailbox_t;

static long pairs_per_thread;
static int nthreads;
static mailbox_t *boxes;
static _Atomic int running;

/* Eight call sites: eight distinct stacks below the same descent. */
#define SITE(n)                                                                \
    __attribute__((noinline)) static void *site##n(size_t size)                \
    {                                                                          \
        void *p = malloc(size);                                                \
        __asm__ volatile("" ::: "memory");                                     \
        return p;                                                              \
    }
SITE(0) SITE(1) SITE(2) SITE(3) SITE(4) SITE(5) SITE(6) SITE(7)
static void *(*const sites[8])(size_t) = {site0, site1, site2, site3,
                                          site4, site5, site6, site7};

__attribute__((noinline)) static void *descend(int level, int which, size_t size)
{
    void *p = level ? descend(level - 1, which, size) : sites[which](size);
    __asm__ volatile("" ::: "memory"); /* keeps the frames: no tail calls */
    return p;
}

/* The next thread's mailbox takes p; 0 when it is full (then we free it). */
static int post(mailbox_t *b, void *p)
{
    unsigned h = atomic_load_explicit(&b->head, memory_order_relaxed);
    if (h - atomic_load_explicit(&b->tail, memory_order_acquire) >= MAILBOX)
        return 0;
    atomic_store_explicit(&b->slot[h % MAILBOX], p, memory_order_relaxed);
    atomic_store_explicit(&b->head, h + 1, memory_order_release);
    return 1;
}

static void drain(mailbox_t *b)
{
    unsigned t = atomic_load_explicit(&b->tail, memory_order_relaxed);
    unsigned h = atomic_load_explicit(&b->head, memory_order_acquire);
    for (; t != h; t++)
        free(atomic_load_explicit(&b->slot[t % MAILBOX], memory_order_relaxed));
    atomic_store_explicit(&b->tail, t, memory_order_release);
}

static void *worker(void *arg)
{
    int me = (int)(long)arg;
    unsigned seed = (unsigned)me * 2654435761u + 1;
    void *volatile ring[RING] = {0};
    mailbox_t *next = &boxes[(me + 1) % nthreads], *mine = &boxes[me];
    for (long i = 0; i < pairs_per_thread; i++) {
        seed = seed * 1103515245u + 12345u;
        size_t size = 16 + (seed >> 8) % (4096 - 16 + 1);
        void *old = ring[i % RING];
        if (old && !(nthreads > 1 && i % HANDOFF == 0 && post(next, old)))
            free(old);
        ring[i % RING] = descend(12, (int)(seed >> 28) & 7, size);
        memset(ring[i % RING], 1, 16); /* a block that is used, so it stays */
        if ((i & 255) == 0)
            drain(mine);
    }
    for (int k = 0; k < RING; k++)
        free(ring[k]);
    /* the last blocks handed to us arrive until every thread is done */
    atomic_fetch_sub(&running, 1);
    while (atomic_load(&running) > 0)
        drain(mine);
    drain(mine);
    return NULL;
}

int main(int argc, char **argv)
{
    long pairs = argc > 1 ? atol(argv[1]) : 10000000;
    nthreads = argc > 2 ? atoi(argv[2]) : 1;
    if (nthreads < 1 || nthreads > 64 || pairs < 1)
        return 2;
    pairs_per_thread = pairs / nthreads;
    boxes = calloc((size_t)nthreads, sizeof *boxes);
    if (!boxes)
        return 1;
    atomic_store(&running, nthreads);
    pthread_t t[64];
    for (int i = 0; i < nthreads; i++)
        pthread_create(&t[i], NULL, worker, (void *)(long)i);
    for (int i = 0; i < nthreads; i++)
        pthread_join(t[i], NULL);
    free(boxes);
    return 0;
}
