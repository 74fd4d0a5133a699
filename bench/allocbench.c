/* The allocation benchmark: PAIRS malloc/free pairs of 16 B - 4 KiB from 8
 * distinct call stacks about 10 frames deep, split over THREADS threads.
 * usage: allocbench PAIRS THREADS */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long pairs_per_thread;

/* 8 call sites, one size each: 8 distinct stacks */
__attribute__((noinline)) static void *leaf(int which)
{
    switch (which) {
    case 0: return malloc(16);
    case 1: return malloc(64);
    case 2: return malloc(256);
    case 3: return malloc(512);
    case 4: return malloc(1024);
    case 5: return malloc(2048);
    case 6: return malloc(3072);
    default: return malloc(4096);
    }
}

__attribute__((noinline)) static void *descend(int level, int which)
{
    void *p = level ? descend(level - 1, which) : leaf(which);
    __asm__ volatile("" ::: "memory"); /* keeps the frames: no tail calls */
    return p;
}

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(long)arg;
    for (long i = 0; i < pairs_per_thread; i++) {
        seed = seed * 1103515245u + 12345u;
        void *volatile p = descend(8, (int)(seed >> 16) & 7);
        free(p);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long pairs = argc > 1 ? atol(argv[1]) : 10000000;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (threads < 1 || threads > 64 || pairs < 1)
        return 2;
    pairs_per_thread = pairs / threads;
    pthread_t t[64];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, worker, (void *)(long)(i + 1));
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    /* the loop alone: what a tool's exit-time work is not part of */
    if (getenv("ALLOCBENCH_VERBOSE"))
        fprintf(stderr, "loop %.3f s\n", (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return 0;
}
