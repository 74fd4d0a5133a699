/* The event clock (tracer/clock.h), called directly. */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

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
    ck_assert_str_eq(mt_clock_name(), kernel_clock_is_tsc() ? "tsc" : "monotonic");
    ck_assert_uint_lt(gap_to_vdso(), 20000);
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    /* 50 ms at a rate good to 1e-4 drifts 5 us at most */
    ck_assert_uint_lt(gap_to_vdso(), 20000);
    uint64_t prev = mt_now_before();
    for (int i = 0; i < 1000000; i++) {
        uint64_t t = i & 1 ? mt_now() : mt_now_before();
        ck_assert_uint_ge(t, prev);
        prev = t;
    }
}
END_TEST

/* What the tracer relies on: a stamp taken before a store is never later
 * than a stamp taken after another thread saw that store. */
#define ROUNDS 20000
static _Atomic uint64_t posted;
static uint64_t before[ROUNDS + 1];

static void *poster(void *arg)
{
    (void)arg;
    for (uint64_t r = 1; r <= ROUNDS; r++) {
        before[r] = mt_now_before();
        atomic_store_explicit(&posted, r, memory_order_release);
        while (atomic_load_explicit(&posted, memory_order_acquire) != 0)
            ;
    }
    return NULL;
}

START_TEST(ordered_across_threads)
{
    mt_clock_init();
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, poster, NULL), 0);
    int inverted = 0;
    for (uint64_t r = 1; r <= ROUNDS; r++) {
        uint64_t seen;
        while ((seen = atomic_load_explicit(&posted, memory_order_acquire)) != r)
            ;
        uint64_t after = mt_now();
        inverted += after < before[r];
        atomic_store_explicit(&posted, 0, memory_order_release);
    }
    pthread_join(t, NULL);
    ck_assert_int_eq(inverted, 0);
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
