/* The writer thread (see writer.h).  It alone talks to the sink, so the
 * sink needs no locking; `work` is held around each drain-and-commit so a
 * fork never copies SQLite mid-transaction. */
#include "tracer/storage/writer.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "format/batch.h"
#include "format/kinds.h"
#include "tracer/buffer/registry.h"
#include "tracer/capture/clock.h"
#include "tracer/capture/guard.h"
#include "tracer/capture/record.h"
#include "tracer/common.h"
#include "tracer/storage/meta.h"
#include "tracer/storage/modules.h"
#include "tracer/storage/regions.h"
#include "tracer/storage/sink.h"
#include "tracer/storage/trie.h"

/* A SIGKILL must lose less than 0.25 s: a commit holds what was published
 * when its drain began, and a drain takes up to some 50 ms under load
 * (MT_LATE_NS, then what was already published). */
#define COMMIT_NS 100000000ull
/* Events per batch: fewer compress worse (16384 gives a third more bytes).
 * What waits for its batch is bounded across threads by PENDING_MAX, and
 * each batch's array is freed once written, so the writer's own memory
 * does not grow with the number of threads. */
#define BATCH_MAX 65536
#define PENDING_MAX (4 * BATCH_MAX)
/* Full-size event arrays kept for the next batch, and one encoder kept for
 * all: freed and taken anew each batch, their pages went back to the
 * kernel and every batch faulted megabytes in again. */
#define SPARES 2

/* Per traced thread, in its buffer's wstate: the allocation events waiting
 * for their batch. */
typedef struct {
    mt_alloc_event_t *ev;
    size_t n, cap;
    int registered; /* its threads row is written */
} tstate_t;

static struct {
    pthread_t thread;
    int running, opened, lazy, failed, force;
    char path[4096];
    pthread_mutex_t work;
    pthread_mutex_t wake_lock;
    pthread_cond_t wake;
    int stop;
    /* mt_writer_finish's request, and the writer's answer (a futex word) */
    _Atomic int end_req, end_kind, end_status;
    _Atomic uint32_t finished;
    uint64_t last_commit;
    mt_tbuf_t **list; /* the registry snapshot of a drain */
    size_t pending;   /* allocation events in every tstate_t, not yet written */
    size_t cap_list;
    mt_batch_encoder_t *enc;
    mt_alloc_event_t *spare[SPARES];
    int spares;
} W = {.work = PTHREAD_MUTEX_INITIALIZER,
       .wake_lock = PTHREAD_MUTEX_INITIALIZER,
       .wake = PTHREAD_COND_INITIALIZER};

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
    if (!W.enc)
        W.enc = mt_batch_encoder_new();
    const void *blob;
    size_t len = W.enc ? mt_batch_encode_with(W.enc, t->ev, t->n, &blob) : 0;
    if (len)
        mt_sink_alloc_batch(b->tid, t->ev[0].ts, t->ev[t->n - 1].ts, t->n, blob, len);
    W.pending -= t->n;
    t->n = 0;
    if (t->cap >= BATCH_MAX && W.spares < SPARES)
        W.spare[W.spares++] = t->ev;
    else
        free(t->ev);
    t->ev = NULL;
    t->cap = 0;
}

static void push_alloc(mt_tbuf_t *b, tstate_t *t, const mt_raw_t *r, uint8_t kind)
{
    if (!t->ev && W.spares) {
        t->ev = W.spare[--W.spares];
        t->cap = BATCH_MAX;
    }
    if (mt_grow(&t->ev, &t->cap, t->n + 1, sizeof *t->ev) < 0)
        return;
    t->ev[t->n++] = (mt_alloc_event_t){.ts = r->ts, .addr = r->addr, .size = r->size,
                                        .old_addr = r->aux,
                                        .stack = mt_trie_node_of(r->stack).v, .kind = kind};
    W.pending++;
    if (t->n >= BATCH_MAX || W.pending >= PENDING_MAX)
        flush_allocs(b, t);
}

