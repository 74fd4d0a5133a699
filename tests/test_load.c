/* The tracer under load and faults (tests/fixtures/loadfix.c): its memory is
 * bounded whatever the backlog, exits stay prompt, a kill loses little.
 * Sized for a 2-core machine; timings are ratios to a native run. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers.h"

#define MiB (1 << 20)

static char out[4096];

static long fact(const char *key)
{
    const char *p = strstr(out, key);
    ck_assert_msg(p != NULL, "no %s in %s", key, out);
    return atol(p + strlen(key));
}

/* 16 threads allocating faster than the writer drains: the backlog waits at
 * its bound, so the peak resident size stays under 64 MiB and a constant
 * per thread (natively 2.3 MiB; 280 MiB before the bound), and no event is
 * dropped. */
START_TEST(memory_bounded)
{
    enum { THREADS = 16, PAIRS = 250000 };
    char *dir = th_tempdir();
    char db[4096];
    snprintf(db, sizeof db, "%s/run.db", dir);
    char *argv[] = {FIXTURE("loadfix"), "churn", "16", "250000", NULL};
    int st = th_trace(db, argv, out, sizeof out);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "loadfix failed: %d", st);
    long hwm = fact("hwm_kb ");
    ck_assert_msg(hwm < (64 + THREADS) * 1024 + 16 * 1024, "peak resident %ld KiB", hwm);
    sqlite3 *s = th_open(db);
    ck_assert_int_eq(th_meta(s, MT_META_COMPLETE), 1);
    int64_t events = th_int(s, "SELECT sum(count) FROM alloc_batches");
    ck_assert_int_ge(events, 2 * THREADS * PAIRS);
    ck_assert_int_lt(events, 2 * THREADS * PAIRS + 200); /* the fixture's own few */
    sqlite3_close(s);
}
END_TEST

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Wall time of argv, traced into db (or native when db is NULL); exit(42)
 * expected. */
static double timed(const char *db, char *const argv[])
{
    double t0 = now_s();
    int st = db ? th_trace(db, argv, NULL, 0) : th_run(argv, NULL, NULL, 0);
    double t = now_s() - t0;
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 42, "loadfix: status %d", st);
    return t;
}

/* exit() from one thread while 16 others allocate: the others wait while the
 * trace closes, so the process ends about as promptly as natively (slack
 * for the tracer's start and a loaded machine), and the trace holds nothing
 * of them from long after the exit (before, they went on for seconds). */
START_TEST(exit_prompt)
{
    char *dir = th_tempdir();
    char db[4096];
    snprintf(db, sizeof db, "%s/run.db", dir);
    char *argv[] = {FIXTURE("loadfix"), "exit", "16", "400", NULL};
    double native = timed(NULL, argv), traced = timed(db, argv);
    ck_assert_msg(traced < 2 * native, "traced %.3f s, native %.3f s", traced, native);
    sqlite3 *s = th_open(db);
    ck_assert_int_eq(th_meta(s, MT_META_COMPLETE), 1);
    ck_assert_int_eq(th_meta(s, MT_META_EXIT_STATUS), 42);
    size_t n;
    mt_alloc_event_t *ev = th_events(s, &n);
    uint64_t mark = 0, last = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == MT_EV_ALLOC && ev[i].size == 4242)
            mark = ev[i].ts;
        last = ev[i].ts > last ? ev[i].ts : last;
    }
    ck_assert_uint_ne(mark, 0);
    ck_assert_msg(last < mark + 50000000, "events %.3f s after the exit",
                  (double)(last - mark) / 1e9);
    free(ev);
    sqlite3_close(s);
}
END_TEST

/* Starts argv traced into db (natively if NULL) and waits for its "r" on
 * stdout: its pid. */
static pid_t start_ready(const char *db, char *const argv[])
{
    char preload[] = "LD_PRELOAD=" PRELOAD_LIB, output[4200];
    snprintf(output, sizeof output, "MEMTRACE_OUTPUT=%s", db ? db : "");
    char *env[] = {preload, output, NULL};
    int fd;
    pid_t pid = th_spawn(argv, db ? env : NULL, &fd);
    char c = 0;
    ck_assert_int_eq(read(fd, &c, 1), 1);
    ck_assert_int_eq(c, 'r');
    close(fd);
    return pid;
}

static int sleep_ms(long ms)
{
    struct timespec d = {ms / 1000, (ms % 1000) * 1000000};
    return nanosleep(&d, NULL);
}

/* SIGTERM left at its default action: the process dies of it as natively,
 * and its trace is complete (before, it ended wherever the last commit was). */
