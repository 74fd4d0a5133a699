/* memtrace: the launcher.  `memtrace run [OPTIONS] -- PROGRAM ARGS...` runs
 * PROGRAM with libmemtrace.so preloaded, its options turned into the
 * settings' variables (tracer/config.h), waits for it, records how it ended
 * into the database (what the traced process cannot see itself: a fatal
 * signal, the exit status after return from main) and exits as it did. */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "format/kinds.h"
#include "format/meta.h"
#include "tracer/config.h"
#include "tracer/launcher/cli.h"
#include "tracer/launcher/tree.h"

static void usage(void)
{
    fprintf(stderr, "usage: memtrace run");
    for (int s = 0; s < MT_SET_COUNT; s++) {
        const char *m = mt_setting_metavar((mt_setting_t)s);
        fprintf(stderr, " [%s%s%s]", mt_setting_option((mt_setting_t)s), m ? " " : "", m ? m : "");
    }
    fprintf(stderr, " -- PROGRAM [ARGS...]\n"
                    "  -o FILE  database to write (%%p = pid, %%e = program name, in the\n"
                    "           file name only; default %s)\n"
                    "  -f       overwrite an existing database\n"
                    "  --unwind MODE  %s (default) or %s\n",
            MT_DEFAULT_OUTPUT, mt_kind_name(MT_KINDS_UNWIND, MT_UNWIND_FAST),
            mt_kind_name(MT_KINDS_UNWIND, MT_UNWIND_LIBUNWIND));
    exit(2);
}

static int find_library(char *out, size_t cap)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = 0;
    const char *dir = dirname(self);
    const char *cands[] = {"%s/libmemtrace.so", "%s/../lib/libmemtrace.so"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(out, cap, cands[i], dir);
        if (access(out, R_OK) == 0)
            return 0;
    }
    return -1;
}

/* One meta row: text when text is not NULL, else the integer. */
static int put_meta(sqlite3 *db, mt_meta_t key, const char *text, int64_t value)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, MT_META_PUT_SQL, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, mt_meta_key(key), -1, SQLITE_STATIC);
    if (text)
        sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 2, value);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* 1 when path is the trace this run's program wrote.  A program that
 * refused to overwrite an existing file ran untraced, and that file (another
 * run's trace, or no trace at all) must stay byte for byte as it was: it is
 * ours only when its pid is the child's and it started after we did.  A file
 * too young to hold its facts (the program was killed before the first
 * commit) is ours when it did not exist before the program ran. */
static int is_this_run(const char *path, pid_t pid, int64_t started_ns, int existed)
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return 0;
    }
    sqlite3_busy_timeout(db, 5000);
    int64_t traced = mt_launch_meta_int(db, MT_META_PID);
    int64_t start = mt_launch_meta_int(db, MT_META_START_REALTIME_NS);
    sqlite3_close(db);
    if (traced < 0)
        return !existed;
    return traced == pid && start >= started_ns;
}

static void record_end(const char *path, int status)
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        fprintf(stderr, "memtrace: no trace was written to %s\n", path);
        return;
    }
    sqlite3_busy_timeout(db, 5000);
    int rc = 0;
    if (WIFSIGNALED(status)) {
        rc |= put_meta(db, MT_META_EXIT_KIND, mt_kind_name(MT_KINDS_EXIT, MT_EXIT_SIGNAL), 0);
        rc |= put_meta(db, MT_META_EXIT_SIGNAL, NULL, WTERMSIG(status));
    } else {
        rc |= put_meta(db, MT_META_EXIT_STATUS, NULL, WEXITSTATUS(status));
    }
    if (rc)
        fprintf(stderr, "memtrace: cannot record the exit of the program in %s: %s\n", path,
                sqlite3_errmsg(db));
    sqlite3_close(db);
}

/* Finds the run's databases and records their tree in top (tracer/launcher/
 * tree.h), the exit the launcher saw going to the last image of the
 * launched process: a shim's top database only exec'd.  0 with *t filled,
 * or -1 when top cannot be read. */
static int record_tree(const char *tmpl, const char *top, pid_t pid, int64_t started_ns,
                       int status, mt_tree_t *t)
{
    if (mt_tree_find(tmpl, top, started_ns, t) < 0)
        return -1;
    size_t last = mt_tree_program(t, pid);
    mt_tree_row_t *r = &t->row[last];
    if (last)
        record_end(r->path, status);
    r->exit_status = WIFSIGNALED(status) ? -1 : WEXITSTATUS(status);
    r->exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
    if (WIFSIGNALED(status)) {
        free(r->exit_kind);
        r->exit_kind = strdup(mt_kind_name(MT_KINDS_EXIT, MT_EXIT_SIGNAL));
    }
    mt_tree_write(top, t);
    return 0;
}

