/* `memtrace-report html`: analyzes a trace and writes the HTML page (see
 * report/html.h).  The page goes to FILE.tmp first and is renamed at the
 * end, so a failed run never leaves half a page under the name asked for;
 * errors name the page as the user knows it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/cli/commands.h"
#include "analyzer/cli/options.h"
#include "analyzer/grow.h"
#include "analyzer/report/html.h"

static const mtr_cli_cmd_t html_cmd = {"html", "RUN.db", 1, MTR_OPT(OUTPUT) | MTR_OPTS_ANALYSIS,
                                       0};

/* Writes the page to path ("-": standard output). */
static int write_page(const char *path, const mtr_report_t *r, mtr_frames_t *f)
{
    if (!strcmp(path, "-"))
        return mtr_html_write(stdout, r, f) < 0
                   ? mtr_cli_fail("cannot write the page: %s", strerror(errno))
                   : 0;
    size_t n = strlen(path) + 5;
    char *tmp = mtr_realloc(NULL, n, 1);
    snprintf(tmp, n, "%s.tmp", path);
    FILE *out = fopen(tmp, "w");
    int rc = 0;
    if (!out) { /* the user's name: the temporary one is ours */
        rc = mtr_cli_fail("%s: %s", path, strerror(errno));
    } else {
        int bad = mtr_html_write(out, r, f) < 0;
        int err = errno;
        if (fclose(out) != 0 && !bad) {
            bad = 1;
            err = errno;
        }
        if (bad || rename(tmp, path) != 0) {
            rc = mtr_cli_fail("%s: %s", path, strerror(bad ? err : errno));
            remove(tmp);
        }
    }
    free(tmp);
    return rc;
}

/* Without -o the page goes beside the trace: run.db -> run.html. */
static char *beside_trace(const char *db)
{
    size_t n = strlen(db);
    if (n > 3 && !strcmp(db + n - 3, ".db"))
        n -= 3;
    char *p = mtr_realloc(NULL, n + 6, 1);
    snprintf(p, n + 6, "%.*s.html", (int)n, db);
    return p;
}

int mtr_cmd_html(int argc, char **argv)
{
    mtr_cli_args_t a;
    mtr_loaded_t l;
    int parsed = mtr_cli_parse(&html_cmd, argc, argv, &a);
    if (parsed)
        return mtr_cli_exit(parsed);
    if (mtr_cli_load(a.paths[0], &a.analysis, 1, &l) < 0)
        return 2;
    char *beside = a.output ? NULL : beside_trace(a.paths[0]);
    int rc = write_page(a.output ? a.output : beside, &l.r, l.frames);
    mtr_cli_unload(&l);
    free(beside);
    return rc;
}
