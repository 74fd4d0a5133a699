/* `memtrace-report html`: analyzes a trace and writes the HTML page (see
 * html.h).  The page goes to FILE.tmp first and is renamed at the end, so a
 * failed run never leaves half a page under the name asked for. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/grow.h"
#include "analyzer/model/analyze.h"
#include "analyzer/cli/commands.h"
#include "analyzer/report/html.h"

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

/* Writes the page to path ("-": standard output). */
static int write_page(const char *path, const mtr_report_t *r, mtr_frames_t *f)
{
    if (!strcmp(path, "-"))
        return mtr_html_write(stdout, r, f) < 0 ? fail("cannot write the page", strerror(errno))
                                                 : 0;
    size_t n = strlen(path) + 5;
    char *tmp = mtr_realloc(NULL, n, 1);
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
        int rc = mtr_cli_analysis_option(argc, argv, &i, &opt);
        if (rc == 2)
            return 2;
        if (rc == 1)
            continue;
        if (!strcmp(a, "-o") && i + 1 < argc)
            out = argv[++i];
        else if ((a[0] == '-' && a[1]) || path)
            return usage();
        else
            path = a;
    }
    if (!path || !out)
        return usage();
    mtr_loaded_t l;
    if (mtr_cli_load(path, &opt, &l) < 0)
        return 2;
    mtr_frames_t *f = mtr_frames_open(l.trace);
    int rc = write_page(out, &l.r, f);
    mtr_frames_close(f);
    mtr_cli_unload(&l);
    return rc;
}
