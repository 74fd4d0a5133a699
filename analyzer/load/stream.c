/* The merged event stream (see stream.h): one cursor per source, a binary
 * heap ordered by time.  On equal times a release goes first: the tracer
 * stamps a free before the block is released and an allocation after it is
 * obtained, so a tie can only be a reuse of the same address. */
#include "analyzer/load/stream.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/grow.h"
#include "analyzer/load/trace_sql.h"
#include "format/batch.h"

typedef struct source {
    sqlite3_stmt *st;
    int is_batch, is_copy;
    uint32_t tid;
    mt_batch_reader_t rd;
    int open;
    /* two slots: the event handed out stays valid while the next is read */
    mtr_event_t slot[2];
    mtr_event_t *cur;
} source_t;

struct mtr_stream {
    sqlite3 *sql;
    const char *path; /* for messages */
    source_t *src;
    size_t nsrc;
    size_t *heap, nheap;
    char *err;
    size_t errcap;
    int failed;
};

static inline int rank(const mtr_event_t *e)
{
    return e->kind == MTR_EV_FREE || e->kind == MTR_EV_MUNMAP ? 0 : 1;
}

static inline int before(const mtr_stream_t *s, size_t a, size_t b)
{
    const mtr_event_t *x = s->src[a].cur, *y = s->src[b].cur;
    if (x->ts != y->ts)
        return x->ts < y->ts;
    if (rank(x) != rank(y))
        return rank(x) < rank(y);
    return a < b;
}

/* what went wrong; SQLite's own message is added when it was SQLite's error */
static void fail_as(mtr_stream_t *s, const char *what, int sql)
{
    if (!s->failed)
        snprintf(s->err, s->errcap, "%s: damaged trace (%s%s%s)", s->path, what,
                 sql ? ": " : "", sql ? sqlite3_errmsg(s->sql) : "");
    s->failed = 1;
}

static void fail(mtr_stream_t *s, const char *what) { fail_as(s, what, 1); }

/* Loads the next event of src into its other slot and makes it src->cur;
 * 0 when exhausted. */
static int advance(mtr_stream_t *s, source_t *src)
{
    sqlite3_stmt *st = src->st;
    mtr_event_t *e = src->cur == &src->slot[0] ? &src->slot[1] : &src->slot[0];
    src->cur = e;
    if (src->is_batch) {
        mt_alloc_event_t a;
        int got;
        while ((got = src->open ? mt_batch_next(&src->rd, &a) : 0) == 0) {
            int rc = sqlite3_step(st);
            if (rc == SQLITE_DONE)
                return 0;
            if (rc != SQLITE_ROW) {
                fail(s, "reading alloc_batches");
                return 0;
            }
            size_t n = (size_t)sqlite3_column_int64(st, 0);
            src->open = mt_batch_open(&src->rd, sqlite3_column_blob(st, 1),
                                      (size_t)sqlite3_column_bytes(st, 1), n) == 0;
            if (!src->open) {
                fail_as(s, "undecodable allocation batch", 0);
                return 0;
            }
        }
        if (got < 0) {
            fail_as(s, "undecodable allocation batch", 0);
            return 0;
        }
        /* the copy and mapping fields keep their zeros from the first event */
        e->ts = a.ts;
        e->tid = src->tid;
        e->addr = a.addr;
        e->size = a.size;
        e->old_addr = a.old_addr;
        e->stack = (uint32_t)a.stack;
        e->kind = a.kind; /* the decoder returns stored kinds only */
        return 1;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW) {
        fail(s, src->is_copy ? "reading copies" : "reading mappings");
        return 0;
    }
    memset(e, 0, sizeof *e);
    e->ts = (uint64_t)sqlite3_column_int64(st, 0);
    e->tid = (uint32_t)sqlite3_column_int64(st, 1);
    if (src->is_copy) {
        e->kind = MTR_EV_COPY;
        e->end_ts = (uint64_t)sqlite3_column_int64(st, 2);
        const char *k = (const char *)sqlite3_column_text(st, 3);
        e->copy_kind = mt_kind_parse(MT_KINDS_COPY, k);
        if (e->copy_kind < 0) {
            fail_as(s, "a copy of an unknown kind", 0);
            return 0;
        }
        if (e->copy_kind == MT_COPY_MEMPCPY)
            e->copy_kind = MT_COPY_MEMCPY;
        e->src = (uint64_t)sqlite3_column_int64(st, 4);
        e->addr = (uint64_t)sqlite3_column_int64(st, 5);
        e->size = (uint64_t)sqlite3_column_int64(st, 6);
        e->pieces = (uint64_t)sqlite3_column_int64(st, 7);
        e->stack = (uint32_t)sqlite3_column_int64(st, 8);
        e->id = sqlite3_column_int64(st, 9);
        e->copy_ns = sqlite3_column_type(st, 10) == SQLITE_NULL
                         ? (e->end_ts > e->ts ? e->end_ts - e->ts : 0)
                         : (uint64_t)sqlite3_column_int64(st, 10);
    } else {
        int k = mt_kind_parse(MT_KINDS_MAP, (const char *)sqlite3_column_text(st, 2));
        if (k < 0) {
            fail_as(s, "a mapping of an unknown kind", 0);
            return 0;
        }
        e->kind = MTR_EV_MMAP - MT_MAP_MMAP + k;
        e->addr = (uint64_t)sqlite3_column_int64(st, 3);
        e->size = (uint64_t)sqlite3_column_int64(st, 4);
        e->old_addr = (uint64_t)sqlite3_column_int64(st, 5);
        e->old_size = (uint64_t)sqlite3_column_int64(st, 6);
        e->anon = sqlite3_column_int(st, 7);
        e->stack = (uint32_t)sqlite3_column_int64(st, 8);
        e->prot = sqlite3_column_int(st, 9);
        e->flags = sqlite3_column_int(st, 10);
    }
    return 1;
}