START_TEST(sigterm_default)
{
    char *dir = th_tempdir();
    char db[4096];
    snprintf(db, sizeof db, "%s/run.db", dir);
    char *argv[] = {FIXTURE("loadfix"), "busy", "4", NULL};
    pid_t pid = start_ready(db, argv);
    sleep_ms(300);
    kill(pid, SIGTERM);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %d", st);
    sqlite3 *s = th_open(db);
    ck_assert_int_eq(th_meta(s, MT_META_COMPLETE), 1);
    ck_assert(th_meta_is(s, MT_META_EXIT_KIND, "signal"));
    ck_assert_int_eq(th_meta(s, MT_META_EXIT_SIGNAL), SIGTERM);
    ck_assert_int_gt(th_int(s, "SELECT sum(count) FROM alloc_batches"), 0);
    sqlite3_close(s);
}
END_TEST

/* A program that handles SIGTERM itself sees its own handlers reported, as
 * natively (the tracer's was there before), and its handler runs. */
START_TEST(sigterm_handled)
{
    char *dir = th_tempdir();
    char db[4096];
    snprintf(db, sizeof db, "%s/run.db", dir);
    char *argv[] = {FIXTURE("loadfix"), "handler", NULL};
    for (int traced = 0; traced < 2; traced++) { /* natively, then traced */
        pid_t pid = start_ready(traced ? db : NULL, argv);
        sleep_ms(100);
        kill(pid, SIGTERM);
        int st;
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 7, "traced %d: status %d", traced, st);
    }
    sqlite3 *s = th_open(db);
    ck_assert_int_eq(th_meta(s, MT_META_COMPLETE), 1);
    ck_assert(th_meta_is(s, MT_META_EXIT_KIND, "exit"));
    ck_assert_int_eq(th_meta(s, MT_META_EXIT_STATUS), 7);
    sqlite3_close(s);
}
END_TEST

/* The traces in dir whose names start with prefix, each checked complete
 * with no -wal, -shm or -journal left beside it. */
static int all_complete(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int traces = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, prefix, strlen(prefix)))
            continue;
        ck_assert_msg(!strstr(e->d_name, "-wal") && !strstr(e->d_name, "-shm") &&
                          !strstr(e->d_name, "-journal"),
                      "%s left", e->d_name);
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        sqlite3 *s = th_open(path);
        ck_assert_msg(th_meta(s, MT_META_COMPLETE) == 1, "%s incomplete", e->d_name);
        sqlite3_close(s);
        traces++;
    }
    closedir(d);
    return traces;
}

/* multiprocessing's Pool ends its workers with SIGTERM: every process of
 * the tree leaves a complete trace (workers: 0-47 of their events before),
 * and no -wal or -shm beside them. */
START_TEST(sigterm_pool_workers)
{
    char *dir = th_tempdir();
    char db[4096];
    snprintf(db, sizeof db, "%s/t.db", dir);
    char *argv[] = {"/usr/bin/python3", "-c",
                    "from multiprocessing import Pool\n"
                    "def f(x): return sum(range(x * 100))\n"
                    "p = Pool(2)\n"
                    "assert len(p.map(f, range(200))) == 200\n"
                    "p.terminate()\n"
                    "p.join()\n",
                    NULL};
    int st = th_trace(db, argv, NULL, 0);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "python3: status %d", st);
    ck_assert_int_ge(all_complete(dir, "t.db"), 3); /* the parent and its two workers */
}
END_TEST

/* SIGKILL at random moments while 16 threads allocate flat out: each
 * database opens and holds the events up to less than 0.25 s before the
 * kill (the writer commits every 100 ms and never lags far behind). */
START_TEST(sigkill_loses_little)
{
    char *dir = th_tempdir();
    srand((unsigned)getpid());
    for (int k = 0; k < 10; k++) {
        char db[4096];
        snprintf(db, sizeof db, "%s/kill%d.db", dir, k);
        char *argv[] = {FIXTURE("loadfix"), "busy", "16", NULL};
        pid_t pid = start_ready(db, argv);
        sleep_ms(200 + rand() % 800);
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        kill(pid, SIGKILL);
        int64_t killed = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
        int st;
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        sqlite3 *s = th_open(db);
        /* none yet is right only for a kill right after the start */
        int64_t last = th_int(s, "SELECT coalesce(max(last_ns), 0) FROM alloc_batches");
        if (last == 0)
            last = th_meta(s, MT_META_START_NS);
        ck_assert_int_gt(last, 0);
        ck_assert_msg(killed - last < 250000000, "kill %d: the last %.3f s lost", k,
                      (double)(killed - last) / 1e9);
        sqlite3_close(s);
    }
}
END_TEST

/* Chromium headless prints the same DOM traced as natively (its zygote,
 * which must stay single-threaded, trapped on the writer thread before). */
