/* Process trees: which children `--follow all|exec|none` (MEMTRACE_FOLLOW)
 * traces, the tree table the launcher writes into the top database, its
 * closing lines, the report's line about children, and `memtrace-report
 * tree` on a fixture tree (tests/fixtures/forktree.c), a multiprocessing
 * Pool of 4 and pyenv's shim.  Exact facts: counts of databases and rows,
 * parent links, commands. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyzer/model/tree.h"
#include "tests/helpers.h"

#define MEMTRACE MT_BUILD_DIR "/memtrace"
#define REPORT MT_BUILD_DIR "/memtrace-report"
#define FORKTREE FIXTURE("forktree")
#define DEBIAN_PYTHON "/usr/bin/python3"

static char out[1 << 17], err[1 << 16];

static void slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
}

/* Runs argv with env ("K=V", NULL-terminated, may be NULL) added; stdout
 * and stderr land in out and err.  The exit status, -1 when it did not exit. */
static int run_env(char *const argv[], char *const env[])
{
    char *dir = th_tempdir(), o[64], e[64];
    snprintf(o, sizeof o, "%s/out", dir);
    snprintf(e, sizeof e, "%s/err", dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fo = open(o, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(e, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fo, 1);
        dup2(fe, 2);
        for (int i = 0; env && env[i]; i++)
            putenv(env[i]);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    slurp(o, out, sizeof out);
    slurp(e, err, sizeof err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run(char *const argv[]) { return run_env(argv, NULL); }

#define HAS(buf, s) ck_assert_msg(strstr(buf, s) != NULL, "no \"%s\" in: %s", s, buf)

/* forktree under the launcher with --follow mode into dir/run.db. */
static void trace_forktree(const char *dir, const char *mode, char *db, size_t cap)
{
    snprintf(db, cap, "%s/run.db", dir);
    char *argv[] = {MEMTRACE, "run", "--follow", (char *)mode, "-o", db, "--", FORKTREE, NULL};
    ck_assert_int_eq(run(argv), 0);
}

/* The model of db's tree, built as memtrace-report tree builds it. */
static void build(const char *db, mtr_tree_t *t)
{
    mtr_options_t o;
    mtr_options_default(&o);
    char e[2048];
    ck_assert_msg(mtr_tree_build(db, &o, t, e, sizeof e) == 0, "%s", e);
}

/* The first process of t whose command ends with suffix; -1 if none. */
static int find_command(const mtr_tree_t *t, const char *suffix)
{
    for (size_t i = 0; i < t->n; i++) {
        const char *c = t->p[i].command;
        size_t n = c ? strlen(c) : 0, k = strlen(suffix);
        if (n >= k && !strcmp(c + n - k, suffix))
            return (int)i;
    }
    return -1;
}

/* 12345 as "12,345", as the launcher writes counts. */
static void thousands(long long n, char *buf, size_t cap)
{
    char d[32];
    int len = snprintf(d, sizeof d, "%lld", n), k = 0;
    for (int i = 0; i < len && (size_t)k + 2 < cap; i++) {
        if (i && (len - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = d[i];
    }
    buf[k] = 0;
}

/* ---- the launcher ---- */

START_TEST(follow_all_records_the_whole_tree)
{
    char *dir = th_tempdir(), db[256];
    trace_forktree(dir, "all", db, sizeof db);
    /* root, A, A1 and B (each of the last two forked, then exec'd) and
     * their leaves */
    ck_assert_int_eq(th_count_files(dir, "run.db"), 6);
    sqlite3 *d = th_open(db);
    int64_t root = th_meta(d, MT_META_PID);
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree"), 6);
    ck_assert_int_eq(th_int(d, "SELECT pid FROM tree WHERE id = 1 AND parent = 0 AND db = 'run.db'"),
                     root);
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree WHERE command = '%s'", FORKTREE), 4);
    /* A and B: forked by the root */
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree WHERE parent = 1 AND ppid = %lld",
                            (long long)root),
                     2);
    /* A1: forked by A, whose parent is the root */
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree c JOIN tree p ON c.parent = p.id"
                               " WHERE p.parent = 1 AND c.ppid = p.pid AND c.pid != p.pid"),
                     1);
    /* the leaves: each its forked image's pid, exec'd from that image,
     * which ended by exec; one under B (the root's), one under A1 (A's) */
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree c JOIN tree p ON c.parent = p.id"
                               " WHERE c.command = '%s leaf' AND c.pid = p.pid"
                               " AND p.exit_kind = 'exec' AND c.exit_kind = 'exit'",
                            FORKTREE),
                     2);
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree c JOIN tree p ON c.parent = p.id"
                               " WHERE c.command = '%s leaf' AND p.parent = 1",
                            FORKTREE),
                     1);
    /* every database's name is in the table, beside the top one */
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree WHERE db LIKE 'run.db.%%'"), 5);
    int64_t n = th_int(d, "SELECT (SELECT sum(count) FROM alloc_batches) + "
                          "(SELECT count(*) FROM copies) + (SELECT count(*) FROM mappings)");
    sqlite3_close(d);

    /* the closing lines: the program's trace, then the children */
    struct stat st;
    ck_assert_int_eq(stat(db, &st), 0);
    char line[2048], num[32];
    thousands(n, num, sizeof num);
    snprintf(line, sizeof line,
             "memtrace: wrote %s (%s events, %.1f KiB)\n"
             "memtrace: 5 more traces, of child processes and exec'd programs: %s.*"
             " (memtrace-report tree %s)\n",
             db, num, (double)st.st_size / 1024, db, db);
    ck_assert_str_eq(err, line);
    char *quiet[] = {MEMTRACE, "run", "-q", "-f", "-o", db, "--", FORKTREE, NULL};
    ck_assert_int_eq(run(quiet), 0);
    ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(follow_exec_skips_bare_forks)
{
    char *dir = th_tempdir(), db[256];
    trace_forktree(dir, "exec", db, sizeof db);
    /* A, and A1's and B's images before their exec, leave no database */
    ck_assert_int_eq(th_count_files(dir, "run.db"), 3);
    sqlite3 *d = th_open(db);
    int64_t root = th_meta(d, MT_META_PID);
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree"), 3);
    /* the leaves' forked images left no trace: both hang from the root */
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree WHERE parent = 1"
                               " AND command = '%s leaf' AND pid != %lld",
                            FORKTREE, (long long)root),
                     2);
    /* A1's leaf: its parent A was never traced, so only its traced
     * ancestor (meta traced_parent) ties it to the run */
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree WHERE ppid NOT IN (SELECT pid FROM tree)"
                               " AND id > 1"),
                     1);
    ck_assert(th_meta_is(d, MT_META_FOLLOW, "exec"));
    sqlite3_close(d);
}
END_TEST

