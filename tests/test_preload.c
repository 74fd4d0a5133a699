/* Fixture programs run under LD_PRELOAD=libmemtrace.so; the database they
 * leave must hold exactly what they did. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers.h"
#include "format/kinds.h"
#include "format/schema.h"

static char out[4096];

static sqlite3 *trace(const char *dir, char *const argv[])
{
    char db[4096];
    snprintf(db, sizeof db, "%s/run.db", dir);
    int status = th_trace(db, argv, out, sizeof out);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s failed: status %d",
                  argv[0], status);
    return th_open(db);
}

START_TEST(alloc_1000_free_500)
{
    char *dir = th_tempdir();
    char *argv[] = {FIXTURE("alloc1000"), NULL};
    sqlite3 *db = trace(dir, argv);
    size_t n;
    mt_alloc_event_t *ev = th_events(db, &n);
    size_t allocs = 0, frees = 0;
    uint64_t stack = 0;
    int stacks = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind != MT_EV_ALLOC || ev[i].size != 1024)
            continue;
        allocs++;
        if (ev[i].stack != stack)
            stacks++;
        stack = ev[i].stack;
        for (size_t j = i + 1; j < n; j++)
            if (ev[j].addr == ev[i].addr) {
                frees += ev[j].kind == MT_EV_FREE;
                break;
            }
    }
    ck_assert_uint_eq(allocs, 1000);
    ck_assert_uint_eq(frees, 500);
    ck_assert_int_eq(stacks, 1);
    ck_assert(th_stack_has(db, (int64_t)stack, FIXTURE("alloc1000"), "fixture_alloc_kib"));
    ck_assert(!th_stack_has(db, (int64_t)stack, FIXTURE("alloc1000"), "fixture_free_half"));
    ck_assert(th_stack_has(db, (int64_t)stack, FIXTURE("alloc1000"), "main"));
    ck_assert_int_eq(th_meta(db, MT_META_COMPLETE), 1);
    ck_assert_int_eq(th_meta(db, MT_META_SCHEMA_VERSION),
                     MT_SCHEMA_VERSION);
    struct stat st;
    char path[4096];
    snprintf(path, sizeof path, "%s/run.db", dir);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    /* the same events through SQL, as a user of the sqlite3 shell sees them */
    sqlite3_enable_load_extension(db, 1);
    char *err = NULL;
    ck_assert_msg(sqlite3_load_extension(db, MT_BUILD_DIR "/memtrace-sqlite.so", NULL, &err) ==
                      SQLITE_OK, "%s", err ? err : "?");
    ck_assert_int_eq(th_int(db, "SELECT count(*) FROM alloc_events WHERE kind = 'alloc'"
                                " AND size = 1024 AND stack = %llu", (unsigned long long)stack),
                     1000);
    ck_assert_int_eq(th_int(db, "SELECT count(*) FROM alloc_events WHERE kind = 'free'"
                                " AND addr IN (SELECT addr FROM alloc_events WHERE size = 1024)"),
                     500);
    free(ev);
    sqlite3_close(db);
}
END_TEST

START_TEST(four_threads)
{
    char *dir = th_tempdir();
    char *argv[] = {FIXTURE("threads"), NULL};
    sqlite3 *db = trace(dir, argv);
    size_t n;
    mt_alloc_event_t *ev = th_events(db, &n);
    size_t allocs = 0;
    for (size_t i = 0; i < n; i++)
        allocs += ev[i].kind == MT_EV_ALLOC && ev[i].size == 777;
    ck_assert_uint_eq(allocs, 400000);
    /* the four workers did nothing but their 100,000 pairs each */
    int64_t pid = th_meta(db, MT_META_PID);
    ck_assert_int_eq(th_int(db, "SELECT count(DISTINCT tid) FROM alloc_batches WHERE tid != %lld",
                            (long long)pid),
                     4);
    ck_assert_int_eq(th_int(db, "SELECT sum(count) FROM alloc_batches WHERE tid != %lld",
                            (long long)pid),
                     800000);
    ck_assert_int_ge(th_int(db, "SELECT count(*) FROM threads"), 5);
    free(ev);
    sqlite3_close(db);
}
END_TEST