static pid_t child;
static void forward(int sig)
{
    if (child > 0)
        kill(child, sig);
}

int main(int argc, char **argv)
{
    int quiet = 0;
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        mt_launch_help();
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("%s\n", MT_TOOL_VERSION);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "run") != 0)
        usage();
    /* the settings given as options, handed to the program as variables */
    const char *value[MT_SET_COUNT] = {[MT_SET_OUTPUT] = MT_DEFAULT_OUTPUT};
    int i = 2;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            mt_launch_help();
            return 0;
        }
        if (!strcmp(a, "-q")) {
            quiet = 1;
            continue;
        }
        int s = mt_setting_by_option(a);
        if (s < 0) {
            fprintf(stderr, "memtrace: unknown option %s (memtrace --help lists them)\n", a);
            return 2;
        }
        if (!mt_setting_metavar((mt_setting_t)s)) {
            value[s] = mt_setting_flag_value((mt_setting_t)s);
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "memtrace: %s needs a value\n", a);
            return 2;
        }
        char why[128];
        if (mt_setting_check((mt_setting_t)s, argv[i + 1], why, sizeof why) < 0) {
            fprintf(stderr, "memtrace: %s %s: %s\n", a, argv[i + 1], why);
            return 2;
        }
        value[s] = argv[++i];
    }
    if (i >= argc)
        usage();

    char lib[4096], abs_out[4096], path[4096], preload[8192];
    if (find_library(lib, sizeof lib) < 0) {
        fprintf(stderr, "memtrace: cannot find libmemtrace.so next to this program\n");
        return 2;
    }
    const char *out = value[MT_SET_OUTPUT];
    if (out[0] != '/') {
        char cwd[2048];
        if (!getcwd(cwd, sizeof cwd))
            return 2;
        snprintf(abs_out, sizeof abs_out, "%s/%s", cwd, out);
    } else {
        snprintf(abs_out, sizeof abs_out, "%s", out);
    }
    value[MT_SET_OUTPUT] = abs_out;
    char exe[4096], why[4600];
    if (mt_launch_check(argv[i], abs_out, exe, sizeof exe, why, sizeof why) < 0) {
        fprintf(stderr, "memtrace: %s\n", why);
        return 2;
    }
    const char *old = getenv("LD_PRELOAD");
    snprintf(preload, sizeof preload, "%s%s%s", lib, old && *old ? ":" : "", old ? old : "");

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t started_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    char prog[4096];
    snprintf(prog, sizeof prog, "%s", argv[i]);
    /* without %p the name is known now, before the program could make it */
    int existed = mt_output_expand(abs_out, basename(prog), 0, path, sizeof path) == 0 &&
                  strstr(abs_out, "%p") == NULL && access(path, F_OK) == 0;

    child = fork();
    if (child < 0) {
        perror("memtrace: fork");
        return 2;
    }
    if (child == 0) {
        setenv("LD_PRELOAD", preload, 1);
        for (int s = 0; s < MT_SET_COUNT; s++)
            if (value[s])
                setenv(mt_setting_var((mt_setting_t)s), value[s], 1);
        unsetenv(MT_ENV_ROOT_PID);
        unsetenv(MT_ENV_TRACED_PARENT);
        execvp(argv[i], argv + i);
        fprintf(stderr, "memtrace: cannot run %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    signal(SIGINT, forward);
    signal(SIGTERM, forward);
    signal(SIGHUP, forward);
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR) {
            perror("memtrace: waitpid");
            return 2;
        }
    char shown[4096];
    if (mt_output_expand(abs_out, basename(prog), (long)child, path, sizeof path) < 0 ||
        access(path, F_OK) != 0)
        fprintf(stderr, "memtrace: no trace was written to %s\n", path);
    else if (is_this_run(path, child, started_ns, existed)) {
        record_end(path, status);
        mt_tree_t tree;
        int found = record_tree(abs_out, path, child, started_ns, status, &tree) == 0;
        if (!quiet && mt_output_expand(out, basename(prog), (long)child, shown, sizeof shown) == 0) {
            mt_launch_summary(path, shown);
            if (found && tree.n > 1)
                mt_launch_summary_children(tree.n - 1, out, shown);
            size_t last = found ? mt_tree_program(&tree, child) : 0;
            if (last) /* which of them is the program: a shim's top only exec'd */
                mt_launch_summary_program(tree.row[last].command, tree.row[last].path, shown);
        }
        if (found)
            mt_tree_free(&tree);
    }
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
