/* The event clock (tracer/capture/clock.h), called directly. */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tracer/capture/clock.h"
#include "format/kinds.h"

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

Suite *clock_suite(void)
{
    Suite *s = suite_create("clock");
    TCase *t = tcase_create("clock");
    tcase_add_test(t, tracks_clock_monotonic);
    tcase_add_test(t, ordered_across_threads);
    suite_add_tcase(s, t);
    return s;
}