static size_t count_size(sqlite3 *db, uint64_t size)
{
    size_t n, c = 0;
    mt_alloc_event_t *ev = th_events(db, &n);
    for (size_t i = 0; i < n; i++)
        c += ev[i].kind == MT_EV_ALLOC && ev[i].size == size;
    free(ev);
    return c;
}

START_TEST(fork_exec_two_databases)
{
    char *dir = th_tempdir();
    char *argv[] = {FIXTURE("forkexec"), NULL};
    sqlite3 *db = trace(dir, argv);
    ck_assert_uint_eq(count_size(db, 5151), 5);
    ck_assert_uint_eq(count_size(db, 4242), 0);
    ck_assert_int_eq(th_meta(db, MT_META_COMPLETE), 1);
    sqlite3_close(db);
    ck_assert_int_eq(th_count_files(dir, "run.db"), 2);
    char child[4096] = "";
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ls %s | grep -v '^run.db$'", dir);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(fgets(child, sizeof child, p));
    pclose(p);
    child[strcspn(child, "\n")] = 0;
    char path[8400];
    snprintf(path, sizeof path, "%s/%s", dir, child);
    db = th_open(path);
    ck_assert_uint_eq(count_size(db, 4242), 3);
    ck_assert_uint_eq(count_size(db, 5151), 0);
    ck_assert_int_eq(th_meta(db, MT_META_COMPLETE), 1);
    sqlite3_close(db);
}
END_TEST

START_TEST(big_memcpy_one_event)
{
    char *dir = th_tempdir();
    char *argv[] = {FIXTURE("copies"), "big", NULL};
    sqlite3 *db = trace(dir, argv);
    unsigned long src, dst;
    ck_assert_int_eq(sscanf(out, "%lu %lu", &src, &dst), 2);
    ck_assert_int_eq(th_int(db, "SELECT count(*) FROM copies WHERE bytes >= 65536"), 1);
    ck_assert_int_eq(th_int(db, "SELECT count(*) FROM copies WHERE kind = 'memcpy' AND "
                                "src = %lu AND dst = %lu AND bytes = 10000000 AND pieces = 1",
                            src, dst),
                     1);
    ck_assert_int_ge(th_int(db, "SELECT end_ns - ts_ns FROM copies"), 1);
    int64_t stack = th_int(db, "SELECT stack FROM copies");
    ck_assert(th_stack_has(db, stack, FIXTURE("copies"), "fixture_big_copy"));
    sqlite3_close(db);
}
END_TEST

START_TEST(gather_100000_pieces)
{
    char *dir = th_tempdir();
    char *argv[] = {FIXTURE("copies"), "gather", NULL};
    sqlite3 *db = trace(dir, argv);
    unsigned long block;
    ck_assert_int_eq(sscanf(out, "%lu", &block), 1);
    ck_assert_int_eq(th_int(db, "SELECT count(*) FROM copies WHERE kind = 'gather'"), 1);
    ck_assert_int_eq(th_int(db, "SELECT pieces FROM copies WHERE kind = 'gather'"), 100000);
    ck_assert_int_eq(th_int(db, "SELECT bytes FROM copies WHERE kind = 'gather'"), 100000000);
    ck_assert_int_eq(th_int(db, "SELECT dst FROM copies WHERE kind = 'gather'"), (int64_t)block);
    int64_t stack = th_int(db, "SELECT stack FROM copies WHERE kind = 'gather'");
    ck_assert(th_stack_has(db, stack, FIXTURE("copies"), "fixture_gather"));
    /* the pieces are not counted again as small copies of their own */
    ck_assert_int_eq(th_int(db, "SELECT sum(count) FROM small_copies WHERE size_class = 9"),
                     100000);
    ck_assert_int_eq(th_int(db, "SELECT sum(bytes) FROM small_copies WHERE size_class = 9"),
                     100000000);
    sqlite3_close(db);
}
END_TEST

