/* The writer thread (see writer.h).  It alone talks to the sink, so the
 * sink needs no locking; `work` is held around each drain-and-commit so a
 * fork never copies SQLite mid-transaction. */
#include "tracer/storage/writer.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracer/config.h"
#include "format/batch.h"
#include "format/kinds.h"
#include "format/meta.h"
#include "format/schema.h"
#include "tracer/storage/modules.h"
#include "tracer/capture/record.h"
#include "tracer/buffer/buffer.h"
#include "tracer/storage/sink.h"
#include "tracer/capture/stacks.h"
#include "tracer/capture/unwind.h"

#define COMMIT_NS 200000000ull
#define BATCH_MAX 65536

typedef struct {
    mt_alloc_event_t *ev;
    size_t n, cap;
    int registered;
} tstate_t;

static struct {
    pthread_t thread;
    int running, opened, lazy, failed;
    char path[4096];
    pthread_mutex_t work;
    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
    int stop;
    uint64_t last_commit;
    /* stack id -> trie node */
    uint32_t *node_of;
    size_t node_cap;
    /* trie: (parent, ip) -> node, open addressing */
    struct tnode {
        uint64_t ip;
        uint32_t parent, id;
    } *trie;
    size_t trie_cap, trie_n;
    uint32_t next_node;
    mt_tbuf_t **list; /* the registry snapshot of a drain */
    size_t cap_list;
} W = {.work = PTHREAD_MUTEX_INITIALIZER,
       .wake_lock = PTHREAD_MUTEX_INITIALIZER,
       .wake = PTHREAD_COND_INITIALIZER};

/* ---- stacks: id -> trie node ---- */

static uint64_t trie_hash(uint32_t parent, uint64_t ip)
{
    uint64_t h = (ip ^ ((uint64_t)parent << 40)) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 31);
}

static int trie_grow(void)
{
    size_t cap = W.trie_cap ? W.trie_cap * 2 : 1 << 14;
    struct tnode *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < W.trie_cap; i++) {
        if (!W.trie[i].id)
            continue;
        size_t j = trie_hash(W.trie[i].parent, W.trie[i].ip) & (cap - 1);
        while (t[j].id)
            j = (j + 1) & (cap - 1);
        t[j] = W.trie[i];
    }
    free(W.trie);
    W.trie = t;
    W.trie_cap = cap;
    return 0;
}

static uint32_t trie_node(uint32_t parent, uint64_t ip, int *rescanned)
{
    if (W.trie_n * 2 >= W.trie_cap && trie_grow() < 0)
        return parent;
    size_t j = trie_hash(parent, ip) & (W.trie_cap - 1);
    while (W.trie[j].id) {
        if (W.trie[j].parent == parent && W.trie[j].ip == ip)
            return W.trie[j].id;
        j = (j + 1) & (W.trie_cap - 1);
    }
    if (!mt_modules_known(ip) && !*rescanned) {
        mt_modules_scan(mt_now());
        *rescanned = 1;
    }
    W.trie[j] = (struct tnode){ip, parent, ++W.next_node};
    W.trie_n++;
    mt_sink_stack_node(W.next_node, parent, ip);
    return W.next_node;
}

static uint32_t node_of(uint32_t id)
{
    if (id == 0)
        return 0;
    if (id >= W.node_cap) {
        size_t cap = W.node_cap ? W.node_cap : 1024;
        while (cap <= id)
            cap *= 2;
        uint32_t *n = realloc(W.node_of, cap * sizeof *n);
        if (!n)
            return 0;
        memset(n + W.node_cap, 0, (cap - W.node_cap) * sizeof *n);
        W.node_of = n;
        W.node_cap = cap;
    }
    if (W.node_of[id])
        return W.node_of[id];
    uint32_t depth;
    const uintptr_t *ips = mt_stack_get(id, &depth);
    if (!ips)
        return 0;
    uint32_t node = 0;
    int rescanned = 0;
    for (uint32_t i = depth; i-- > 0;)
        node = trie_node(node, ips[i], &rescanned);
    return W.node_of[id] = node;
}