START_TEST(chromium_dump_dom)
{
    char *dir = th_tempdir();
    char page[4200], url[4300], db[4200];
    snprintf(page, sizeof page, "%s/page.html", dir);
    FILE *f = fopen(page, "w");
    ck_assert_ptr_nonnull(f);
    fputs("<html><body><p id=x>memtrace</p>"
          "<script>document.getElementById('x').textContent += ' ran';</script></body></html>",
          f);
    fclose(f);
    snprintf(url, sizeof url, "file://%s", page);
    snprintf(db, sizeof db, "%s/c.db", dir);
    char *argv[] = {"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--dump-dom", url, NULL};
    static char native[1 << 16], traced[1 << 16];
    int st = th_run(argv, NULL, native, sizeof native);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "chromium natively: status %d", st);
    ck_assert_ptr_nonnull(strstr(native, "memtrace ran"));
    st = th_trace(db, argv, traced, sizeof traced);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "chromium traced: status %d", st);
    ck_assert_str_eq(traced, native);
    ck_assert_int_ge(all_complete(dir, "c.db"), 2);
}
END_TEST

/* A child made by a raw clone has no writer (no atfork handler ran): it
 * runs on untraced, about as fast as a fork()ed child runs traced, instead
 * of waiting on a backlog that nothing drains. */
START_TEST(raw_clone_child)
{
    char *dir = th_tempdir();
    char db[4096];
    snprintf(db, sizeof db, "%s/f.db", dir);
    char *forked[] = {FIXTURE("loadfix"), "fork", "300000", NULL};
    char *cloned[] = {FIXTURE("loadfix"), "clone", "300000", NULL};
    double t0 = now_s();
    int st = th_trace(db, forked, NULL, 0);
    double t_fork = now_s() - t0;
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    snprintf(db, sizeof db, "%s/c.db", dir);
    t0 = now_s();
    st = th_trace(db, cloned, NULL, 0);
    double t_clone = now_s() - t0;
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_msg(t_clone < 3 * t_fork + 0.5, "clone child %.3f s, fork child %.3f s", t_clone,
                  t_fork);
}
END_TEST

/* A fork-heavy shell script (command substitutions, background subshells):
 * every process leaves a complete trace and none leaves a -wal or -shm. */
START_TEST(fork_heavy_script)
{
    char *dir = th_tempdir();
    char db[4096];
    snprintf(db, sizeof db, "%s/b.db", dir);
    char *argv[] = {"/bin/bash", "-c",
                    "n=0; for i in $(seq 30); do x=$(echo $i); y=$(expr $i + 1); "
                    "n=$((n + ${#x} + y)); done; "
                    "for i in $(seq 10); do ( s=0; for j in 1 2 3; do s=$((s + j)); done; "
                    "echo $s > /dev/null ) & done; wait; echo $n",
                    NULL};
    static char out[256];
    int st = th_trace(db, argv, out, sizeof out);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "bash: status %d", st);
    ck_assert_str_eq(out, "546\n");
    ck_assert_int_ge(all_complete(dir, "b.db"), 40);
}
END_TEST

/* A forked child's cost under the tracer, as page faults (a fault costs
 * tens of microseconds in a virtual machine, and they are counted the same
 * however loaded the machine is): the parent has 8192 stacks, each of 40
 * children makes 64 of its own and exits, and writes its own complete
 * trace.  Natively 26 faults per child; traced 374-385 before its stack
 * table, trie and SQLite's memory stopped writing into pages it shares
 * with the parent and its database stopped running the schema, 279-285
 * since (with main's MTB2 encoder and 8,192-entry thread caches). */
START_TEST(fork_children_cheap)
{
    char *dir = th_tempdir();
    char db[4096];
    snprintf(db, sizeof db, "%s/k.db", dir);
    char *argv[] = {FIXTURE("loadfix"), "forks", "40", NULL};
    int st = th_run(argv, NULL, out, sizeof out);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "natively: status %d", st);
    long native = fact("child_minflt ");
    st = th_trace(db, argv, out, sizeof out);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "traced: status %d", st);
    long traced = fact("child_minflt ");
    ck_assert_msg(traced - native < 300, "page faults per child: %ld traced, %ld natively",
                  traced, native);
    ck_assert_int_eq(all_complete(dir, "k.db"), 41);
}
END_TEST

Suite *load_suite(void)
{
    Suite *s = suite_create("load");
    TCase *tc = tcase_create("load");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, memory_bounded);
    tcase_add_test(tc, exit_prompt);
    tcase_add_test(tc, sigterm_default);
    tcase_add_test(tc, sigterm_handled);
    tcase_add_test(tc, sigterm_pool_workers);
    tcase_add_test(tc, sigkill_loses_little);
    tcase_add_test(tc, chromium_dump_dom);
    tcase_add_test(tc, raw_clone_child);
    tcase_add_test(tc, fork_heavy_script);
    tcase_add_test(tc, fork_children_cheap);
    suite_add_tcase(s, tc);
    return s;
}
