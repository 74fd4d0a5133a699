/* The event clock (tracer/capture/clock.h), called directly. */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/load/stream.h"
#include "analyzer/load/trace.h"
#include "format/kinds.h"
#include "tests/helpers.h"
#include "tracer/capture/clock.h"

static int kernel_clock_is_tsc(void)
{
    char buf[32] = {0};
    int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n > 0 && strcmp(buf, "tsc\n") == 0;
}

/* The smallest gap over a few tries: a preemption between the two reads
 * widens one try, never all of them. */
static uint64_t gap_to_vdso(void)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 20; i++) {
        uint64_t a = mt_now(), m = mt_mono_ns();
        uint64_t d = a > m ? a - m : m - a;
        best = d < best ? d : best;
    }
    return best;
}

START_TEST(tracks_clock_monotonic)
{
    mt_clock_init();
    ck_assert_int_eq(mt_clock_kind(), kernel_clock_is_tsc() ? MT_CLOCK_TSC : MT_CLOCK_MONOTONIC);
    ck_assert_uint_lt(gap_to_vdso(), 20000);
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    /* 50 ms at a rate good to 1e-4 drifts 5 us at most */
    ck_assert_uint_lt(gap_to_vdso(), 20000);
    uint64_t prev = mt_now();
    for (int i = 0; i < 1000000; i++) {
        uint64_t t = mt_now();
        ck_assert_uint_ge(t, prev);
        prev = t;
    }
}
END_TEST

/* What the tracer relies on: a stamp taken after a thread saw another's
 * store is never earlier than the stamp that thread took before the store
 * (a malloc, then the free of that pointer on the thread it was handed to;
 * a free, then a malloc of the same address elsewhere).  Two threads hand a
 * token back and forth; each stamps once per hand-off, after seeing it and
 * before passing it on.  Release/acquire compile to plain moves on x86: the
 * only ordering is the clock's own.  This catches a clock scaled or offset
 * differently per thread or CPU; an unordered rdtsc inverts a few times in
 * ten million hand-offs, too rarely to catch here, hence rdtscp (clock.h). */
#define HANDOFFS 400000
static _Atomic uint64_t token;
static uint64_t stamp[HANDOFFS + 2];
static int inverted;

static void play(uint64_t first)
{
    for (uint64_t r = first; r <= HANDOFFS; r += 2) {
        while (atomic_load_explicit(&token, memory_order_acquire) != r)
            ;
        stamp[r] = mt_now();
        inverted += stamp[r] < stamp[r - 1];
        atomic_store_explicit(&token, r + 1, memory_order_release);
    }
}

static void *odd_player(void *arg)
{
    (void)arg;
    play(1);
    return NULL;
}

START_TEST(ordered_across_threads)
{
    mt_clock_init();
    stamp[0] = mt_now();
    atomic_store(&token, 1);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, odd_player, NULL), 0);
    play(2);
    pthread_join(t, NULL);
    ck_assert_int_eq(inverted, 0);
    ck_assert_uint_gt(stamp[HANDOFFS], stamp[1]);
}
END_TEST

/* The same guarantee end to end, in the order the analyzer reads a trace:
 * two threads on two cores hand 777-byte blocks to each other (the other
 * frees each), 400,000 in all.  Every free must meet its block live, and
 * no malloc may meet its address still live: either would mean an event
 * ordered before one it followed. */
#define PINGPONG 200000
START_TEST(trace_orders_handoffs)
{
    char db[4200], err[1024] = "", blocks[16];
    snprintf(db, sizeof db, "%s/pingpong.db", th_tempdir());
    snprintf(blocks, sizeof blocks, "%d", PINGPONG);
    char *argv[] = {MT_BUILD_DIR "/fixtures/pingpong", blocks, NULL};
    ck_assert_int_eq(th_trace(db, argv, NULL, 0), 0);
    mtr_trace_t *t = mtr_trace_open(db, err, sizeof err);
    ck_assert_msg(t != NULL, "%s", err);
    mtr_stream_t *s = mtr_stream_open(t, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    /* every address the fixture's blocks had, and whether it is live: the
     * two threads reuse few addresses */
    enum { CAP = 1 << 16 };
    static struct {
        uint64_t addr;
        int live;
    } seen[CAP];
    memset(seen, 0, sizeof seen);
    long allocs = 0, frees = 0, early, late = 0, distinct = 0;
    const mtr_event_t *e;
    while (mtr_stream_next(s, &e) > 0) {
        if (e->kind != MTR_EV_FREE && !(e->kind == MTR_EV_ALLOC && e->size == 777))
            continue;
        size_t i = (e->addr >> 4) % CAP;
        while (seen[i].addr && seen[i].addr != e->addr)
            i = (i + 1) % CAP;
        if (e->kind == MTR_EV_ALLOC) {
            allocs++;
            distinct += !seen[i].addr;
            ck_assert_int_lt(distinct, CAP / 2);
            late += seen[i].live; /* its address still live */
            seen[i].addr = e->addr;
            seen[i].live = 1;
        } else if (seen[i].live) {
            frees++;
            seen[i].live = 0;
        }
    }
    mtr_stream_close(s);
    mtr_trace_close(t);
    early = allocs - frees; /* frees that met no live block of the fixture */
    ck_assert_int_eq(allocs, 2 * PINGPONG);
    ck_assert_int_eq(late, 0);
    ck_assert_int_eq(early, 0);
}
END_TEST

Suite *clock_suite(void)
{
    Suite *s = suite_create("clock");
    TCase *t = tcase_create("clock");
    tcase_add_test(t, tracks_clock_monotonic);
    tcase_add_test(t, ordered_across_threads);
    tcase_add_test(t, trace_orders_handoffs);
    suite_add_tcase(s, t);
    return s;
}