static void handle(mt_tbuf_t *b, tstate_t *t, const mt_raw_t *r)
{
    switch (r->kind) {
    case MT_RAW_ALLOC: push_alloc(b, t, r, MT_EV_ALLOC); break;
    case MT_RAW_FREE: push_alloc(b, t, r, MT_EV_FREE); break;
    case MT_RAW_REALLOC: push_alloc(b, t, r, MT_EV_REALLOC); break;
    case MT_RAW_COPY:
        mt_sink_copy(r->ts, r->aux2, r->aux2 > r->ts ? r->aux2 - r->ts : 0, b->tid, r->sub,
                     r->aux, r->addr, r->size, 1, mt_trie_node_of(r->stack));
        break;
    case MT_RAW_GATHER:
        mt_sink_copy(r->ts, r->aux2, r->aux3, b->tid, MT_COPY_GATHER, r->aux, r->addr, r->size,
                     r->n, mt_trie_node_of(r->stack));
        break;
    case MT_RAW_MMAP:
        mt_sink_mapping(r->ts, b->tid, MT_MAP_MMAP, r->addr, r->size, 0, 0,
                        (int)(uint32_t)r->aux2, (int)(r->aux2 >> 32), (int)(int64_t)r->aux,
                        r->sub, mt_trie_node_of(r->stack));
        break;
    case MT_RAW_MUNMAP:
        mt_sink_mapping(r->ts, b->tid, MT_MAP_MUNMAP, r->addr, r->size, 0, 0, 0, 0, -1, 0,
                        (mt_node_id_t){0});
        break;
    case MT_RAW_PROTECT:
        mt_sink_mapping(r->ts, b->tid, r->sub, r->addr, r->size, 0, 0,
                        r->sub == MT_MAP_MPROTECT ? (int)r->aux : 0,
                        r->sub == MT_MAP_MADVISE ? (int)r->aux : 0, -1, 0,
                        mt_trie_node_of(r->stack));
        break;
    case MT_RAW_MREMAP:
        mt_sink_mapping(r->ts, b->tid, MT_MAP_MREMAP, r->addr, r->size, r->aux, r->aux2, 0, 0,
                        -1, 0, mt_trie_node_of(r->stack));
        break;
    case MT_RAW_REGION: mt_regions_event(b->tid, r); break;
    default: break;
    }
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

/* Creates the database and writes what is known at the start. */
static int open_sink(int force)
{
    if (mt_sink_open(W.path, force, 0) < 0)
        return -1;
    W.opened = 1;
    uint64_t now = mt_now();
    mt_sink_begin();
    mt_meta_write_start(now);
    mt_modules_scan(now);
    mt_sink_commit();
    mt_sink_begin();
    W.last_commit = now;
    return 0;
}

/* The registry's buffers into W.list: new threads must never wait for a
 * drain (and a program may have any number of threads).  Grown outside the
 * lock; threads born meanwhile wait a round. */
static size_t snapshot(void)
{
    size_t n = 0;
    mt_registry_lock();
    for (mt_tbuf_t *b = mt_registry_first(); b; b = b->next)
        n++;
    mt_registry_unlock();
    mt_grow(&W.list, &W.cap_list, n, sizeof *W.list);
    n = 0;
    mt_registry_lock();
    for (mt_tbuf_t *b = mt_registry_first(); b && n < W.cap_list; b = b->next)
        W.list[n++] = b;
    mt_registry_unlock();
    return n;
}

/* Frees the buffers of threads that ended and were drained. */
static void reclaim(void)
{
    mt_registry_lock();
    for (mt_tbuf_t *b = mt_registry_first(), *prev = NULL, *next; b; b = next) {
        next = b->next;
        tstate_t *t = b->wstate;
        if (atomic_load(&b->dead) && b->consumed == atomic_load(&b->published) &&
            (!t || !t->n)) {
            if (t)
                free(t->ev);
            free(t);
            mt_registry_reclaim(b, prev);
        } else {
            prev = b;
        }
    }
    mt_registry_unlock();
}

/* Drains every buffer; on commit also flushes batches and commits.  A
 * writer's drain that began at `begin` (0: none) commits when it is due:
 * what it commits is what was published at its start, so the interval
 * counts from there. */
static void drain(int commit, uint64_t begin)
{
    if (W.failed)
        return;
    if (!W.opened) {
        if (!anything_pending() && (!commit || W.lazy))
            return;
        if (open_sink(W.force) < 0) {
            W.failed = 1;
            mt_record_stop();
            mt_buffer_set_consumer(0);
            return;
        }
    }
    size_t n = snapshot();
    for (size_t i = 0; i < n; i++) {
        mt_tbuf_t *b = W.list[i];
        tstate_t *t = tstate(b);
        if (!t)
            continue;
        if (!t->registered) {
            mt_meta_write_thread(b->tid, b->first_ts);
            t->registered = 1;
        }
        /* only what was there when we came: a thread producing as fast as
         * we consume must not keep us from the others (and the commit) */
        uint64_t upto = atomic_load(&b->published);
        mt_raw_t r;
        while (b->consumed < upto && mt_tbuf_consume(b, &r))
            handle(b, t, &r);
        if (atomic_load(&b->dead)) {
            flush_allocs(b, t);
            write_small(b);
        }
    }
    uint64_t now = mt_now();
    if (!commit && begin)
        commit = now - W.last_commit + (now - begin) >= COMMIT_NS;
    for (size_t i = 0; commit && i < n; i++) {
        if (W.list[i]->wstate) {
            flush_allocs(W.list[i], W.list[i]->wstate);
            write_small(W.list[i]);
        }
    }
    reclaim();
    if (commit) {
        mt_meta_write_progress(mt_now());
        mt_sink_commit();
        mt_sink_begin();
        W.last_commit = mt_now();
    }
}

/* The closing facts, the last commit and the close; W.work held. */
static void close_trace(int exit_kind, int status)
{
    drain(1, 0);
    mt_buffer_set_consumer(0);
    if (W.opened && !W.failed) {
        mt_meta_write_end(exit_kind, status);
        mt_sink_commit();
        mt_sink_close();
    }
    W.opened = 0;
}

static void announce_finished(void)
{
    atomic_store(&W.finished, 1);
    syscall(SYS_futex, &W.finished, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* mt_writer_finish's work, on the writer thread, which owns the sink and
 * holds no lock the interrupted thread might. */
static void finish_here(void)
{
    mt_record_close();
    close_trace(atomic_load(&W.end_kind), atomic_load(&W.end_status));
    announce_finished();
}

static void *writer_main(void *arg)
{
    (void)arg;
    mt_guard_enter(); /* for good: nothing this thread does is traced */
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
        if (!mt_buffer_pressure()) /* else a thread waits for room: no rest */
            pthread_cond_timedwait(&W.wake, &W.wake_lock, &until);
        if (W.stop)
            break;
        pthread_mutex_unlock(&W.wake_lock);
        pthread_mutex_lock(&W.work);
        if (atomic_load(&W.end_req)) {
            finish_here();
            pthread_mutex_unlock(&W.work);
            return NULL;
        }
        uint64_t begin = mt_now();
        mt_buffer_pass_begin(begin);
        drain(0, begin);
        mt_buffer_pass_end();
        pthread_mutex_unlock(&W.work);
        pthread_mutex_lock(&W.wake_lock);
    }
    pthread_mutex_unlock(&W.wake_lock);
    return NULL;
}

/* A producer waits for room: drain now, not at the end of the rest. */
static void wake_writer(void)
{
    pthread_mutex_lock(&W.wake_lock);
    pthread_cond_signal(&W.wake);
    pthread_mutex_unlock(&W.wake_lock);
}

static int spawn(void)
{
    W.stop = 0;
    W.end_req = 0;
    W.finished = 0;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 1 << 20);
    int rc = pthread_create(&W.thread, &a, writer_main, NULL);
    pthread_attr_destroy(&a);
    W.running = rc == 0;
    mt_buffer_set_waker(wake_writer);
    mt_buffer_set_consumer(W.running);
    return rc == 0 ? 0 : -1;
}

int mt_writer_start(const char *path, int force, int lazy)
{
    snprintf(W.path, sizeof W.path, "%s", path);
    W.lazy = lazy;
    W.force = force;
    W.failed = 0;
    W.opened = 0;
    if (!lazy && open_sink(force) < 0)
        return -1;
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
        mt_buffer_set_consumer(0);
        pthread_mutex_unlock(&W.work);
        return; /* a child that recorded nothing leaves no file */
    }
    if (!atomic_load(&W.finished)) /* else a signal's finish did it all */
        close_trace(exit_kind, status);
    announce_finished();
    pthread_mutex_unlock(&W.work);
}