START_TEST(follow_none_writes_one_database)
{
    char *dir = th_tempdir(), db[256];
    trace_forktree(dir, "none", db, sizeof db);
    ck_assert_int_eq(th_count_files(dir, "run.db"), 1);
    sqlite3 *d = th_open(db);
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree"), 1);
    sqlite3_close(d);
    ck_assert_ptr_null(strstr(err, "more trace")); /* no line about children */

    /* the variable alone, as a program preloaded by hand reads it */
    char *dir2 = th_tempdir(), db2[256], env_out[300];
    snprintf(db2, sizeof db2, "%s/run.db", dir2);
    snprintf(env_out, sizeof env_out, "MEMTRACE_OUTPUT=%s", db2);
    char *env[] = {"LD_PRELOAD=" PRELOAD_LIB, env_out, "MEMTRACE_FOLLOW=none", NULL};
    char *argv[] = {FORKTREE, NULL};
    ck_assert_int_eq(run_env(argv, env), 0);
    ck_assert_int_eq(th_count_files(dir2, "run.db"), 1);
    char *bad[] = {MEMTRACE, "run", "--follow", "some", "-o", db2, "--", FORKTREE, NULL};
    ck_assert_int_eq(run(bad), 2);
    ck_assert_str_eq(err, "memtrace: --follow some: not all, exec or none\n");
}
END_TEST

