/* The stack table and the recorder, called directly with made-up data. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>

#include "tracer/buffer/buffer.h"
#include "tracer/capture/clock.h"
#include "tracer/capture/record.h"
#include "tracer/capture/stacks.h"
#include "tracer/capture/thread.h"
#include "tracer/config.h"

static uintptr_t frames_a[] = {0x401000, 0x402000, 0x403000};
static uintptr_t frames_b[] = {0x401000, 0x402000, 0x403001};

/* The id of a made-up stack, through the calling thread's cache. */
static uint32_t intern(const uintptr_t *ips, int n)
{
    mt_thread_t *t = mt_thread_get();
    ck_assert_ptr_nonnull(t);
    return mt_stack_intern(&t->stacks, mt_stack_hash(ips, n), ips, n).v;
}

START_TEST(same_stack_same_id)
{
    mt_record_init();
    uint32_t a = intern(frames_a, 3);
    uint32_t a2 = intern(frames_a, 3);
    uint32_t bb = intern(frames_b, 3);
    uint32_t prefix = intern(frames_a, 2);
    ck_assert_uint_gt(a, 0);
    ck_assert_uint_eq(a, a2);
    ck_assert_uint_ne(a, bb);
    ck_assert_uint_ne(a, prefix);
    uint32_t depth;
    const uintptr_t *ips = mt_stack_get((mt_stack_id_t){bb}, &depth);
    ck_assert_uint_eq(depth, 3);
    ck_assert_uint_eq(ips[2], 0x403001);
    ck_assert_ptr_null(mt_stack_get((mt_stack_id_t){0}, &depth));
}
END_TEST

#define NTHREADS 4
#define NSTACKS 2000
static uint32_t ids[NTHREADS][NSTACKS];

static void *intern_many(void *arg)
{
    uint32_t *out = arg;
    for (int i = 0; i < NSTACKS; i++) {
        uintptr_t f[4] = {0x1000, 0x2000 + (uintptr_t)i, 0x3000, (uintptr_t)i % 7};
        out[i] = intern(f, 4);
    }
    return NULL;
}

START_TEST(threads_agree_on_ids)
{
    mt_record_init();
    uint32_t before = mt_stack_count();
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&t[i], NULL, intern_many, ids[i]);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    for (int k = 0; k < NSTACKS; k++)
        for (int i = 1; i < NTHREADS; i++)
            ck_assert_uint_eq(ids[i][k], ids[0][k]);
    ck_assert_uint_eq(mt_stack_count() - before, NSTACKS);
}
END_TEST

/* The settings these tests record with: 16 frames, the default sizes. */
static void record_setup(void)
{
    setenv("MEMTRACE_DEPTH", "16", 1);
    setenv("MEMTRACE_COPY_MIN", "64K", 1);
    setenv("MEMTRACE_GATHER_MIN", "1M", 1);
    ck_assert_int_eq(mt_config_load(), 0);
    mt_record_init();
}

/* Every event of b: counts by kind, and the last gather. */
static void consume(mt_tbuf_t *b, int kinds[16], mt_raw_t *gather)
{
    mt_raw_t r;
    while (mt_tbuf_consume(b, &r)) {
        kinds[r.kind]++;
        if (r.kind == MT_RAW_GATHER)
            *gather = r;
    }
}

START_TEST(recorder_fills_the_thread_buffer)
{
    record_setup();
    mt_record_start();
    mt_tbuf_t *b = mt_thread_get()->buf;
    uint64_t before = atomic_load(&b->published);
    mt_record_alloc((void *)0x1000, 24);
    mt_record_free((void *)0x1000, mt_now());
    mt_record_alloc((void *)0x100000, 2 << 20); /* large: a gather target */
    /* pieces 3 ns long, 10 ns apart */
    for (int i = 0; i < 10; i++) {
        void *dst = (char *)0x100000 + i * 100;
        ck_assert(mt_record_may_gather(dst));
        mt_record_gather_piece(dst, (void *)0x5000, 100, 1000 + 10 * i, 1003 + 10 * i);
    }
    mt_record_free((void *)0x100000, mt_now()); /* ends the gather */
    mt_record_stop();
    /* 2 allocs and 2 frees take a slot each, the gather two */
    ck_assert_uint_eq(atomic_load(&b->published) - before, 6);
    int kinds[16] = {0};
    mt_raw_t gather = {0};
    consume(b, kinds, &gather);
    ck_assert_int_eq(kinds[MT_RAW_ALLOC], 2);
    ck_assert_int_eq(kinds[MT_RAW_FREE], 2);
    ck_assert_int_eq(kinds[MT_RAW_GATHER], 1);
    ck_assert_uint_eq(gather.n, 10);
    ck_assert_uint_eq(gather.size, 1000);
    ck_assert_uint_eq(gather.addr, 0x100000);
    /* its time is the pieces' own, not the span from first to last */
    ck_assert_uint_eq(gather.ts, 1000);
    ck_assert_uint_eq(gather.aux2, 1093);
    ck_assert_uint_eq(gather.aux3, 30);
    ck_assert_uint_eq(atomic_load(&b->small_count[6]), 10); /* 100 is in [64, 128) */
}
END_TEST

static mt_tbuf_t *gatherer_buf;

static void *gather_then_exit(void *arg)
{
    (void)arg;
    gatherer_buf = mt_thread_get()->buf;
    for (int i = 0; i < 7; i++)
        mt_record_gather_piece((char *)0x300000 + i * 64, (void *)0x5000, 64, mt_now(), mt_now());
    return NULL; /* the block stays live: only the thread's end ends the gather */
}

START_TEST(a_thread_ends_its_gathers)
{
    record_setup();
    mt_record_start();
    mt_record_alloc((void *)0x300000, 4 << 20);
    pthread_t t;
    pthread_create(&t, NULL, gather_then_exit, NULL);
    pthread_join(t, NULL);
    mt_record_stop();
    ck_assert_int_eq(atomic_load(&gatherer_buf->dead), 1);
    int kinds[16] = {0};
    mt_raw_t gather = {0};
    consume(gatherer_buf, kinds, &gather);
    ck_assert_int_eq(kinds[MT_RAW_GATHER], 1);
    ck_assert_uint_eq(gather.n, 7);
    ck_assert_uint_eq(gather.size, 7 * 64);
    ck_assert_uint_eq(gather.addr, 0x300000);
}
END_TEST

Suite *stacks_suite(void)
{
    Suite *s = suite_create("stacks");
    TCase *t = tcase_create("table");
    tcase_add_test(t, same_stack_same_id);
    tcase_add_test(t, threads_agree_on_ids);
    tcase_add_test(t, recorder_fills_the_thread_buffer);
    tcase_add_test(t, a_thread_ends_its_gathers);
    suite_add_tcase(s, t);
    return s;
}
