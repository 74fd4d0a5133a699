/* The pytest plugin (python/memtrace/pytest_plugin.py) on the project's own
 * pytest suite (tests/pytest/test_budgets.py, whose test names say how each
 * must end): every budget of the marker once within and once over; the
 * project-wide defaults from the command line (through the re-exec form
 * --memtrace) and from the ini file; and nothing at all without the tracer.
 * pytest-xdist's workers each judge their own tests.  Debian's python3 with
 * python3-pytest, python3-pytest-xdist and python3-numpy. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers.h"

#define SUITE_PY MT_SOURCE_DIR "/tests/pytest/test_budgets.py"

static char out[1 << 20];
static char *env[] = {"PYTHONPATH=" MT_SOURCE_DIR "/python", "MEMTRACE_BIN_DIR=" MT_BUILD_DIR,
                      NULL};

/* "PASSED" or "FAILED": how pytest's -rA summary says test name ended
 * (NULL when it does not list it). */
static const char *outcome(const char *name)
{
    char key[128];
    snprintf(key, sizeof key, "::%s", name);
    for (const char *line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *hit = strstr(line, key);
        if (!hit || hit >= line + len)
            continue;
        char after = hit[strlen(key)];
        if (after != ' ' && after != '\n' && after != 0)
            continue;
        if (!strncmp(line, "PASSED ", 7))
            return "PASSED";
        if (!strncmp(line, "FAILED ", 7))
            return "FAILED";
    }
    return NULL;
}

/* pytest's whole output goes to stderr when an assertion fails: too long
 * for Check's message */
static int shown(int ok)
{
    if (!ok)
        fprintf(stderr, "%s\n", out);
    return ok;
}
#define ENDS(name, how)                                                                    \
    ck_assert_msg(shown(outcome(name) && !strcmp(outcome(name), how)), "%s: %s, not %s", name, \
                  outcome(name) ? outcome(name) : "not run", how)
#define HAS(s) ck_assert_msg(shown(strstr(out, s) != NULL), "no \"%.200s\" in the output", s)
#define EXITED(status, code) \
    ck_assert_msg(shown(WIFEXITED(status) && WEXITSTATUS(status) == code), "status %d", status)

START_TEST(each_budget_passes_and_fails)
{
    char *dir = th_tempdir(), db[256];
    snprintf(db, sizeof db, "%s/pytest.db", dir);
    char *argv[] = {MT_BUILD_DIR "/memtrace", "run", "-q", "-o", db, "--", "/usr/bin/python3",
                    "-m", "pytest", "-p", "memtrace.pytest_plugin", "-p", "no:cacheprovider",
                    "-q", "-rA", SUITE_PY, NULL};
    int status = th_run(argv, env, out, sizeof out);
    EXITED(status, 1);
    ENDS("test_extra_copies_within", "PASSED");
    ENDS("test_extra_copies_over", "FAILED");
    ENDS("test_peak_within", "PASSED");
    ENDS("test_peak_over", "FAILED");
    ENDS("test_copied_within", "PASSED");
    ENDS("test_copied_over", "FAILED");
    ENDS("test_stalls_within", "PASSED");
    ENDS("test_stalls_over", "FAILED");
    ENDS("test_unmarked", "PASSED");
    ENDS("test_failing_test_is_left_alone", "FAILED");
    HAS("5 failed, 5 passed");
    /* the budget, the measured value, and the stack with its Python frames */
    HAS("memtrace budget max_extra_copies=0 broken: extra copies 1 exceed --max-extra-copies 0\n"
        "the largest copy (memmove of 100.0 MiB), at:\n");
    HAS("memtrace budget max_copied='50 MB' broken: copied 100 MiB exceeds --max-copied 50.0 MiB");
    HAS("memtrace budget max_peak='150 MB' broken: peak ");
    HAS("memtrace budget max_stalls=0 broken: stalls 1 exceed --max-stalls 0");
    HAS("    copy_once (" SUITE_PY ":13)\n    test_extra_copies_over (" SUITE_PY ":24)\n");
    HAS("    ones (");
    HAS("    test_peak_over (" SUITE_PY ":34)\n");
    /* a test that failed by itself keeps its own failure */
    HAS("assert 1 == 2");
    /* at the end, as pytest-memray lists the tests that allocated most */
    HAS(" memtrace: the 5 tests that copied most =");
    HAS("::test_unmarked: copied 200.0 MiB in 2 copies, 1 extra copy, 2 stalls, peak ");
    /* first: the others copied 100 MiB each */
    const char *first = strstr(out, "::test_unmarked: copied"), *next = strstr(out, ": copied 100.0");
    ck_assert(first && next && first < next);
    HAS("every test's figures: memtrace-report ");
}
END_TEST