/* ---- draining ---- */

static tstate_t *tstate(mt_tbuf_t *b)
{
    if (!b->wstate)
        b->wstate = calloc(1, sizeof(tstate_t));
    return b->wstate;
}

static void flush_allocs(mt_tbuf_t *b, tstate_t *t)
{
    if (!t->n)
        return;
    void *blob;
    size_t len = mt_batch_encode(t->ev, t->n, &blob);
    if (len)
        mt_sink_alloc_batch(b->tid, t->ev[0].ts, t->ev[t->n - 1].ts, t->n, blob, len);
    free(blob);
    t->n = 0;
}

static void push_alloc(mt_tbuf_t *b, tstate_t *t, const mt_raw_t *r, uint8_t kind)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        mt_alloc_event_t *n = realloc(t->ev, cap * sizeof *n);
        if (!n)
            return;
        t->ev = n;
        t->cap = cap;
    }
    t->ev[t->n++] = (mt_alloc_event_t){.ts = r->ts, .addr = r->addr, .size = r->size,
                                        .old_addr = r->aux, .stack = node_of(r->stack),
                                        .kind = kind};
    if (t->n >= BATCH_MAX)
        flush_allocs(b, t);
}

static void handle(mt_tbuf_t *b, tstate_t *t, const mt_raw_t *r)
{
    switch (r->kind) {
    case MT_RAW_ALLOC: push_alloc(b, t, r, MT_EV_ALLOC); break;
    case MT_RAW_FREE: push_alloc(b, t, r, MT_EV_FREE); break;
    case MT_RAW_REALLOC: push_alloc(b, t, r, MT_EV_REALLOC); break;
    case MT_RAW_COPY:
        mt_sink_copy(r->ts, r->aux2, b->tid, r->sub, r->aux, r->addr, r->size, 1,
                     node_of(r->stack));
        break;
    case MT_RAW_GATHER:
        mt_sink_copy(r->ts, r->aux2, b->tid, MT_COPY_GATHER, r->aux, r->addr, r->size, r->n,
                     node_of(r->stack));
        break;
    case MT_RAW_MMAP:
        mt_sink_mapping(r->ts, b->tid, MT_MAP_MMAP, r->addr, r->size, 0, 0, (int)(uint32_t)r->aux2,
                        (int)(r->aux2 >> 32), (int)(int64_t)r->aux, node_of(r->stack));
        break;
    case MT_RAW_MUNMAP:
        mt_sink_mapping(r->ts, b->tid, MT_MAP_MUNMAP, r->addr, r->size, 0, 0, 0, 0, -1, 0);
        break;
    case MT_RAW_MREMAP:
        mt_sink_mapping(r->ts, b->tid, MT_MAP_MREMAP, r->addr, r->size, r->aux, r->aux2, 0, 0, -1,
                        node_of(r->stack));
        break;
    default: break;
    }
}

static void thread_row(mt_tbuf_t *b)
{
    char path[64], name[64] = "";
    snprintf(path, sizeof path, "/proc/self/task/%u/comm", b->tid);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(name, sizeof name, f))
            name[strcspn(name, "\n")] = 0;
        fclose(f);
    }
    mt_sink_thread(b->tid, b->first_ts, name[0] ? name : NULL);
}

static void write_small(mt_tbuf_t *b)
{
    for (int c = 0; c < MT_SIZE_CLASSES; c++) {
        uint64_t n = atomic_load_explicit(&b->small_count[c], memory_order_relaxed);
        if (n)
            mt_sink_small_copies(b->tid, c, n,
                                 atomic_load_explicit(&b->small_bytes[c], memory_order_relaxed));
    }
}

static int anything_pending(void)
{
    int any = 0;
    mt_registry_lock();
    for (mt_tbuf_t *b = mt_registry_first(); b && !any; b = b->next)
        any = b->consumed != atomic_load(&b->published);
    mt_registry_unlock();
    return any;
}

static void write_static_meta(void);