/* A child forked just before its parent exec'd, whose database opened only
 * after the parent's next image started: it hangs from the image that
 * forked it (meta fork_realtime_ns), not from the one running when its
 * trace began. */
START_TEST(fork_hangs_from_the_image_that_forked_it)
{
    char *dir = th_tempdir(), db[256];
    snprintf(db, sizeof db, "%s/run.db", dir);
    char *argv[] = {MEMTRACE, "run", "-q", "-o", db, "--", FORKTREE, "racefork", NULL};
    ck_assert_int_eq(run(argv), 0);
    ck_assert_int_eq(th_count_files(dir, "run.db"), 3);
    sqlite3 *d = th_open(db);
    /* row 1 forked C and exec'd racefork2; C started after racefork2 */
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree c, tree p WHERE c.pid = p.pid"
                               " AND c.parent = 1 AND p.id = 1 AND c.command LIKE '%% racefork2 %%'"),
                     1);
    /* C: forked by row 1, whose pid is now racefork2's (C's trace begins
     * at its fork, and names the image it was forked from) */
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree c, tree e WHERE c.parent = 1"
                               " AND c.pid != e.pid AND e.parent = 1 AND e.pid = c.ppid"
                               " AND c.start_realtime_ns < e.start_realtime_ns"),
                     1);
    sqlite3_close(d);
}
END_TEST

/* With %p in the name every process's trace is named by its pid (and ".N"
 * for the images one pid exec'd): the glob the closing line gives covers
 * every one of them. */
/* --follow exec: C, forked by the first image and untraced, execs a leaf
 * after its parent's second image started; the leaf hangs from the first */
START_TEST(exec_hangs_from_the_image_its_line_forked_from)
{
    char *dir = th_tempdir(), db[256];
    snprintf(db, sizeof db, "%s/run.db", dir);
    char *argv[] = {MEMTRACE, "run", "-q", "--follow", "exec", "-o", db, "--", FORKTREE,
                    "racefork", "exec", NULL};
    ck_assert_int_eq(run(argv), 0);
    ck_assert_int_eq(th_count_files(dir, "run.db"), 3);
    sqlite3 *d = th_open(db);
    ck_assert_int_eq(th_int(d, "SELECT count(*) FROM tree l, tree s WHERE l.command LIKE '%% leaf'"
                               " AND s.command LIKE '%% racefork2 %%'"
                               " AND l.start_realtime_ns > s.start_realtime_ns"
                               " AND l.parent = 1 AND l.ppid = s.pid"),
                     1);
    sqlite3_close(d);
}
END_TEST

START_TEST(summary_glob_covers_pid_names)
{
    char *dir = th_tempdir(), tmpl[256], line[1024];
    snprintf(tmpl, sizeof tmpl, "%s/run.%%p.db", dir);
    char *argv[] = {MEMTRACE, "run", "-o", tmpl, "--", FORKTREE, NULL};
    ck_assert_int_eq(run(argv), 0);
    snprintf(line, sizeof line,
             "memtrace: 5 more traces, of child processes and exec'd programs: %s/run.*.db*"
             " (memtrace-report tree %s/run.",
             dir, dir);
    HAS(err, line);
    char glob[300];
    snprintf(glob, sizeof glob, "%s/run.*.db*", dir);
    int matched = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.')
            continue;
        ck_assert_msg(fnmatch(glob, path, 0) == 0, "%s is not matched by %s", path, glob);
        matched++;
    }
    if (d)
        closedir(d);
    ck_assert_int_eq(matched, 6);
}
END_TEST