START_TEST(realloc_move_is_a_copy)
{
    char *dir = th_tempdir();
    char *argv[] = {FIXTURE("copies"), "realloc", NULL};
    sqlite3 *db = trace(dir, argv);
    unsigned long old, new, usable;
    ck_assert_int_eq(sscanf(out, "%lu %lu %lu", &old, &new, &usable), 3);
    ck_assert_int_eq(th_int(db, "SELECT count(*) FROM copies WHERE kind = 'realloc'"), 1);
    ck_assert_int_eq(th_int(db, "SELECT count(*) FROM copies WHERE kind = 'realloc' AND "
                                "src = %lu AND dst = %lu AND bytes = %lu",
                            old, new, usable),
                     1);
    size_t n;
    mt_alloc_event_t *ev = th_events(db, &n);
    int reallocs = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == MT_EV_REALLOC) {
            reallocs++;
            ck_assert_uint_eq(ev[i].old_addr, old);
            ck_assert_uint_eq(ev[i].addr, new);
            ck_assert_uint_eq(ev[i].size, 200 * 1024);
            ck_assert_int_eq(ev[i - 1].kind, MT_EV_FREE);
            ck_assert_uint_eq(ev[i - 1].addr, old);
        }
    ck_assert_int_eq(reallocs, 1);
    free(ev);
    sqlite3_close(db);
}
END_TEST

START_TEST(mmap_munmap_pair)
{
    char *dir = th_tempdir();
    char *argv[] = {FIXTURE("copies"), "mmap", NULL};
    sqlite3 *db = trace(dir, argv);
    unsigned long addr;
    ck_assert_int_eq(sscanf(out, "%lu", &addr), 1);
    ck_assert_int_eq(th_int(db, "SELECT count(*) FROM mappings WHERE kind = 'mmap' AND "
                                "addr = %lu AND size = 8388608 AND anon = 1",
                            addr),
                     1);
    ck_assert_int_eq(th_int(db, "SELECT count(*) FROM mappings WHERE kind = 'munmap' AND "
                                "addr = %lu AND size = 8388608",
                            addr),
                     1);
    int64_t stack = th_int(db, "SELECT stack FROM mappings WHERE kind = 'mmap' AND addr = %lu",
                           addr);
    ck_assert(th_stack_has(db, stack, FIXTURE("copies"), "fixture_mmap"));
    sqlite3_close(db);
}
END_TEST

