/* The HTML report end to end: trace tests/fixtures/htmlfix.c, write its page,
 * open it in headless Chromium (tests/html/check.js, playwright-core pinned
 * in tests/html/package-lock.json) and check what the page shows against
 * the JSON report and the fixture's exact sizes.  A screenshot is left in
 * build/html-report.png. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyzer/cli/commands.h"
#include "analyzer/report/jsonw.h"
#include "tests/helpers.h"

#define HTML_DIR MT_SOURCE_DIR "/tests/html"
#define SHOT MT_BUILD_DIR "/html-report.png"
#define PAGE_COPY MT_BUILD_DIR "/html-report.html"

#define MARKUP "</script><b>x</b><!--"

/* htmlfix.c's sizes */
#define ALPHA (4ull << 20)
#define BETA (1000ull * 2048)
#define GAMMA (3ull << 20)
#define COPY (32ull << 20)
#define PEAK (ALPHA + BETA + GAMMA + 2 * COPY)

/* ---- reading outputs ---- */

/* The number after "key": in the JSON object that starts at `from`. */
static uint64_t json_u64(const char *json, const char *from, const char *key)
{
    const char *obj = strstr(json, from);
    ck_assert_msg(obj != NULL, "no %s in the JSON report", from);
    char k[128];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *v = strstr(obj, k);
    ck_assert_msg(v != NULL, "no %s in %s", key, from);
    return strtoull(v + strlen(k), NULL, 10);
}

/* The value of check.js's line "key value" (static copy), or NULL. */
static const char *fact(const char *out, const char *key)
{
    static char val[8192];
    size_t n = strlen(key);
    for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (!strncmp(l, key, n) && l[n] == ' ') {
            const char *e = strchr(l + n + 1, '\n');
            size_t len = e ? (size_t)(e - l - n - 1) : strlen(l + n + 1);
            if (len >= sizeof val)
                len = sizeof val - 1;
            memcpy(val, l + n + 1, len);
            val[len] = 0;
            return val;
        }
    return NULL;
}

static uint64_t fact_u64(const char *out, const char *key)
{
    const char *v = fact(out, key);
    ck_assert_msg(v != NULL, "the page check did not report %s:\n%s", key, out);
    return strtoull(v, NULL, 10);
}

static double fact_dbl(const char *out, const char *key)
{
    const char *v = fact(out, key);
    ck_assert_msg(v != NULL, "the page check did not report %s:\n%s", key, out);
    return strtod(v, NULL);
}

static void fact_str(const char *out, const char *key, const char *want)
{
    const char *v = fact(out, key);
    ck_assert_msg(v != NULL, "the page check did not report %s:\n%s", key, out);
    ck_assert_str_eq(v, want);
}

static void fact_has(const char *out, const char *key, const char *part)
{
    const char *v = fact(out, key);
    ck_assert_msg(v && strstr(v, part), "%s lacks \"%s\": %s", key, part, v ? v : "(none)");
}

/* ---- setup ---- */

static int sh(const char *cmd)
{
    char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    return th_run(argv, NULL, NULL, 0);
}

static void cleanup(char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    sh(cmd);
}

/* npm ci when node_modules is missing or older than the lockfile */
static void node_modules(void)
{
    struct stat lock, inst;
    ck_assert_int_eq(stat(HTML_DIR "/package-lock.json", &lock), 0);
    if (stat(HTML_DIR "/node_modules/.package-lock.json", &inst) == 0 &&
        inst.st_mtime >= lock.st_mtime)
        return;
    int st = sh("cd '" HTML_DIR "' && npm ci --no-audit --no-fund >&2");
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "npm ci failed in " HTML_DIR);
}

/* Traces the fixture into dir/run.db and writes dir/report.html; the JSON
 * report of the same trace goes into json. */
static void make_page(const char *dir, const char *arg, char *db, char *page, char *json,
                      size_t cap)
{
    snprintf(db, 4096, "%s/run.db", dir);
    snprintf(page, 4096, "%s/report.html", dir);
    /* markup in the command line must reach the page as text */
    char *fix[] = {FIXTURE("htmlfix"), (char *)arg, NULL};
    int st = th_trace(db, fix, NULL, 0);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "htmlfix failed: %d", st);
    char *rep[] = {MT_BUILD_DIR "/memtrace-report", db, "--json", "--stall-ms", "1", NULL};
    st = th_run(rep, NULL, json, cap);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "memtrace-report --json failed");
    /* the command itself, in-process, so this suite does not wait for the
     * CLI's dispatch and runs under the sanitizer with the library */
    char *html[] = {"html", db, "-o", page, "--stall-ms", "1", NULL};
    ck_assert_int_eq(mtr_cmd_html(6, html), 0);
}

