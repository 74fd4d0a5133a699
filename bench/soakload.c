/* The soak's load: malloc/free pairs at a steady rate (events per second,
 * for so many seconds) from 16 call sites, sizes 16 B to 4 KiB, with a
 * live set of 4096 blocks replaced at random, so the tracer sees a long
 * run of ordinary allocation traffic.  Paced in 1 ms slices.
 *   soakload EVENTS_PER_S SECONDS */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define LIVE 4096

static void *live[LIVE];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* 16 sites: the tracer interns 16 stacks, as a program's hot paths */
#define SITE(k)                                                                            \
    __attribute__((noinline)) static void *soak_site##k(size_t n) { return malloc(n + k); }
SITE(0) SITE(1) SITE(2) SITE(3) SITE(4) SITE(5) SITE(6) SITE(7)
SITE(8) SITE(9) SITE(10) SITE(11) SITE(12) SITE(13) SITE(14) SITE(15)
static void *(*const sites[16])(size_t) = {
    soak_site0, soak_site1, soak_site2,  soak_site3,  soak_site4,  soak_site5,
    soak_site6, soak_site7, soak_site8,  soak_site9,  soak_site10, soak_site11,
    soak_site12, soak_site13, soak_site14, soak_site15};

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    double rate = atof(argv[1]) / 2, seconds = atof(argv[2]); /* pairs per second */
    unsigned x = 12345;
    double start = now(), done = 0;
    while (now() - start < seconds) {
        double t0 = now() - start, due = (t0 + 0.001) * rate;
        if (due > seconds * rate)
            due = seconds * rate;
        for (; done < due; done++) {
            x = x * 1103515245u + 12345u;
            unsigned i = (x >> 8) % LIVE;
            free(live[i]);
            live[i] = sites[(x >> 20) & 15](16 + (x >> 4) % 4080);
        }
        struct timespec slice = {0, 1000000};
        if (done / rate > now() - start)
            nanosleep(&slice, NULL);
        else if (done >= seconds * rate)
            break; /* behind: the count is what was asked, however late */
    }
    printf("pairs %.0f in %.1f s\n", done, now() - start);
    return 0;
}