/* Drains every buffer; on commit also flushes batches and commits. */
static void drain(int commit)
{
    if (W.failed)
        return;
    if (!W.opened) {
        if (!anything_pending() && !commit)
            return;
        if (W.lazy && !anything_pending())
            return;
        if (mt_sink_open(W.path, mt_cfg.force, 0) < 0) {
            W.failed = 1;
            atomic_store(&mt_active, 0);
            return;
        }
        W.opened = 1;
        mt_sink_begin();
        write_static_meta();
    }
    /* snapshot the registry: new threads must never wait for a drain (and a
     * program may have any number of threads) */
    size_t n = 0;
    mt_registry_lock();
    for (mt_tbuf_t *b = mt_registry_first(); b; b = b->next)
        n++;
    mt_registry_unlock();
    if (n > W.cap_list) { /* grown outside the lock; threads born meanwhile wait a round */
        mt_tbuf_t **grown = realloc(W.list, n * 2 * sizeof *grown);
        if (grown) {
            W.list = grown;
            W.cap_list = n * 2;
        }
    }
    n = 0;
    mt_registry_lock();
    for (mt_tbuf_t *b = mt_registry_first(); b && n < W.cap_list; b = b->next)
        W.list[n++] = b;
    mt_registry_unlock();
    mt_tbuf_t **list = W.list;

    for (size_t i = 0; i < n; i++) {
        mt_tbuf_t *b = list[i];
        tstate_t *t = tstate(b);
        if (!t)
            continue;
        if (!t->registered) {
            thread_row(b);
            t->registered = 1;
        }
        mt_raw_t r;
        while (mt_tbuf_consume(b, &r))
            handle(b, t, &r);
        if (commit || atomic_load(&b->dead)) {
            flush_allocs(b, t);
            write_small(b);
        }
    }
    /* free the buffers of threads that ended and were drained */
    mt_registry_lock();
    for (mt_tbuf_t *b = mt_registry_first(), *prev = NULL, *next; b; b = next) {
        next = b->next;
        tstate_t *t = b->wstate;
        if (atomic_load(&b->dead) && b->consumed == atomic_load(&b->published) &&
            (!t || !t->n)) {
            if (t)
                free(t->ev);
            free(t);
            mt_tbuf_reclaim(b, prev);
        } else {
            prev = b;
        }
    }
    mt_registry_unlock();
    if (commit) {
        mt_sink_meta_int(MT_META_END_NS, (int64_t)mt_now());
        mt_sink_meta_int(MT_META_UNWIND_SLOW, (int64_t)mt_unwind_slow_count());
        mt_sink_commit();
        mt_sink_begin();
        W.last_commit = mt_now();
    }
}

static void write_static_meta(void)
{
    char buf[8192];
    mt_sink_meta_int(MT_META_SCHEMA_VERSION, MT_SCHEMA_VERSION);
    mt_sink_meta_text(MT_META_TOOL_VERSION, MT_TOOL_VERSION);
    FILE *f = fopen("/proc/self/cmdline", "r");
    size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    for (size_t i = 0; i + 1 < len; i++)
        if (!buf[i])
            buf[i] = ' ';
    buf[len] = 0;
    mt_sink_meta_text(MT_META_COMMAND, buf);
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    mt_sink_meta_text(MT_META_EXE, buf);
    mt_sink_meta_int(MT_META_PID, getpid());
    mt_sink_meta_int(MT_META_PPID, getppid());
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    uint64_t now = mt_now();
    mt_sink_meta_int(MT_META_START_REALTIME_NS, (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec);
    mt_sink_meta_int(MT_META_START_NS, (int64_t)now);
    mt_sink_meta_int(MT_META_PAGE_SIZE, sysconf(_SC_PAGESIZE));
    mt_sink_meta_int(MT_META_COPY_MIN, (int64_t)mt_cfg.copy_min);
    mt_sink_meta_int(MT_META_GATHER_MIN, (int64_t)mt_cfg.gather_min);
    mt_sink_meta_int(MT_META_MAX_DEPTH, mt_cfg.depth);
    mt_sink_meta_text(MT_META_CLOCK, mt_kind_name(MT_KINDS_CLOCK, mt_clock_kind()));
    mt_sink_meta_text(MT_META_UNWIND, mt_kind_name(MT_KINDS_UNWIND, mt_cfg.unwind));
    mt_modules_scan(now);
    mt_sink_commit();
    mt_sink_begin();
    W.last_commit = now;
}

static void *writer_main(void *arg)
{
    (void)arg;
    mt_busy = 1;
    pthread_setname_np(pthread_self(), "memtrace-writer");
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&W.wake_lock);
    while (!W.stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 20 * 1000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&W.wake, &W.wake_lock, &until);
        if (W.stop)
            break;
        pthread_mutex_unlock(&W.wake_lock);
        pthread_mutex_lock(&W.work);
        drain(mt_now() - W.last_commit >= COMMIT_NS);
        pthread_mutex_unlock(&W.work);
        pthread_mutex_lock(&W.wake_lock);
    }
    pthread_mutex_unlock(&W.wake_lock);
    return NULL;
}