/* ---- tests ---- */

START_TEST(page_in_chromium)
{
    char *dir = th_tempdir();
    char db[4096], page[4096];
    static char json[1 << 20], out[1 << 18];
    make_page(dir, MARKUP, db, page, json, sizeof json);
    uint64_t peak = json_u64(json, "\"peak\":", "total_bytes");
    uint64_t peak_t = json_u64(json, "\"peak\":", "time_ns");
    uint64_t allocated = json_u64(json, "\"totals\":", "allocated_bytes");
    ck_assert_uint_eq(peak, PEAK);

    struct stat ps;
    ck_assert_int_eq(stat(page, &ps), 0);
    ck_assert_int_lt(ps.st_size, 1 << 20);

    node_modules();
    unlink(SHOT);
    char *argv[] = {"/usr/bin/node", HTML_DIR "/check.js", page, SHOT,
                    "--frame", "htmlfix_alpha", "--frame", "htmlfix_beta",
                    "--frame", "htmlfix_gamma", "--frame", "htmlfix_make_source",
                    "--frame", "htmlfix_copy", "--frame", "htmlfix_churn",
                    "--frame", "htmlfix_flush", "--click", "htmlfix_beta",
                    "--search", "htmlfix_", NULL};
    int st = th_run(argv, NULL, out, sizeof out);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "check.js failed:\n%s", out);
    fact_str(out, "done", "1");

    /* markup from the trace is shown as text, never parsed */
    fact_has(out, "command", "htmlfix " MARKUP);
    ck_assert_uint_eq(fact_u64(out, "bold_in_header"), 0);

    /* a page that loads nothing and runs without an error */
    ck_assert_uint_eq(fact_u64(out, "console_errors"), 0);
    ck_assert_uint_eq(fact_u64(out, "external_requests"), 0);

    /* the chart: the peak marked at the peak's time, on the curve's top */
    ck_assert_uint_eq(fact_u64(out, "peak_time_ns"), peak_t);
    ck_assert_uint_eq(fact_u64(out, "peak_bytes"), peak);
    ck_assert_double_lt(fact_dbl(out, "peak_x_error"), 0.5);
    ck_assert_uint_eq(fact_u64(out, "timeline_max_t"), peak_t);
    ck_assert_uint_eq(fact_u64(out, "timeline_max_bytes"), peak);

    /* copies and stalls on the timeline, with their stacks on hover */
    ck_assert_uint_eq(fact_u64(out, "copy_marks"), 2);
    ck_assert_uint_eq(fact_u64(out, "copy_mark_bytes"), COPY);
    fact_has(out, "copy_tooltip", "32.0 MiB");
    fact_has(out, "copy_tooltip", "htmlfix_copy (htmlfix.c:");
    fact_has(out, "copy_tooltip", "from 32.0 MiB heap block allocated at htmlfix_make_source");
    fact_str(out, "stall_kinds", "accumulator-flush,large-copy");
    fact_has(out, "stall_tooltip", "htmlfix_copy (htmlfix.c:");
    ck_assert_uint_eq(fact_u64(out, "copy_rows"), 2);
    ck_assert_uint_eq(fact_u64(out, "stall_rows"), 2);

    /* the flamegraph at the peak: the root is the JSON report's peak, each
     * function holds exactly what the fixture left live */
    fact_str(out, "flame_view", "peak");
    ck_assert_uint_eq(fact_u64(out, "flame_root_bytes"), peak);
    ck_assert_uint_eq(fact_u64(out, "frame peak htmlfix_alpha"), ALPHA);
    ck_assert_uint_eq(fact_u64(out, "frame peak htmlfix_beta"), BETA);
    ck_assert_uint_eq(fact_u64(out, "frame peak htmlfix_gamma"), GAMMA);
    ck_assert_uint_eq(fact_u64(out, "frame peak htmlfix_make_source"), COPY);
    ck_assert_uint_eq(fact_u64(out, "frame peak htmlfix_copy"), COPY);
    fact_str(out, "frame peak htmlfix_churn", "-1");
    fact_str(out, "frame peak htmlfix_flush", "-1");
    fact_has(out, "frame_tooltip", "1000 live allocations");

    /* a click zooms: the frame becomes the view's whole width; reset undoes it */
    fact_str(out, "zoom_name", "htmlfix_beta");
    ck_assert_uint_eq(fact_u64(out, "zoom_bytes"), BETA);
    ck_assert_double_eq_tol(fact_dbl(out, "zoom_frame_width"), fact_dbl(out, "flame_width"),
                            0.01);
    fact_str(out, "unzoom_name", "-");

    /* search: the five functions, which together are the whole peak */
    ck_assert_uint_eq(fact_u64(out, "search_frames"), 5);
    ck_assert_uint_eq(fact_u64(out, "search_highlighted"), 5);
    ck_assert_uint_eq(fact_u64(out, "search_bytes"), peak);

    /* the whole run: every allocation plus the anonymous mapping */
    fact_str(out, "allocated_view", "allocated");
    ck_assert_uint_eq(fact_u64(out, "allocated_root_bytes"), allocated + GAMMA);
    ck_assert_uint_eq(fact_u64(out, "frame allocated htmlfix_churn"), 50ull << 20);
    ck_assert_uint_eq(fact_u64(out, "frame allocated htmlfix_flush"), 2ull << 20);
    ck_assert_uint_eq(fact_u64(out, "frame allocated htmlfix_alpha"), ALPHA);

    /* the screenshot is a PNG */
    FILE *f = fopen(SHOT, "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char magic[8];
    ck_assert_int_eq(fread(magic, 1, 8, f), 8);
    fclose(f);
    ck_assert_int_eq(memcmp(magic, "\x89PNG\r\n\x1a\n", 8), 0);
    /* the page beside its screenshot, for a person to open */
    char cp[8400];
    snprintf(cp, sizeof cp, "cp '%s' '" PAGE_COPY "'", page);
    sh(cp);
    cleanup(dir);
}
END_TEST