START_TEST(project_defaults_from_the_command_line_and_the_ini)
{
    char *dir = th_tempdir(), db[256], ini[256];
    snprintf(db, sizeof db, "%s/reexec.db", dir);
    /* --memtrace starts pytest again under the tracer; the default applies to
     * the unmarked test, the marker overrides it */
    char *argv[] = {"/usr/bin/python3", "-m", "pytest", "-p", "memtrace.pytest_plugin", "-p",
                    "no:cacheprovider", "-q", "-rA", "--memtrace", "--memtrace-db", db,
                    "--memtrace-max-extra-copies", "0", "-k",
                    "test_unmarked or test_extra_copies_within", SUITE_PY, NULL};
    int status = th_run(argv, env, out, sizeof out);
    EXITED(status, 1);
    ENDS("test_unmarked", "FAILED");
    ENDS("test_extra_copies_within", "PASSED");
    HAS("memtrace budget max_extra_copies='0' broken: extra copies 1 exceed"
        " --max-extra-copies 0");
    ck_assert_int_eq(access(db, R_OK), 0);

    snprintf(ini, sizeof ini, "%s/pytest.ini", dir);
    FILE *f = fopen(ini, "w");
    fputs("[pytest]\nmemtrace_max_copied = 150M\n", f);
    fclose(f);
    snprintf(db, sizeof db, "%s/ini.db", dir);
    char *fromini[] = {"/usr/bin/python3", "-m", "pytest", "-p", "memtrace.pytest_plugin", "-p",
                       "no:cacheprovider", "-q", "-rA", "-c", ini, "--memtrace", "--memtrace-db",
                       db, "-k", "test_unmarked or test_copied_within", SUITE_PY, NULL};
    status = th_run(fromini, env, out, sizeof out);
    EXITED(status, 1);
    ENDS("test_unmarked", "FAILED");     /* two copies: 200 MiB over the ini's 150 MiB */
    ENDS("test_copied_within", "PASSED"); /* its marker allows 200 MB */
    HAS("memtrace budget max_copied='150M' broken: copied 200 MiB exceeds --max-copied 150 MiB");
}
END_TEST

/* pytest-xdist: each worker is a traced child writing its own database, and
 * judges its own tests in it (Debian's python3-pytest-xdist) */
START_TEST(xdist_workers_judge_their_tests)
{
    char *dir = th_tempdir(), db[256];
    snprintf(db, sizeof db, "%s/xdist.db", dir);
    char *argv[] = {MT_BUILD_DIR "/memtrace", "run", "-q", "-o", db, "--", "/usr/bin/python3",
                    "-m", "pytest", "-p", "memtrace.pytest_plugin", "-p", "no:cacheprovider",
                    "-n", "2", "-q", "-rA", "-k", "extra_copies or peak", SUITE_PY, NULL};
    int status = th_run(argv, env, out, sizeof out);
    EXITED(status, 1);
    HAS("[gw"); /* the workers ran the tests */
    ENDS("test_extra_copies_within", "PASSED");
    ENDS("test_extra_copies_over", "FAILED");
    ENDS("test_peak_within", "PASSED");
    ENDS("test_peak_over", "FAILED");
    HAS("2 failed, 2 passed");
    HAS("memtrace budget max_extra_copies=0 broken: extra copies 1 exceed --max-extra-copies 0\n"
        "the largest copy (memmove of 100.0 MiB), at:\n");
    HAS("    test_extra_copies_over (" SUITE_PY ":24)\n");
    /* the controller lists them from the workers' traces */
    HAS(" memtrace: the 4 tests that copied most =");
    HAS("::test_extra_copies_over: copied 100.0 MiB in 1 copy, 1 extra copy, 1 stall, peak ");
    HAS("every test's figures: memtrace-report ");
}
END_TEST