static int spawn(void)
{
    W.stop = 0;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 1 << 20);
    int rc = pthread_create(&W.thread, &a, writer_main, NULL);
    pthread_attr_destroy(&a);
    W.running = rc == 0;
    return rc == 0 ? 0 : -1;
}

int mt_writer_start(const char *path, int force, int lazy)
{
    snprintf(W.path, sizeof W.path, "%s", path);
    W.lazy = lazy;
    W.failed = 0;
    W.opened = 0;
    mt_cfg.force = force;
    if (!lazy) {
        if (mt_sink_open(W.path, force, 0) < 0)
            return -1;
        W.opened = 1;
        mt_sink_begin();
        write_static_meta();
    }
    return spawn();
}

void mt_writer_stop(int exit_kind, int status)
{
    if (!W.running)
        return;
    pthread_mutex_lock(&W.wake_lock);
    W.stop = 1;
    pthread_cond_signal(&W.wake);
    pthread_mutex_unlock(&W.wake_lock);
    pthread_join(W.thread, NULL);
    pthread_mutex_lock(&W.work);
    W.running = 0; /* under W.work: a sync waiting for it must not drain after */
    if (!W.opened && W.lazy && !anything_pending()) {
        pthread_mutex_unlock(&W.work);
        return; /* a child that recorded nothing leaves no file */
    }
    drain(1);
    if (W.opened && !W.failed) {
        mt_sink_meta_text(MT_META_EXIT_KIND, mt_kind_name(MT_KINDS_EXIT, exit_kind));
        if (status >= 0)
            mt_sink_meta_int(MT_META_EXIT_STATUS, status);
        mt_sink_meta_int(MT_META_COMPLETE, 1);
        mt_sink_commit();
        mt_sink_close();
    }
    W.opened = 0;
    pthread_mutex_unlock(&W.work);
}

void mt_writer_sync(void)
{
    pthread_mutex_lock(&W.work);
    if (W.running) /* else stopped: the database may be closed already */
        drain(0);
    pthread_mutex_unlock(&W.work);
}

void mt_writer_resume(void)
{
    if (W.running || W.failed)
        return;
    if (mt_sink_open(W.path, 0, 1) == 0) {
        W.opened = 1;
        mt_sink_begin();
        mt_sink_meta_text(MT_META_COMPLETE, NULL);
    }
    spawn();
}

void mt_writer_fork_prepare(void) { pthread_mutex_lock(&W.work); }
void mt_writer_fork_parent(void) { pthread_mutex_unlock(&W.work); }

void mt_writer_fork_child(const char *path)
{
    pthread_mutex_init(&W.work, NULL);
    pthread_mutex_init(&W.wake_lock, NULL);
    pthread_cond_init(&W.wake, NULL);
    mt_sink_abandon();
    W.running = W.opened = W.failed = 0;
    memset(W.node_of, 0, W.node_cap * sizeof *W.node_of);
    memset(W.trie, 0, W.trie_cap * sizeof *W.trie);
    W.trie_n = 0;
    W.next_node = 0;
    mt_modules_reset();
    if (path)
        mt_writer_start(path, mt_cfg.force, 1);
}
