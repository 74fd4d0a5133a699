/* The command lines as a user meets them: memtrace's and memtrace-report's
 * help, version and errors, the programs the launcher refuses before they
 * run (with the reason), the launcher's closing line, and where html writes
 * its page.  Each tool runs as a program, stdout and stderr captured apart. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyzer/cli/options.h"
#include "format/meta.h"
#include "tests/helpers.h"
#include "tracer/config.h"

#define MEMTRACE MT_BUILD_DIR "/memtrace"
#define REPORT MT_BUILD_DIR "/memtrace-report"

static char out[1 << 16], err[1 << 16];

static void slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
}

/* Runs argv; its stdout and stderr land in out and err.  Returns the exit
 * status (-1 when it did not exit). */
static int run(char *const argv[])
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
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    slurp(o, out, sizeof out);
    slurp(e, err, sizeof err);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define HAS(buf, s) ck_assert_msg(strstr(buf, s) != NULL, "no \"%s\" in: %s", s, buf)

/* A trace of alloc1000 written by the launcher into dir/run.db. */
static void trace_into(const char *dir, char *db, size_t cap)
{
    snprintf(db, cap, "%s/run.db", dir);
    char *argv[] = {MEMTRACE, "run", "-q", "-o", db, "--", FIXTURE("alloc1000"), NULL};
    ck_assert_int_eq(run(argv), 0);
}

/* ---- memtrace ---- */

START_TEST(launcher_help_lists_every_option)
{
    const char *forms[][3] = {{"--help", NULL}, {"-h", NULL}, {"run", "--help"}};
    for (size_t f = 0; f < 3; f++) {
        char *argv[] = {MEMTRACE, (char *)forms[f][0], (char *)forms[f][1], NULL};
        ck_assert_int_eq(run(argv), 0);
        ck_assert_str_eq(err, "");
        for (int s = 0; s < MT_SET_COUNT; s++) {
            char line[128];
            const char *m = mt_setting_metavar((mt_setting_t)s);
            snprintf(line, sizeof line, "  %s%s%s ", mt_setting_option((mt_setting_t)s),
                     m ? " " : "", m ? m : "");
            HAS(out, line);
            HAS(out, mt_setting_var((mt_setting_t)s));
        }
        HAS(out, "(default: 64; MEMTRACE_DEPTH)");
        HAS(out, "(default: " MT_DEFAULT_OUTPUT "; MEMTRACE_OUTPUT)");
        HAS(out, "  -q ");
        ck_assert_ptr_null(strstr(out, "(null)")); /* a setting without its help line */
    }
    char *v[] = {MEMTRACE, "--version", NULL};
    ck_assert_int_eq(run(v), 0);
    ck_assert_str_eq(out, MT_TOOL_VERSION "\n");
}
END_TEST

START_TEST(launcher_names_what_it_refuses)
{
    char *dir = th_tempdir(), db[256];
    snprintf(db, sizeof db, "%s/run.db", dir);
    char *unknown[] = {MEMTRACE, "run", "-x", "-o", db, "--", FIXTURE("alloc1000"), NULL};
    ck_assert_int_eq(run(unknown), 2);
    ck_assert_str_eq(err, "memtrace: unknown option -x (memtrace --help lists them)\n");
    char *bad[] = {MEMTRACE, "run", "--depth", "1000", "-o", db, "--", FIXTURE("alloc1000"), NULL};
    ck_assert_int_eq(run(bad), 2);
    ck_assert_str_eq(err, "memtrace: --depth 1000: not a number from 1 to 256\n");
    char *novalue[] = {MEMTRACE, "run", "--depth", NULL};
    ck_assert_int_eq(run(novalue), 2);
    ck_assert_str_eq(err, "memtrace: --depth needs a value\n");
    ck_assert_int_eq(access(db, F_OK), -1);
}
END_TEST