START_TEST(sigkill_keeps_committed_events)
{
    char *dir = th_tempdir();
    char db[4096], env_out[4200];
    snprintf(db, sizeof db, "%s/run.db", dir);
    snprintf(env_out, sizeof env_out, "MEMTRACE_OUTPUT=%s", db);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        putenv("LD_PRELOAD=" PRELOAD_LIB);
        putenv(env_out);
        execl(FIXTURE("sleeper"), FIXTURE("sleeper"), (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[16] = "";
    ck_assert_int_gt(read(fds[0], buf, sizeof buf - 1), 0);
    ck_assert_str_eq(buf, "ready\n");
    usleep(600 * 1000); /* > 2 commit periods of 250 ms */
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    sqlite3 *d = th_open(db);
    ck_assert_uint_eq(count_size(d, 2048), 1000);
    ck_assert_int_eq(th_meta(d, MT_META_COMPLETE), -1);
    sqlite3_close(d);
}
END_TEST

START_TEST(existing_output_not_overwritten)
{
    char *dir = th_tempdir();
    char db[4096];
    snprintf(db, sizeof db, "%s/run.db", dir);
    FILE *f = fopen(db, "w");
    fputs("precious", f);
    fclose(f);
    char *argv[] = {FIXTURE("alloc1000"), NULL};
    int status = th_trace(db, argv, out, sizeof out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0); /* runs on, untraced */
    f = fopen(db, "r");
    char buf[16] = "";
    ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
    fclose(f);
    ck_assert_str_eq(buf, "precious");
}
END_TEST

static size_t read_all(const char *p, char *buf, size_t cap)
{
    FILE *f = fopen(p, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* The launcher's refused re-run runs untraced and must not write the new
 * run's exit into the old trace. */
START_TEST(refused_rerun_leaves_the_trace_as_it_was)
{
    char *dir = th_tempdir();
    char db[4096];
    snprintf(db, sizeof db, "%s/e.db", dir);
    char *first[] = {MT_BUILD_DIR "/memtrace", "run", "-o", db, "--", "/bin/sh", "-c", "exit 3",
                     NULL};
    int status = th_run(first, NULL, out, sizeof out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    static char before[1 << 20], after[1 << 20];
    size_t n = read_all(db, before, sizeof before);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_lt(n, sizeof before);
    char *again[] = {MT_BUILD_DIR "/memtrace", "run", "-o", db, "--", "/bin/true", NULL};
    status = th_run(again, NULL, out, sizeof out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_uint_eq(read_all(db, after, sizeof after), n);
    ck_assert(memcmp(before, after, n) == 0);
    sqlite3 *d = th_open(db);
    ck_assert_int_eq(th_meta(d, MT_META_EXIT_STATUS), 3);
    sqlite3_close(d);
}
END_TEST

START_TEST(bad_settings_run_untraced)
{
    char *dir = th_tempdir();
    char db[4096], env_out[4200];
    snprintf(db, sizeof db, "%s/run.db", dir);
    snprintf(env_out, sizeof env_out, "MEMTRACE_OUTPUT=%s", db);
    char *env[] = {"LD_PRELOAD=" PRELOAD_LIB, env_out, "MEMTRACE_COPY_MIN=lots", NULL};
    char *argv[] = {FIXTURE("alloc1000"), NULL};
    int status = th_run(argv, env, out, sizeof out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(access(db, F_OK), -1);
    char *env2[] = {"LD_PRELOAD=" PRELOAD_LIB, "MEMTRACE_OUTPUT=/nonexistent/dir/run.db", NULL};
    status = th_run(argv, env2, out, sizeof out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *env3[] = {"LD_PRELOAD=" PRELOAD_LIB, env_out, "MEMTRACE_UNWIND=guess", NULL};
    status = th_run(argv, env3, out, sizeof out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(access(db, F_OK), -1);
}
END_TEST

/* The launcher's options are the settings' list: each becomes its
 * variable, checked as the tracer checks it. */
START_TEST(launcher_options_become_settings)
{
    char *dir = th_tempdir();
    char db[4096];
    snprintf(db, sizeof db, "%s/run.db", dir);
    char *ok[] = {MT_BUILD_DIR "/memtrace", "run", "-o", db, "--copy-min", "1K", "--gather-min",
                  "2M", "--depth", "9", "--unwind", "libunwind", "--", FIXTURE("alloc1000"), NULL};
    int status = th_run(ok, NULL, out, sizeof out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    sqlite3 *d = th_open(db);
    ck_assert_int_eq(th_meta(d, MT_META_COPY_MIN), 1024);
    ck_assert_int_eq(th_meta(d, MT_META_GATHER_MIN), 2 << 20);
    ck_assert_int_eq(th_meta(d, MT_META_MAX_DEPTH), 9);
    ck_assert(th_meta_is(d, MT_META_UNWIND, mt_kind_name(MT_KINDS_UNWIND, MT_UNWIND_LIBUNWIND)));
    ck_assert_int_eq(th_meta(d, MT_META_EXIT_STATUS), 0);
    sqlite3_close(d);
    /* what the tracer would refuse, the launcher refuses before running */
    const char *bad[][2] = {{"--depth", "0"}, {"--depth", "257"}, {"--copy-min", "lots"},
                            {"--unwind", "guess"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(db, sizeof db, "%s/bad%zu.db", dir, i);
        char *argv[] = {MT_BUILD_DIR "/memtrace", "run", "-o", db, (char *)bad[i][0],
                        (char *)bad[i][1], "--", FIXTURE("alloc1000"), NULL};
        status = th_run(argv, NULL, out, sizeof out);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 2, "%s %s", bad[i][0],
                      bad[i][1]);
        ck_assert_str_eq(out, ""); /* the program never ran */
        ck_assert_int_eq(access(db, F_OK), -1);
    }
}
END_TEST

START_TEST(exit_from_another_thread)
{
    char *dir = th_tempdir(), db[4096];
    snprintf(db, sizeof db, "%s/run.db", dir);
    char *argv[] = {FIXTURE("lifecycle"), "exit-thread", NULL};
    int status = th_trace(db, argv, NULL, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 5);
    sqlite3 *d = th_open(db);
    ck_assert_uint_eq(count_size(d, 3333), 7);
    ck_assert_int_eq(th_meta(d, MT_META_COMPLETE), 1);
    ck_assert_int_eq(th_meta(d, MT_META_EXIT_STATUS), 5);
    sqlite3_close(d);
}
END_TEST

START_TEST(allocations_in_signal_handlers)
{
    char *dir = th_tempdir();
    char *argv[] = {FIXTURE("lifecycle"), "signal", NULL};
    sqlite3 *db = trace(dir, argv);
    size_t n;
    mt_alloc_event_t *ev = th_events(db, &n);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == MT_EV_ALLOC && ev[i].size == 4444) {
            found++;
            ck_assert(th_stack_has(db, (int64_t)ev[i].stack, FIXTURE("lifecycle"),
                                   "fixture_handler"));
        }
    ck_assert_int_eq(found, 10);
    free(ev);
    sqlite3_close(db);
}
END_TEST

/* 1 if some allocation's stack has a frame inside the module whose path
 * matches like; *node gets that stack. */
static int allocs_in_module(sqlite3 *db, const char *like, int64_t *node)
{
    int64_t start = th_int(db, "SELECT start FROM modules WHERE path LIKE '%s'", like);
    int64_t end = th_int(db, "SELECT end FROM modules WHERE path LIKE '%s'", like);
    ck_assert_msg(start > 0, "no module like %s", like);
    size_t n;
    mt_alloc_event_t *ev = th_events(db, &n);
    int found = 0;
    for (size_t i = 0; i < n && !found; i++) {
        if (ev[i].kind != MT_EV_ALLOC)
            continue;
        for (int64_t id = (int64_t)ev[i].stack; id > 0 && !found;
             id = th_int(db, "SELECT parent FROM stack_nodes WHERE id = %lld", (long long)id)) {
            int64_t ip = th_int(db, "SELECT ip FROM stack_nodes WHERE id = %lld", (long long)id);
            if (ip >= start && ip < end) {
                found = 1;
                *node = (int64_t)ev[i].stack;
            }
        }
    }
    free(ev);
    return found;
}

START_TEST(dlopened_module_is_mapped)
{
    char *dir = th_tempdir();
    char *argv[] = {FIXTURE("lifecycle"), "dlopen", NULL};
    sqlite3 *db = trace(dir, argv);
    int64_t node;
    ck_assert(allocs_in_module(db, "%libz.so.1%", &node)); /* zlib's allocations */
    sqlite3_close(db);
}
END_TEST

/* zlib is unloaded right after it allocated, before the writer would have
 * looked; zstd is loaded next, maybe where zlib was. */
START_TEST(dlclosed_module_stays_in_the_map)
{
    char *dir = th_tempdir();
    char *argv[] = {FIXTURE("lifecycle"), "dlclose", NULL};
    sqlite3 *db = trace(dir, argv);
    int64_t node;
    ck_assert(allocs_in_module(db, "%libz.so.1%", &node));
    ck_assert(allocs_in_module(db, "%libzstd.so.1%", &node));
    ck_assert(th_stack_has(db, node, FIXTURE("lifecycle"), "main"));
    ck_assert_int_eq(th_meta(db, MT_META_UNWIND_SLOW), 0);
    sqlite3_close(db);
}
END_TEST

START_TEST(more_threads_than_a_thousand)
{
    char *dir = th_tempdir();
    char *argv[] = {FIXTURE("manythreads"), NULL};
    sqlite3 *db = trace(dir, argv);
    ck_assert_uint_eq(count_size(db, 555), 1100);
    ck_assert_int_ge(th_int(db, "SELECT count(*) FROM threads"), 1101);
    sqlite3_close(db);
}
END_TEST

START_TEST(closing_all_descriptors_spares_the_trace)
{
    char *dir = th_tempdir(), file[4200];
    snprintf(file, sizeof file, "%s/own.txt", dir);
    char *argv[] = {FIXTURE("closefds"), "close", file, NULL};
    sqlite3 *db = trace(dir, argv); /* exit 0: the program's file is intact */
    ck_assert_uint_eq(count_size(db, 1111), 100);
    ck_assert_uint_eq(count_size(db, 2222), 100);
    ck_assert_uint_eq(count_size(db, 3333), 100);
    ck_assert_int_eq(th_meta(db, MT_META_COMPLETE), 1);
    sqlite3_close(db);
}
END_TEST

START_TEST(dup2_over_the_trace_ends_it_cleanly)
{
    char *dir = th_tempdir(), file[4200];
    snprintf(file, sizeof file, "%s/own.txt", dir);
    char *argv[] = {FIXTURE("closefds"), "dup2", file, NULL};
    sqlite3 *db = trace(dir, argv);
    ck_assert_uint_eq(count_size(db, 1111), 100);
    ck_assert_uint_eq(count_size(db, 2222), 0); /* after the end */
    ck_assert_int_eq(th_meta(db, MT_META_COMPLETE), 1);
    ck_assert(th_meta_is(db, MT_META_EXIT_KIND, mt_kind_name(MT_KINDS_EXIT, MT_EXIT_STOPPED)));
    sqlite3_close(db);
}
END_TEST

Suite *preload_suite(void)
{
    Suite *s = suite_create("preload");
    TCase *t = tcase_create("fixtures");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, alloc_1000_free_500);
    tcase_add_test(t, four_threads);
    tcase_add_test(t, fork_exec_two_databases);
    tcase_add_test(t, big_memcpy_one_event);
    tcase_add_test(t, gather_100000_pieces);
    tcase_add_test(t, realloc_move_is_a_copy);
    tcase_add_test(t, mmap_munmap_pair);
    tcase_add_test(t, sigkill_keeps_committed_events);
    tcase_add_test(t, existing_output_not_overwritten);
    tcase_add_test(t, refused_rerun_leaves_the_trace_as_it_was);
    tcase_add_test(t, bad_settings_run_untraced);
    tcase_add_test(t, exit_from_another_thread);
    tcase_add_test(t, allocations_in_signal_handlers);
    tcase_add_test(t, dlopened_module_is_mapped);
    tcase_add_test(t, dlclosed_module_stays_in_the_map);
    tcase_add_test(t, more_threads_than_a_thousand);
    tcase_add_test(t, closing_all_descriptors_spares_the_trace);
    tcase_add_test(t, dup2_over_the_trace_ends_it_cleanly);
    tcase_add_test(t, launcher_options_become_settings);
    suite_add_tcase(s, t);
    return s;
}