/* The page is one file: the data's '<' cannot end its script element. */
/* A Python program's page: its frames coloured apart, found by file name,
 * and the toggle that leaves the Python frames and drops the interpreter's
 * without losing a byte. */
START_TEST(python_page)
{
    char *dir = th_tempdir();
    char db[4096], page[4096], output[4200];
    static char out[1 << 18];
    snprintf(db, sizeof db, "%s/py.db", dir);
    snprintf(page, sizeof page, "%s/py.html", dir);
    snprintf(output, sizeof output, "MEMTRACE_OUTPUT=%s", db);
    char *env[] = {"LD_PRELOAD=" PRELOAD_LIB, output, NULL};
    char *py[] = {"/usr/bin/python3.11", MT_SOURCE_DIR "/tests/python/deep.py", NULL};
    ck_assert_int_eq(th_run(py, env, NULL, 0), 0);
    char *html[] = {"html", db, "-o", page, NULL};
    ck_assert_int_eq(mtr_cmd_html(4, html), 0);
    node_modules();
    char *argv[] = {"/usr/bin/node", HTML_DIR "/check.js", page, SHOT, "--frame", "first",
                    "--frame", "_PyEval_EvalFrameDefault", "--search", "deep.py",
                    "--hide", "1", NULL};
    int st = th_run(argv, NULL, out, sizeof out);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "check.js failed:\n%s", out);
    fact_str(out, "done", "1");
    ck_assert_uint_eq(fact_u64(out, "console_errors"), 0);
    /* at the peak first() holds its bytearray and the bytes copied from it */
    uint64_t first = fact_u64(out, "frame peak first");
    ck_assert_uint_ge(first, 2u << 20);
    ck_assert_uint_gt(fact_u64(out, "frame peak _PyEval_EvalFrameDefault"), 0);
    /* deep.py's four functions match by file; the interpreter's frames go,
     * the Python frames keep every byte */
    ck_assert_uint_ge(fact_u64(out, "search_frames"), 4);
    fact_str(out, "frame lean _PyEval_EvalFrameDefault", "-1");
    ck_assert_uint_eq(fact_u64(out, "frame lean first"), first);
    ck_assert_uint_eq(fact_u64(out, "lean_root_bytes"), fact_u64(out, "flame_root_bytes"));
    cleanup(dir);
}
END_TEST

