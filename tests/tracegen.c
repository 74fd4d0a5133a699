/* The trace generator (see tracegen.h). */
#include "tests/tracegen.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "format/batch.h"
#include "format/kinds.h"
#include "format/schema.h"
#include "tracer/storage/sink.h"

#define MAX_TIDS 8

static struct {
    uint32_t tid;
    mt_alloc_event_t *ev;
    size_t n, cap;
} threads[MAX_TIDS];
static uint32_t next_node;

void tg_open(const char *path)
{
    memset(threads, 0, sizeof threads);
    next_node = 0;
    ck_assert_int_eq(mt_sink_open(path, 1, 0), 0);
    mt_sink_begin();
    mt_sink_meta_int(MT_META_SCHEMA_VERSION, MT_SCHEMA_VERSION);
    mt_sink_meta_text(MT_META_COMMAND, "synthetic trace");
    mt_sink_meta_int(MT_META_PID, 4242);
    mt_sink_meta_int(MT_META_START_NS, (int64_t)TG_START_NS);
    mt_sink_meta_int(MT_META_COPY_MIN, 65536);
    mt_sink_meta_int(MT_META_GATHER_MIN, 1 << 20);
}

uint32_t tg_stack(int n, const uint64_t *ips)
{
    uint32_t parent = 0;
    for (int i = n; i-- > 0;) {
        mt_sink_stack_node((mt_node_id_t){++next_node}, (mt_node_id_t){parent}, ips[i]);
        parent = next_node;
    }
    return parent;
}

static void push(uint32_t tid, mt_alloc_event_t e)
{
    int k = 0;
    while (k < MAX_TIDS && threads[k].tid && threads[k].tid != tid)
        k++;
    ck_assert_int_lt(k, MAX_TIDS);
    threads[k].tid = tid;
    if (threads[k].n == threads[k].cap) {
        threads[k].cap = threads[k].cap ? threads[k].cap * 2 : 64;
        threads[k].ev = realloc(threads[k].ev, threads[k].cap * sizeof e);
    }
    e.ts += TG_START_NS;
    threads[k].ev[threads[k].n++] = e;
}

void tg_alloc(uint32_t tid, uint64_t t, uint64_t addr, uint64_t size, uint32_t stack)
{
    push(tid, (mt_alloc_event_t){.ts = t, .kind = MT_EV_ALLOC, .addr = addr, .size = size,
                                 .stack = stack});
}

void tg_free(uint32_t tid, uint64_t t, uint64_t addr)
{
    push(tid, (mt_alloc_event_t){.ts = t, .kind = MT_EV_FREE, .addr = addr});
}

void tg_realloc(uint32_t tid, uint64_t t, uint64_t old, uint64_t addr, uint64_t size,
                uint32_t stack)
{
    tg_free(tid, t, old);
    push(tid, (mt_alloc_event_t){.ts = t + 1, .kind = MT_EV_REALLOC, .addr = addr,
                                 .old_addr = old, .size = size, .stack = stack});
}

void tg_copy(uint32_t tid, uint64_t t, uint64_t dur, int kind, uint64_t src, uint64_t dst,
             uint64_t bytes, uint64_t pieces, uint32_t stack)
{
    mt_sink_copy(TG_START_NS + t, TG_START_NS + t + dur, dur, tid, kind, src, dst, bytes, pieces,
                 (mt_node_id_t){stack});
}

void tg_gather(uint32_t tid, uint64_t t, uint64_t span, uint64_t copy_ns, uint64_t src,
               uint64_t dst, uint64_t bytes, uint64_t pieces, uint32_t stack)
{
    mt_sink_copy(TG_START_NS + t, TG_START_NS + t + span, copy_ns, tid, MT_COPY_GATHER, src, dst,
                 bytes, pieces, (mt_node_id_t){stack});
}

void tg_mmap(uint64_t t, uint64_t addr, uint64_t size, int anon, uint32_t stack)
{
    mt_sink_mapping(TG_START_NS + t, 1, MT_MAP_MMAP, addr, size, 0, 0, 3, anon ? 0x22 : 0x2,
                    anon ? -1 : 5, anon == 2, (mt_node_id_t){stack});
}

void tg_munmap(uint64_t t, uint64_t addr, uint64_t size)
{
    mt_sink_mapping(TG_START_NS + t, 1, MT_MAP_MUNMAP, addr, size, 0, 0, 0, 0, -1, 0,
                    (mt_node_id_t){0});
}

void tg_meta_int(mt_meta_t key, int64_t v) { mt_sink_meta_int(key, v); }

void tg_close(uint64_t end_t, int complete)
{
    for (int k = 0; k < MAX_TIDS && threads[k].tid; k++) {
        void *blob;
        size_t len = mt_batch_encode(threads[k].ev, threads[k].n, &blob);
        ck_assert_uint_gt(len, 0);
        mt_sink_alloc_batch(threads[k].tid, threads[k].ev[0].ts,
                            threads[k].ev[threads[k].n - 1].ts, threads[k].n, blob, len);
        mt_sink_thread(threads[k].tid, threads[k].ev[0].ts, NULL);
        free(blob);
        free(threads[k].ev);
    }
    mt_sink_meta_int(MT_META_END_NS, (int64_t)(TG_START_NS + end_t));
    if (complete)
        mt_sink_meta_int(MT_META_COMPLETE, 1);
    ck_assert_int_eq(mt_sink_commit(), 0);
    mt_sink_close();
}