/* ---- memtrace-report ---- */

START_TEST(help_lists_follow_and_tree)
{
    char *launcher[] = {MEMTRACE, "--help", NULL};
    ck_assert_int_eq(run(launcher), 0);
    HAS(out, "  --follow MODE ");
    HAS(out, "(default: all; MEMTRACE_FOLLOW)\n");
    char *top[] = {REPORT, "--help", NULL};
    run(top);
    HAS(out, "|tree]");
    char *tree[] = {REPORT, "tree", "--help", NULL};
    ck_assert_int_eq(run(tree), 0);
    ck_assert_str_eq(err, "");
    HAS(out, "usage: memtrace-report tree RUN.db [OPTIONS]\n");
    HAS(out, "  --json ");
    HAS(out, "  --stall-ms MS ");
    ck_assert_ptr_null(strstr(out, "--region")); /* a region is one process's */
    ck_assert_ptr_null(strstr(out, "--top"));
}
END_TEST

START_TEST(report_says_a_trace_has_children)
{
    char *dir = th_tempdir(), db[256], line[512];
    trace_forktree(dir, "all", db, sizeof db);
    char *argv[] = {REPORT, db, NULL};
    ck_assert_int_eq(run(argv), 0);
    snprintf(line, sizeof line,
             "\nchildren:  5 more traces of child processes and exec'd programs"
             " (memtrace-report tree %s)\n",
             db);
    HAS(out, line);
    char *json[] = {REPORT, db, "--json", NULL};
    ck_assert_int_eq(run(json), 0);
    HAS(out, "\"children\":5,");
    /* a child's own trace has none */
    sqlite3 *d = th_open(db);
    char child[512];
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_prepare_v2(d, "SELECT db FROM tree WHERE id = 2", -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    snprintf(child, sizeof child, "%s/%s", dir, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(d);
    char *c[] = {REPORT, child, NULL};
    ck_assert_int_eq(run(c), 0);
    ck_assert_ptr_null(strstr(out, "children:"));
    /* and its tree is itself alone */
    mtr_tree_t t;
    build(child, &t);
    ck_assert_int_eq(t.n, 1);
    ck_assert(!t.recorded);
    mtr_tree_free(&t);
    char *ct[] = {REPORT, "tree", child, NULL};
    ck_assert_int_eq(run(ct), 0);
    HAS(out, "PROCESS TREE  1 process (");
    HAS(out, "(no tree recorded in this trace");
}
END_TEST

START_TEST(tree_summarizes_every_process)
{
    char *dir = th_tempdir(), db[256];
    trace_forktree(dir, "all", db, sizeof db);
    mtr_tree_t t;
    build(db, &t);
    ck_assert_int_eq(t.n, 6);
    ck_assert(t.recorded);
    ck_assert_int_eq(t.p[0].parent, 0);
    int leaf = find_command(&t, " leaf");
    ck_assert_int_ge(leaf, 1);
    const mtr_proc_t *l = &t.p[leaf], *b = &t.p[l->parent - 1];
    ck_assert(l->exec);
    ck_assert_int_eq(l->pid, b->pid);
    ck_assert(!b->exec);
    ck_assert_str_eq(b->exit_kind, "exec");
    ck_assert_int_eq(l->depth, b->depth); /* one process, two images */
    /* the program is the root: it never exec'd */
    ck_assert_int_eq(t.program, 0);
    uint64_t peaks = 0, copies = 0;
    int64_t extra = 0;
    size_t forks = 0, deepest = 0;
    for (size_t i = 0; i < t.n; i++) {
        peaks += t.p[i].peak_bytes;
        copies += t.p[i].copies;
        extra += t.p[i].extra_copies;
        forks += i && !t.p[i].exec;
        if (t.p[i].depth == 2) /* A1 under A, and its leaf */
            deepest++;
        if (i && !t.p[i].exec) /* a fork's parent is the process its ppid names */
            ck_assert_int_eq(t.p[t.p[i].parent - 1].pid, t.p[i].ppid);
    }
    ck_assert_int_eq(forks, 3);
    ck_assert_int_eq(deepest, 2);
    ck_assert_uint_eq(t.totals.peak_bytes, peaks);
    ck_assert_uint_eq(t.totals.copies, copies);
    ck_assert_int_eq(t.totals.extra_copies, extra);
    /* each fixture process's blocks are in its own peak: leaf's 3 x 7373 */
    ck_assert_uint_ge(l->peak_bytes, 3 * 7373);
    mtr_tree_free(&t);

    char *argv[] = {REPORT, "tree", db, NULL};
    ck_assert_int_eq(run(argv), 0);
    HAS(out, "PROCESS TREE  6 processes (");
    HAS(out, "\n* the program: pid ");
    char *json[] = {REPORT, "tree", db, "--json", NULL};
    ck_assert_int_eq(run(json), 0);
    HAS(out, "\"program\":0,\"processes\":[{");
    HAS(out, "\"via\":\"exec\"");
}
END_TEST

START_TEST(tree_refuses_bad_input)
{
    char *dir = th_tempdir(), db[256], path[512], line[1024];
    snprintf(path, sizeof path, "%s/notatrace", dir);
    FILE *f = fopen(path, "w");
    fputs("not a database\n", f);
    fclose(f);
    char *bad[] = {REPORT, "tree", path, NULL};
    ck_assert_int_eq(run(bad), 2);
    snprintf(line, sizeof line, "memtrace-report: %s: not an SQLite database\n", path);
    ck_assert_str_eq(err, line);
    ck_assert_str_eq(out, "");

    /* a child's database removed: one line naming it */
    trace_forktree(dir, "all", db, sizeof db);
    sqlite3 *d = th_open(db);
    sqlite3_stmt *st;
    ck_assert_int_eq(
        sqlite3_prepare_v2(d, "SELECT db, pid FROM tree WHERE id = 3", -1, &st, NULL),
        SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    char child[512];
    snprintf(child, sizeof child, "%s/%s", dir, (const char *)sqlite3_column_text(st, 0));
    long long pid = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(d);
    ck_assert_int_eq(unlink(child), 0);
    char *missing[] = {REPORT, "tree", db, NULL};
    ck_assert_int_eq(run(missing), 2);
    snprintf(line, sizeof line,
             "memtrace-report: %s: No such file or directory (pid %lld of %s's process tree)\n",
             child, pid, db);
    ck_assert_str_eq(err, line);
    ck_assert_str_eq(out, "");
}
END_TEST

/* A shell that execs the program, as pyenv's shim ends: the tree and the
 * closing lines point at the program's image, not the shell's. */
START_TEST(tree_follows_a_shim_to_the_program)
{
    char *dir = th_tempdir(), db[256], exec_cmd[512], line[4096];
    snprintf(db, sizeof db, "%s/run.db", dir);
    snprintf(exec_cmd, sizeof exec_cmd, "exec %s", FORKTREE);
    char *argv[] = {MEMTRACE, "run", "-o", db, "--", "/bin/sh", "-c", exec_cmd, NULL};
    ck_assert_int_eq(run(argv), 0);
    /* sh, forktree (the same pid) and its 5 children's traces */
    ck_assert_int_eq(th_count_files(dir, "run.db"), 7);
    mtr_tree_t t;
    build(db, &t);
    ck_assert_int_eq(t.n, 7);
    ck_assert_int_eq(t.program, 1);
    const mtr_proc_t *prog = &t.p[1];
    ck_assert(prog->exec);
    ck_assert_int_eq(prog->pid, t.p[0].pid);
    ck_assert_str_eq(prog->command, FORKTREE);
    ck_assert_str_eq(t.p[0].exit_kind, "exec");
    ck_assert_int_eq(prog->exit_status, 0);
    char progdb[300];
    snprintf(progdb, sizeof progdb, "run.db.%lld", (long long)prog->pid);
    ck_assert_str_eq(prog->db, progdb);
    /* the forktree's children hang from its image, not from the shell's */
    for (size_t i = 2; i < t.n; i++)
        ck_assert_int_ne(t.p[i].parent, 1);
    mtr_tree_free(&t);
    /* the closing lines end with the program's trace */
    snprintf(line, sizeof line,
             " (memtrace-report tree %s)\n"
             "memtrace: the program exec'd into %s, traced in %s/%s\n",
             db, FORKTREE, dir, progdb);
    HAS(err, "memtrace: 6 more traces, of child processes and exec'd programs: ");
    size_t n = strlen(err), k = strlen(line);
    ck_assert_msg(n >= k && !strcmp(err + n - k, line), "%s does not end with %s", err, line);

    /* --follow none: the shell and the program it exec'd, nothing else */
    char *dir2 = th_tempdir(), db2[256];
    snprintf(db2, sizeof db2, "%s/run.db", dir2);
    char *none[] = {MEMTRACE, "run", "-q", "--follow", "none", "-o", db2, "--", "/bin/sh", "-c",
                    exec_cmd, NULL};
    ck_assert_int_eq(run(none), 0);
    ck_assert_int_eq(th_count_files(dir2, "run.db"), 2);
}
END_TEST

/* ---- Python ---- */

static void write_script(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(tree_of_a_pool_of_four)
{
    if (access(DEBIAN_PYTHON, X_OK) != 0) {
        fprintf(stderr, "tree: skipped the Pool test: no %s\n", DEBIAN_PYTHON);
        return;
    }
    char *dir = th_tempdir(), db[256], script[256], cmd[512];
    snprintf(script, sizeof script, "%s/pool.py", dir);
    /* every worker waits for the others before any works, so each has run
     * (and allocated) however the machine schedules them; close and join
     * let them exit rather than be terminated */
    write_script(script, "import multiprocessing as mp\n"
                         "def ready(barrier):\n"
                         "    barrier.wait(60)\n"
                         "def work(n):\n"
                         "    return len(bytearray(n * 4096))\n"
                         "if __name__ == '__main__':\n"
                         "    barrier = mp.Barrier(4)\n"
                         "    pool = mp.Pool(4, initializer=ready, initargs=(barrier,))\n"
                         "    print(sum(pool.map(work, range(32))))\n"
                         "    pool.close()\n"
                         "    pool.join()\n");
    snprintf(db, sizeof db, "%s/pool.db", dir);
    char *argv[] = {MEMTRACE, "run", "-q", "-o", db, "--", DEBIAN_PYTHON, script, NULL};
    ck_assert_int_eq(run(argv), 0);
    /* Debian's 3.11 starts a Pool's workers by fork: no resource tracker
     * (a fork context's semaphores are unlinked at once), no fork server,
     * so the parent and its 4 workers */
    ck_assert_int_eq(th_count_files(dir, "pool.db"), 5);
    mtr_tree_t t;
    build(db, &t);
    ck_assert_int_eq(t.n, 5);
    snprintf(cmd, sizeof cmd, "%s %s", DEBIAN_PYTHON, script);
    for (size_t i = 0; i < t.n; i++) {
        ck_assert_str_eq(t.p[i].command, cmd);
        if (!i)
            continue;
        ck_assert_int_eq(t.p[i].parent, 1);
        ck_assert(!t.p[i].exec);
        ck_assert_int_eq(t.p[i].ppid, t.p[0].pid);
        ck_assert_int_eq(t.p[i].depth, 1);
        ck_assert_str_eq(t.p[i].exit_kind, "_exit"); /* multiprocessing's os._exit */
        ck_assert_int_eq(t.p[i].exit_status, 0);
    }
    ck_assert_int_eq(t.program, 0);
    mtr_tree_free(&t);
}
END_TEST

START_TEST(tree_of_pyenvs_shim_points_at_python)
{
    const char *home = getenv("HOME");
    char shims[512], shim[600];
    snprintf(shims, sizeof shims, "%s/.pyenv/shims", home ? home : "/root");
    snprintf(shim, sizeof shim, "%s/python3", shims);
    if (access(shim, X_OK) != 0) {
        fprintf(stderr, "tree: skipped the pyenv shim test: no %s\n", shim);
        return;
    }
    char *dir = th_tempdir(), db[256], script[256], path[1200];
    snprintf(script, sizeof script, "%s/big.py", dir);
    write_script(script, "x = bytearray(16 << 20)\nprint(len(x))\n");
    snprintf(db, sizeof db, "%s/shim.db", dir);
    snprintf(path, sizeof path, "PATH=%s:/usr/local/bin:/usr/bin:/bin", shims);
    char *env[] = {path, NULL};
    /* "python3" as a user types it: the launcher finds the shim on PATH */
    char *argv[] = {MEMTRACE, "run", "-q", "-o", db, "--", "python3", script, NULL};
    ck_assert_int_eq(run_env(argv, env), 0);
    mtr_tree_t t;
    build(db, &t);
    /* every database of the run is in the tree, and only those */
    ck_assert_int_eq(t.n, (size_t)th_count_files(dir, "shim.db"));
    ck_assert_int_gt(t.n, 2);
    HAS(t.p[0].command, "/.pyenv/shims/python3 ");
    /* the program: the launched pid's last image, the real interpreter the
     * shim's bash exec'd, and the one that allocated the 16 MiB */
    const mtr_proc_t *prog = &t.p[t.program];
    ck_assert_int_gt(t.program, 0);
    ck_assert(prog->exec);
    ck_assert_int_eq(prog->pid, t.p[0].pid);
    ck_assert_str_eq(prog->exit_kind, "exit");
    ck_assert_int_eq(prog->exit_status, 0);
    HAS(prog->command, "/bin/python3");
    HAS(prog->command, script);
    for (size_t i = 0; i < t.n; i++) {
        if (i != t.program)
            ck_assert_uint_lt(t.p[i].peak_bytes, prog->peak_bytes);
        if (!i)
            continue;
        const mtr_proc_t *up = &t.p[t.p[i].parent - 1];
        if (t.p[i].exec) /* an image after another of its pid */
            ck_assert_int_eq(up->pid, t.p[i].pid);
        else /* a fork, under the image of its parent */
            ck_assert_int_eq(up->pid, t.p[i].ppid);
    }
    ck_assert_uint_ge(prog->peak_bytes, 16 << 20);
    mtr_tree_free(&t);
    char *tree[] = {REPORT, "tree", db, NULL};
    ck_assert_int_eq(run(tree), 0);
    HAS(out, "\n* the program: pid ");
    HAS(out, "which its first image exec'd into\n");
}
END_TEST

Suite *tree_suite(void)
{
    Suite *s = suite_create("tree");
    TCase *t = tcase_create("tree");
    tcase_add_test(t, follow_all_records_the_whole_tree);
    tcase_add_test(t, follow_exec_skips_bare_forks);
    tcase_add_test(t, follow_none_writes_one_database);
    tcase_add_test(t, fork_hangs_from_the_image_that_forked_it);
    tcase_add_test(t, exec_hangs_from_the_image_its_line_forked_from);
    tcase_add_test(t, summary_glob_covers_pid_names);
    tcase_add_test(t, help_lists_follow_and_tree);
    tcase_add_test(t, report_says_a_trace_has_children);
    tcase_add_test(t, tree_summarizes_every_process);
    tcase_add_test(t, tree_refuses_bad_input);
    tcase_add_test(t, tree_follows_a_shim_to_the_program);
    tcase_add_test(t, tree_of_a_pool_of_four);
    tcase_add_test(t, tree_of_pyenvs_shim_points_at_python);
    suite_add_tcase(s, t);
    return s;
}