START_TEST(page_is_self_contained)
{
    char *dir = th_tempdir();
    char db[4096], page[4096];
    static char json[1 << 20];
    make_page(dir, MARKUP, db, page, json, sizeof json);
    FILE *f = fopen(page, "r");
    ck_assert_ptr_nonnull(f);
    static char html[1 << 20];
    size_t n = fread(html, 1, sizeof html - 1, f);
    fclose(f);
    html[n] = 0;
    /* two script elements (data, code), one style, no reference outside */
    int scripts = 0;
    for (const char *p = html; (p = strstr(p, "</script>")); p++)
        scripts++;
    ck_assert_int_eq(scripts, 2);
    ck_assert_ptr_null(strstr(html, " src="));
    ck_assert_ptr_null(strstr(html, "<link"));
    const char *data = strstr(html, "id=\"mtr-data\">");
    ck_assert_ptr_nonnull(data);
    ck_assert_ptr_null(memchr(data + 14, '<', (size_t)(strstr(data, "</script>") - data - 14)));
    cleanup(dir);
}
END_TEST

/* Command lines and file names are bytes: each byte of an ill-formed UTF-8
 * sequence becomes U+FFFD, well-formed characters pass as they are. */
START_TEST(strings_are_utf8)
{
    char buf[256] = {0};
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    ck_assert_ptr_nonnull(f);
    mtr_jsonw_t w;
    mtr_jw_init(&w, f);
    /* Latin-1 e-acute, the euro sign, a surrogate, an overlong '/', a
     * 4-byte sequence cut short by the end */
    mtr_jw_str(&w, "caf\xe9 \xe2\x82\xac \xed\xa0\x80 \xc0\xaf \xf0\x9f\x98");
    fclose(f);
    ck_assert_str_eq(buf, "\"caf\\ufffd \xe2\x82\xac \\ufffd\\ufffd\\ufffd \\ufffd\\ufffd "
                          "\\ufffd\\ufffd\\ufffd\"");

    /* end to end: a strict decoder reads the JSON report and the page */
    char *dir = th_tempdir();
    char db[4096], page[4096], py[4200], jpath[4200];
    static char json[1 << 20];
    make_page(dir, "caf\xe9", db, page, json, sizeof json);
    snprintf(jpath, sizeof jpath, "%s/report.json", dir);
    f = fopen(jpath, "w");
    ck_assert_ptr_nonnull(f);
    fputs(json, f);
    fclose(f);
    snprintf(py, sizeof py, "%s/check.py", dir);
    f = fopen(py, "w");
    ck_assert_ptr_nonnull(f);
    fputs("import json, sys\n"
          "def cmd(text):\n"
          "    c = json.loads(text)['command']\n"
          "    assert c.endswith('htmlfix caf\\ufffd'), ascii(c)\n"
          "cmd(open(sys.argv[1], 'rb').read().decode('utf-8'))\n"
          "page = open(sys.argv[2], 'rb').read().decode('utf-8')\n"
          "data = page.split('id=\"mtr-data\">', 1)[1].split('</script>', 1)[0]\n"
          "cmd(data)\n",
          f);
    fclose(f);
    char *argv[] = {"/usr/bin/python3", py, jpath, page, NULL};
    char out[4096];
    int st = th_run(argv, NULL, out, sizeof out);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a strict decoder refused: %s", out);
    cleanup(dir);
}
END_TEST

START_TEST(bad_input)
{
    char *dir = th_tempdir();
    char missing[4096], page[4096];
    snprintf(missing, sizeof missing, "%s/none.db", dir);
    snprintf(page, sizeof page, "%s/x.html", dir);
    char *no_db[] = {"html", missing, "-o", page, NULL};
    ck_assert_int_eq(mtr_cmd_html(4, no_db), 2);
    ck_assert_int_eq(access(page, F_OK), -1);
    char *no_out[] = {"html", missing, NULL};
    ck_assert_int_eq(mtr_cmd_html(2, no_out), 2);
    char *bad_opt[] = {"html", missing, "-o", page, "--stall-ms", "soon", NULL};
    ck_assert_int_eq(mtr_cmd_html(6, bad_opt), 2);
    cleanup(dir);
}
END_TEST

Suite *html_suite(void)
{
    Suite *s = suite_create("html");
    TCase *tc = tcase_create("html");
    /* tracing, Chromium's start and a first npm ci take a while */
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, strings_are_utf8);
    tcase_add_test(tc, page_is_self_contained);
    tcase_add_test(tc, page_in_chromium);
    tcase_add_test(tc, python_page);
    suite_add_tcase(s, tc);
    return s;
}