void mt_writer_commit(void)
{
    pthread_mutex_lock(&W.work);
    if (W.running)
        drain(1, 0);
    pthread_mutex_unlock(&W.work);
}

int mt_writer_finish(int exit_kind, int status, int timeout_ms)
{
    if (atomic_load(&W.finished))
        return 0;
    if (!W.running && !W.stop)
        return -1;
    if (!W.stop) { /* else mt_writer_stop is closing it on another thread */
        atomic_store(&W.end_kind, exit_kind);
        atomic_store(&W.end_status, status);
        atomic_store(&W.end_req, 1);
    }
    for (int ms = 0; !atomic_load(&W.finished) && ms < timeout_ms; ms += 10) {
        struct timespec slice = {0, 10000000};
        syscall(SYS_futex, &W.finished, FUTEX_WAIT_PRIVATE, 0, &slice, NULL, 0);
    }
    return atomic_load(&W.finished) ? 0 : -1;
}

void mt_writer_sync(void)
{
    pthread_mutex_lock(&W.work);
    if (W.running) /* else stopped: the database may be closed already */
        drain(0, 0);
    pthread_mutex_unlock(&W.work);
}

int mt_writer_resume(void)
{
    if (W.failed)
        return -1;
    if (W.running)
        return 0;
    if (mt_sink_open(W.path, 0, 1) == 0) {
        W.opened = 1;
        mt_sink_begin();
        mt_meta_write_reopened();
    }
    return spawn();
}

void mt_writer_fork_prepare(void) { pthread_mutex_lock(&W.work); }
void mt_writer_fork_parent(void) { pthread_mutex_unlock(&W.work); }

int mt_writer_fork_child(const char *path)
{
    pthread_mutex_init(&W.work, NULL);
    pthread_mutex_init(&W.wake_lock, NULL);
    pthread_cond_init(&W.wake, NULL);
    mt_sink_abandon();
    W.running = W.opened = W.failed = 0;
    /* the parent's spare arrays and snapshot are left to it, not reused:
     * each page of theirs we wrote would be copied (its encoder is kept:
     * a new one faults in more pages than the few the child copies) */
    W.spares = 0;
    W.list = NULL;
    W.cap_list = 0;
    mt_trie_reset();
    mt_modules_reset();
    mt_regions_reset();
    return path ? mt_writer_start(path, 0, 1) : 0;
}
