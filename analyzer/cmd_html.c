/* `memtrace-report html`: analyzes a trace and writes the HTML page (see
 * html.h).  The page goes to FILE.tmp first and is renamed at the end, so a
 * failed run never leaves half a page under the name asked for. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "config.h"
#include "html.h"

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "memtrace-report html: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    return 2;
}

static int usage(void)
{
    return fail("usage: memtrace-report html RUN.db -o FILE [--payload SIZE] [--stall-ms MS]"
                " [--flush-pieces N]", NULL);
}

static int parse_num(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && !*end && *out >= 0 ? 0 : -1;
}

/* Writes the page to path ("-": standard output). */
static int write_page(const char *path, const mtr_report_t *r, mtr_frames_t *f)
{
    if (!strcmp(path, "-"))
        return mtr_html_write(stdout, r, f) < 0 ? fail("cannot write the page", strerror(errno))
                                                 : 0;
    size_t n = strlen(path) + 5;
    char *tmp = malloc(n);
    if (!tmp)
        abort();
    snprintf(tmp, n, "%s.tmp", path);
    FILE *out = fopen(tmp, "w");
    int rc = 0;
    if (!out) {
        rc = fail(tmp, strerror(errno));
    } else {
        int bad = mtr_html_write(out, r, f) < 0;
        int err = errno;
        if (fclose(out) != 0 && !bad) {
            bad = 1;
            err = errno;
        }
        if (bad || rename(tmp, path) != 0) {
            rc = fail(path, strerror(bad ? err : errno));
            remove(tmp);
        }
    }
    free(tmp);
    return rc;
}

int mtr_cmd_html(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    mtr_options_t opt;
    mtr_options_default(&opt);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double v;
        if (!strcmp(a, "-o") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(a, "--payload") && i + 1 < argc) {
            if (mt_parse_size(argv[++i], &opt.payload) < 0 || !opt.payload)
                return fail("--payload: not a size", argv[i]);
        } else if ((!strcmp(a, "--stall-ms") || !strcmp(a, "--flush-pieces")) && i + 1 < argc) {
            if (parse_num(argv[++i], &v) < 0)
                return fail("not a number", argv[i]);
            if (a[2] == 's')
                opt.stall_ms = v;
            else
                opt.flush_pieces = (uint64_t)v;
        } else if ((a[0] == '-' && a[1]) || path) {
            return usage();
        } else {
            path = a;
        }
    }
    if (!path || !out)
        return usage();
    char err[1024];
    mtr_db_t *db = mtr_db_open(path, err, sizeof err);
    if (!db)
        return fail(err, NULL);
    mtr_report_t r;
    if (mtr_analyze(db, &opt, &r, err, sizeof err) < 0) {
        mtr_db_close(db);
        return fail(err, NULL);
    }
    if (r.warning[0])
        fprintf(stderr, "memtrace-report html: warning: %s\n", r.warning);
    mtr_frames_t *f = mtr_frames_open(db);
    int rc = write_page(out, &r, f);
    mtr_frames_close(f);
    mtr_report_free(&r);
    mtr_db_close(db);
    return rc;
}