START_TEST(launcher_refuses_what_it_cannot_trace)
{
    char *dir = th_tempdir(), db[256], suid[256], line[1024];
    snprintf(db, sizeof db, "%s/run.db", dir);
    char *stat_[] = {MEMTRACE, "run", "-o", db, "--", FIXTURE("staticprog"), NULL};
    ck_assert_int_eq(run(stat_), 2);
    snprintf(line, sizeof line,
             "memtrace: %s is statically linked: LD_PRELOAD cannot trace it\n",
             FIXTURE("staticprog"));
    ck_assert_str_eq(err, line);

    /* a setuid copy of a dynamic fixture: the loader drops LD_PRELOAD */
    snprintf(suid, sizeof suid, "%s/suid", dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp %s %s && chmod 4755 %s", FIXTURE("alloc1000"), suid, suid);
    ck_assert_int_eq(system(cmd), 0);
    char *setuid_[] = {MEMTRACE, "run", "-o", db, "--", suid, NULL};
    ck_assert_int_eq(run(setuid_), 2);
    snprintf(line, sizeof line, "memtrace: %s is setuid: the loader ignores LD_PRELOAD for it\n",
             suid);
    ck_assert_str_eq(err, line);

    char missing[256];
    snprintf(missing, sizeof missing, "%s/nodir/run.db", dir);
    char *nodir[] = {MEMTRACE, "run", "-o", missing, "--", FIXTURE("alloc1000"), NULL};
    ck_assert_int_eq(run(nodir), 2);
    snprintf(line, sizeof line, "memtrace: the output directory %s/nodir does not exist\n", dir);
    ck_assert_str_eq(err, line);
    ck_assert_int_eq(access(db, F_OK), -1);

    /* a directory per process could be neither checked nor searched */
    char perpid[256];
    snprintf(perpid, sizeof perpid, "%s/run.%%p/run.db", dir);
    char *pdir[] = {MEMTRACE, "run", "-o", perpid, "--", FIXTURE("alloc1000"), NULL};
    ck_assert_int_eq(run(pdir), 2);
    snprintf(line, sizeof line, "memtrace: -o %s: %%p and %%e may appear in the file's name only,"
             " not in its directory\n", perpid);
    ck_assert_str_eq(err, line);
}
END_TEST

START_TEST(launcher_says_what_it_wrote)
{
    char *dir = th_tempdir(), db[256];
    snprintf(db, sizeof db, "%s/run.db", dir);
    char *argv[] = {MEMTRACE, "run", "-o", db, "--", FIXTURE("alloc1000"), NULL};
    ck_assert_int_eq(run(argv), 0);
    /* 1000 mallocs and 500 frees of the fixture, the loader's and libc's own */
    sqlite3 *d = th_open(db);
    int64_t n = th_int(d, "SELECT (SELECT sum(count) FROM alloc_batches) + "
                          "(SELECT count(*) FROM copies) + (SELECT count(*) FROM mappings)");
    sqlite3_close(d);
    struct stat st;
    ck_assert_int_eq(stat(db, &st), 0);
    char line[512], num[32];
    snprintf(num, sizeof num, "%lld", (long long)n);
    ck_assert_int_ge(n, 1500);
    ck_assert_int_lt(n, 10000); /* so the count has exactly one comma */
    snprintf(line, sizeof line, "memtrace: wrote %s (%.*s,%s events, %.1f KiB)\n", db,
             (int)strlen(num) - 3, num, num + strlen(num) - 3, (double)st.st_size / 1024);
    ck_assert_str_eq(err, line);
    char *quiet[] = {MEMTRACE, "run", "-q", "-f", "-o", db, "--", FIXTURE("alloc1000"), NULL};
    ck_assert_int_eq(run(quiet), 0);
    ck_assert_str_eq(err, "");
}
END_TEST

/* ---- memtrace-report ---- */

START_TEST(report_help_lists_each_subcommands_options)
{
    const struct {
        const char *cmd, *has[3];
    } cases[] = {
        {"report", {"  --top N ", "(default: 10)", "  --json "}},
        {"gate", {"  --max-peak SIZE ", "  --max-stalls N ", "  --stall-ms MS "}},
        {"diff", {"  --top N ", "  --all-frames ", "  --payload SIZE "}},
        {"html", {"  -o FILE ", "(default: RUN.html beside RUN.db)", "  --flush-pieces N "}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[] = {REPORT, (char *)cases[i].cmd, "--help", NULL};
        ck_assert_int_eq(run(argv), 0);
        ck_assert_str_eq(err, "");
        for (int k = 0; k < 3; k++)
            HAS(out, cases[i].has[k]);
    }
    for (int i = 0; i < MTR_OPTS; i++) { /* every option has its help line */
        const char *def;
        ck_assert_ptr_nonnull(mtr_cli_option_help(i, &def));
        ck_assert_ptr_nonnull(def);
    }
    char *gate[] = {REPORT, "gate", "-h", NULL};
    ck_assert_int_eq(run(gate), 0);
    ck_assert_ptr_null(strstr(out, "--json")); /* only what gate takes */
    char *v[] = {REPORT, "--version", NULL};
    ck_assert_int_eq(run(v), 0);
    ck_assert_str_eq(out, "memtrace-report 0.1\n");
}
END_TEST

START_TEST(report_names_an_unknown_option)
{
    char *dir = th_tempdir(), db[256];
    trace_into(dir, db, sizeof db);
    char *argv[] = {REPORT, "gate", db, "-x", NULL};
    ck_assert_int_eq(run(argv), 2);
    ck_assert_str_eq(err, "memtrace-report: unknown option -x (--help lists the options)\n");
    char *json[] = {REPORT, "gate", db, "--json", NULL};
    ck_assert_int_eq(run(json), 2);
    ck_assert_str_eq(err, "memtrace-report: unknown option --json (--help lists the options)\n");
}
END_TEST

START_TEST(html_writes_beside_the_trace)
{
    char *dir = th_tempdir(), db[256], page[256];
    trace_into(dir, db, sizeof db);
    char *argv[] = {REPORT, "html", db, NULL};
    ck_assert_int_eq(run(argv), 0);
    snprintf(page, sizeof page, "%s/run.html", dir);
    ck_assert_int_eq(access(page, R_OK), 0);
    char *std[] = {REPORT, "html", db, "-o", "-", NULL};
    ck_assert_int_eq(run(std), 0);
    ck_assert_int_eq(strncmp(out, "<!DOCTYPE html>", 15), 0);
    /* an error names the user's file, not our temporary one */
    char bad[256], line[512];
    snprintf(bad, sizeof bad, "%s/nodir/page.html", dir);
    char *nodir[] = {REPORT, "html", db, "-o", bad, NULL};
    ck_assert_int_eq(run(nodir), 2);
    snprintf(line, sizeof line, "memtrace-report: %s: No such file or directory\n", bad);
    ck_assert_str_eq(err, line);
}
END_TEST

Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *t = tcase_create("cli");
    tcase_add_test(t, launcher_help_lists_every_option);
    tcase_add_test(t, launcher_names_what_it_refuses);
    tcase_add_test(t, launcher_refuses_what_it_cannot_trace);
    tcase_add_test(t, launcher_says_what_it_wrote);
    tcase_add_test(t, report_help_lists_each_subcommands_options);
    tcase_add_test(t, report_names_an_unknown_option);
    tcase_add_test(t, html_writes_beside_the_trace);
    suite_add_tcase(s, t);
    return s;
}