/* make install registers the plugin with pytest (an entry point named as
 * its module): `pytest --memtrace` needs no -p, and an explicit -p still
 * works beside it */
START_TEST(installed_plugin_needs_no_p)
{
    char *dir = th_tempdir(), destdir[300], build[300], db[300];
    snprintf(destdir, sizeof destdir, "DESTDIR=%s", dir);
    snprintf(build, sizeof build, "BUILD=%s", MT_BUILD_DIR);
    char *install[] = {"/usr/bin/make", "-s", "-C", MT_SOURCE_DIR, "install", destdir,
                       "PREFIX=/usr", build, NULL};
    int status = th_run(install, NULL, out, sizeof out);
    EXITED(status, 0);
    char pypath[400], path[400];
    snprintf(pypath, sizeof pypath, "PYTHONPATH=%s/usr/lib/python3/dist-packages", dir);
    snprintf(path, sizeof path, "PATH=%s/usr/bin:/usr/bin:/bin", dir);
    char *installed[] = {pypath, path, NULL};
    snprintf(db, sizeof db, "%s/installed.db", dir);
    char *bare[] = {"/usr/bin/python3", "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA",
                    "--memtrace", "--memtrace-db", db, "-k", "extra_copies", SUITE_PY, NULL};
    status = th_run(bare, installed, out, sizeof out);
    EXITED(status, 1);
    ENDS("test_extra_copies_within", "PASSED");
    ENDS("test_extra_copies_over", "FAILED");
    char *both[] = {"/usr/bin/python3", "-m", "pytest", "-p", "memtrace.pytest_plugin", "-p",
                    "no:cacheprovider", "-q", "-rA", "--memtrace", "--memtrace-db", db, "-k",
                    "extra_copies_over", SUITE_PY, NULL};
    status = th_run(both, installed, out, sizeof out);
    EXITED(status, 1);
    ENDS("test_extra_copies_over", "FAILED");
}
END_TEST

START_TEST(untraced_the_plugin_does_nothing)
{
    char *argv[] = {"/usr/bin/python3", "-m", "pytest", "-p", "memtrace.pytest_plugin", "-p",
                    "no:cacheprovider", "-q", "-rA", "-k", "over", SUITE_PY, NULL};
    int status = th_run(argv, env, out, sizeof out);
    EXITED(status, 0);
    ENDS("test_extra_copies_over", "PASSED");
    ENDS("test_peak_over", "PASSED");
    ENDS("test_copied_over", "PASSED");
    ENDS("test_stalls_over", "PASSED");
    ck_assert_ptr_null(strstr(out, "copied most"));
}
END_TEST

Suite *pytest_suite(void)
{
    Suite *s = suite_create("pytest");
    TCase *t = tcase_create("pytest");
    tcase_set_timeout(t, 400); /* a traced pytest with numpy, and an analysis per test */
    tcase_add_test(t, each_budget_passes_and_fails);
    tcase_add_test(t, project_defaults_from_the_command_line_and_the_ini);
    tcase_add_test(t, xdist_workers_judge_their_tests);
    tcase_add_test(t, installed_plugin_needs_no_p);
    tcase_add_test(t, untraced_the_plugin_does_nothing);
    suite_add_tcase(s, t);
    return s;
}
