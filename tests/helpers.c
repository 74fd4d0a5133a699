/* Test helpers (see helpers.h). */
#include "tests/helpers.h"

#include <check.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

char *th_tempdir(void)
{
    /* static: each test runs in its own forked child and makes a few */
    static char dirs[8][32];
    static unsigned next;
    char *t = dirs[next++ % 8];
    strcpy(t, "/tmp/mt-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t));
    return t;
}

pid_t th_spawn(char *const argv[], char *const env_extra[], int *out_fd)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        for (int i = 0; env_extra && env_extra[i]; i++)
            putenv(env_extra[i]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    *out_fd = fds[0];
    return pid;
}

int th_run(char *const argv[], char *const env_extra[], char *out, size_t cap)
{
    int fd;
    pid_t pid = th_spawn(argv, env_extra, &fd);
    size_t n = 0;
    char sink[4096];
    for (;;) {
        char *dst = out && n + 1 < cap ? out + n : sink;
        size_t room = out && n + 1 < cap ? cap - 1 - n : sizeof sink;
        ssize_t r = read(fd, dst, room);
        if (r <= 0)
            break;
        if (dst != sink)
            n += (size_t)r;
    }
    if (out)
        out[n] = 0;
    close(fd);
    int status;
    waitpid(pid, &status, 0);
    return status;
}

int th_trace(const char *db, char *const argv[], char *out, size_t cap)
{
    static char preload[] = "LD_PRELOAD=" PRELOAD_LIB;
    char output[4096];
    snprintf(output, sizeof output, "MEMTRACE_OUTPUT=%s", db);
    char *env[] = {preload, output, NULL};
    return th_run(argv, env, out, cap);
}

sqlite3 *th_open(const char *path)
{
    sqlite3 *db = NULL;
    ck_assert_msg(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK,
                  "cannot open %s", path);
    return db;
}

int64_t th_int(sqlite3 *db, const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st;
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db));
    int64_t v = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int64_t th_meta(sqlite3 *db, mt_meta_t key)
{
    return th_int(db, "SELECT value FROM meta WHERE key = '%s'", mt_meta_key(key));
}

int th_meta_is(sqlite3 *db, mt_meta_t key, const char *text)
{
    return th_int(db, "SELECT value = '%s' FROM meta WHERE key = '%s'", text,
                  mt_meta_key(key)) == 1;
}

mt_alloc_event_t *th_events(sqlite3 *db, size_t *n)
{
    size_t total = (size_t)th_int(db, "SELECT coalesce(sum(count), 0) FROM alloc_batches");
    mt_alloc_event_t *ev = calloc(total + 1, sizeof *ev);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT count, data FROM alloc_batches ORDER BY id", -1, &st, NULL);
    size_t at = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        size_t c = (size_t)sqlite3_column_int64(st, 0);
        ck_assert_int_le(at + c, total);
        ck_assert_int_eq(mt_batch_decode(sqlite3_column_blob(st, 1),
                                         (size_t)sqlite3_column_bytes(st, 1), ev + at, c),
                         0);
        at += c;
    }
    sqlite3_finalize(st);
    *n = at;
    return ev;
}

static int nm_range(const char *binary, const char *fn, uint64_t *lo, uint64_t *hi)
{
    char cmd[4200], line[512];
    snprintf(cmd, sizeof cmd, "nm -S --defined-only '%s'", binary);
    FILE *p = popen(cmd, "r");
    int found = 0;
    while (p && fgets(line, sizeof line, p)) {
        unsigned long long a, s;
        char type, name[256];
        if (sscanf(line, "%llx %llx %c %255s", &a, &s, &type, name) == 4 &&
            strcmp(name, fn) == 0) {
            *lo = a;
            *hi = a + s;
            found = 1;
        }
    }
    if (p)
        pclose(p);
    return found;
}

int th_stack_has(sqlite3 *db, int64_t node, const char *binary, const char *fn)
{
    uint64_t lo, hi;
    ck_assert_msg(nm_range(binary, fn, &lo, &hi), "no symbol %s in %s", fn, binary);
    char real[4096];
    ck_assert_ptr_nonnull(realpath(binary, real));
    int64_t bias = th_int(db, "SELECT bias FROM modules WHERE path = '%s'", real);
    ck_assert_msg(bias >= 0, "module %s not recorded", real);
    for (int guard = 0; node > 0 && guard < 1000; guard++) {
        uint64_t ip = (uint64_t)th_int(db, "SELECT ip FROM stack_nodes WHERE id = %lld",
                                       (long long)node);
        uint64_t off = ip - (uint64_t)bias - 1;
        if (off >= lo && off < hi)
            return 1;
        node = th_int(db, "SELECT parent FROM stack_nodes WHERE id = %lld", (long long)node);
    }
    return 0;
}

int th_count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    if (d)
        closedir(d);
    return n;
}
