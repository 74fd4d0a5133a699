/* The launcher's help, its checks before running a program, and its closing
 * line (see cli.h). */
#include "tracer/launcher/cli.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/kinds.h"
#include "format/meta.h"
#include "tracer/config.h"

/* ---- help ---- */

/* What each setting does and its default, as the help shows them; indexed
 * by setting so that a new setting without a line here does not compile. */
static const struct {
    const char *what, *def;
} help[] = {
    [MT_SET_OUTPUT] = {"database to write (%p = pid, %e = program name)", MT_DEFAULT_OUTPUT},
    [MT_SET_FORCE] = {"overwrite an existing database", "off"},
    [MT_SET_COPY_MIN] = {"copies at least this large are single events", "64K"},
    [MT_SET_GATHER_MIN] = {"small copies into a block this large are gathered", "1M"},
    [MT_SET_DEPTH] = {"frames kept per stack (1-256)", "64"},
    [MT_SET_UNWIND] = {"fast or libunwind", "fast"},
    [MT_SET_PYTHON] = {"no Python frames in CPython's stacks", "off"},
    [MT_SET_PYTHON_ALLOCATORS] = {"record Python objects one by one (PYTHONMALLOC=malloc)",
                                  "off"},
    [MT_SET_FOLLOW] = {"children traced: all (forks and execs), exec (exec'd programs only)"
                       " or none (the program only, through its own execs)",
                       "all"},
};
_Static_assert(sizeof help / sizeof help[0] == MT_SET_COUNT, "a setting has no help line");

void mt_launch_help(void)
{
    printf("usage: memtrace run [OPTIONS] [--] PROGRAM [ARGS...]\n"
           "       memtrace --help | --version\n\n"
           "Runs PROGRAM with libmemtrace.so preloaded and writes its trace.\n\n");
    for (int s = 0; s < MT_SET_COUNT; s++) {
        const char *m = mt_setting_metavar((mt_setting_t)s);
        char opt[64];
        snprintf(opt, sizeof opt, "%s%s%s", mt_setting_option((mt_setting_t)s), m ? " " : "",
                 m ? m : "");
        printf("  %-24s %s (default: %s; %s)\n", opt, help[s].what, help[s].def,
               mt_setting_var((mt_setting_t)s));
    }
    printf("  %-24s %s\n", "-q", "no closing line on stderr (default: off)");
    printf("  %-24s %s\n", "-h, --help", "this help");
    printf("  %-24s %s\n", "--version", "the version");
}

/* ---- before running ---- */

/* prog as execvp finds it: a name with a slash as it is, else the first
 * executable file of that name along PATH. */
static int resolve(const char *prog, char *path, size_t cap)
{
    if (strchr(prog, '/')) {
        snprintf(path, cap, "%s", prog);
        return access(path, X_OK);
    }
    const char *dirs = getenv("PATH");
    if (!dirs)
        dirs = "/usr/local/bin:/usr/bin:/bin";
    for (const char *d = dirs; *d;) {
        size_t n = strcspn(d, ":");
        snprintf(path, cap, "%.*s/%s", (int)n, n ? d : ".", prog);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
            return 0;
        d += n + (d[n] == ':');
    }
    errno = ENOENT;
    return -1;
}

/* 1 for an ELF executable with no program interpreter: the kernel maps it
 * without ld.so, so nothing reads LD_PRELOAD.  0 for anything else (a
 * dynamic program, a script, which its interpreter runs). */
static int statically_linked(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    Elf64_Ehdr eh;
    int is_static = 0;
    if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
        eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr)) {
        int interp = 0;
        for (int i = 0; i < eh.e_phnum; i++) {
            Elf64_Phdr ph;
            if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) !=
                (ssize_t)sizeof ph)
                break;
            interp |= ph.p_type == PT_INTERP;
        }
        is_static = !interp;
    }
    close(fd);
    return is_static;
}

int mt_launch_check(const char *prog, const char *out, char *path, size_t cap, char *why,
                    size_t wcap)
{
    if (resolve(prog, path, cap) < 0) {
        snprintf(why, wcap, "cannot run %s: %s", prog, strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID))) {
        snprintf(why, wcap, "%s is set%cid: the loader ignores LD_PRELOAD for it", prog,
                 st.st_mode & S_ISUID ? 'u' : 'g');
        return -1;
    }
    if (statically_linked(path)) {
        snprintf(why, wcap, "%s is statically linked: LD_PRELOAD cannot trace it", prog);
        return -1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", out);
    const char *d = dirname(dir);
    /* every process writes into one directory the launcher can check now
     * and search at the end for the children's traces */
    if (strstr(d, "%p") || strstr(d, "%e")) {
        snprintf(why, wcap, "-o %s: %%p and %%e may appear in the file's name only, not in"
                 " its directory", out);
        return -1;
    }
    if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(why, wcap, "the output directory %s does not exist", d);
        return -1;
    }
    return 0;
}

/* ---- after the run ---- */

static long long count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* 12345 as "12,345" */
static void thousands(long long n, char *out, size_t cap)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", n), k = 0;
    for (int i = 0; i < len && (size_t)k + 2 < cap; i++) {
        if (i && (len - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = 0;
}

void mt_launch_summary(const char *db, const char *shown)
{
    struct stat st;
    sqlite3 *h;
    if (stat(db, &st) != 0 || sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return;
    sqlite3_busy_timeout(h, 5000);
    long long n = count(h, "SELECT (SELECT coalesce(sum(count), 0) FROM alloc_batches)"
                           " + (SELECT count(*) FROM copies) + (SELECT count(*) FROM mappings)");
    sqlite3_close(h);
    char events[40];
    thousands(n, events, sizeof events);
    double size = (double)st.st_size;
    const char *unit = "KiB";
    size /= 1024;
    if (size >= 1024) {
        size /= 1024;
        unit = "MiB";
    }
    if (size >= 1024) {
        size /= 1024;
        unit = "GiB";
    }
    fprintf(stderr, "memtrace: wrote %s (%s events, %.1f %s)\n", shown, events, size, unit);
}

void mt_launch_summary_children(size_t n, const char *tmpl, const char *shown)
{
    /* children are named from the template with their pid (lifecycle.c):
     * %p and %e vary, without %p ".<pid>" is added, and ".N" for the
     * images one pid exec'd in turn */
    char glob[4096];
    size_t k = 0;
    for (const char *p = tmpl; *p && k + 3 < sizeof glob; p++) {
        if (p[0] == '%' && (p[1] == 'p' || p[1] == 'e')) {
            glob[k++] = '*';
            p++;
        } else {
            glob[k++] = *p;
        }
    }
    glob[k] = 0;
    snprintf(glob + k, sizeof glob - k, "%s", strstr(tmpl, "%p") ? "*" : ".*");
    fprintf(stderr, "memtrace: %zu more trace%s, of child processes and exec'd programs: %s"
                    " (memtrace-report tree %s)\n",
            n, n == 1 ? "" : "s", glob, shown);
}

void mt_launch_summary_program(const char *command, const char *db, const char *shown)
{
    const char *slash = strrchr(shown, '/'), *name = strrchr(db, '/');
    fprintf(stderr, "memtrace: the program exec'd into %s, traced in %.*s%s\n",
            command ? command : "?", slash ? (int)(slash - shown + 1) : 0, shown,
            name ? name + 1 : db);
}