static void sift_down(mtr_stream_t *s, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->nheap && before(s, s->heap[l], s->heap[m]))
            m = l;
        if (r < s->nheap && before(s, s->heap[r], s->heap[m]))
            m = r;
        if (m == i)
            return;
        size_t t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
}

static int add_source(mtr_stream_t *s, const char *sql, int is_batch, int is_copy, uint32_t tid)
{
    source_t *src = &s->src[s->nsrc];
    memset(src, 0, sizeof *src);
    if (sqlite3_prepare_v2(s->sql, sql, -1, &src->st, NULL) != SQLITE_OK) {
        fail(s, "preparing a query");
        return -1;
    }
    src->cur = &src->slot[1];
    src->is_batch = is_batch;
    src->is_copy = is_copy;
    src->tid = tid;
    if (is_batch)
        sqlite3_bind_int64(src->st, 1, tid);
    s->nsrc++;
    return 0;
}

mtr_stream_t *mtr_stream_open(mtr_trace_t *t, char *err, size_t errcap)
{
    mtr_stream_t *s = mtr_calloc(1, sizeof *s);
    s->sql = mtr_trace_sql(t);
    s->path = mtr_trace_run(t)->path;
    s->err = err;
    s->errcap = errcap;
    sqlite3_stmt *st;
    size_t ntid = 0, cap = 0;
    uint32_t *tids = NULL;
    if (sqlite3_prepare_v2(s->sql, "SELECT DISTINCT tid FROM alloc_batches ORDER BY tid", -1,
                           &st, NULL) != SQLITE_OK) {
        fail(s, "listing threads");
        goto bad;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        MTR_PUSH(tids, ntid, cap, (uint32_t)sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        fail(s, "listing threads");
        goto bad;
    }
    s->src = mtr_calloc(ntid + 2, sizeof *s->src);
    s->heap = mtr_calloc(ntid + 2, sizeof *s->heap);
    for (size_t i = 0; i < ntid; i++)
        if (add_source(s, "SELECT count, data FROM alloc_batches WHERE tid = ? ORDER BY id", 1, 0,
                       tids[i]) < 0)
            goto bad;
    /* copy_ns came with schema 2; an older file reads it as NULL */
    sqlite3_stmt *probe = NULL;
    int has_copy_ns = sqlite3_prepare_v2(s->sql, "SELECT copy_ns FROM copies", -1, &probe,
                                         NULL) == SQLITE_OK;
    sqlite3_finalize(probe);
    if (add_source(s, has_copy_ns ? "SELECT ts_ns, tid, end_ns, kind, src, dst, bytes, pieces,"
                                    " stack, id, copy_ns FROM copies ORDER BY ts_ns, id"
                                  : "SELECT ts_ns, tid, end_ns, kind, src, dst, bytes, pieces,"
                                    " stack, id, NULL FROM copies ORDER BY ts_ns, id",
                   0, 1, 0) < 0 ||
        add_source(s, "SELECT ts_ns, tid, kind, addr, size, old_addr, old_size, anon, stack,"
                      " prot, flags FROM mappings ORDER BY ts_ns, id", 0, 0, 0) < 0)
        goto bad;
    for (size_t i = 0; i < s->nsrc; i++)
        if (advance(s, &s->src[i]))
            s->heap[s->nheap++] = i;
    if (s->failed)
        goto bad;
    for (size_t i = s->nheap / 2 + 1; i-- > 0;)
        sift_down(s, i);
    free(tids);
    return s;
bad:
    free(tids);
    mtr_stream_close(s);
    return NULL;
}

int mtr_stream_next(mtr_stream_t *s, const mtr_event_t **ev)
{
    if (s->failed)
        return -1;
    if (!s->nheap)
        return 0;
    size_t top = s->heap[0];
    *ev = s->src[top].cur;
    if (!advance(s, &s->src[top]))
        s->heap[0] = s->heap[--s->nheap];
    if (s->failed)
        return -1;
    /* most of the time the same thread's next event is still the earliest */
    if ((s->nheap < 2 || before(s, s->heap[0], s->heap[1])) &&
        (s->nheap < 3 || before(s, s->heap[0], s->heap[2])))
        return 1;
    sift_down(s, 0);
    return 1;
}

void mtr_stream_close(mtr_stream_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nsrc; i++) {
        sqlite3_finalize(s->src[i].st);
        mt_batch_reader_free(&s->src[i].rd);
    }
    free(s->src);
    free(s->heap);
    free(s);
}
