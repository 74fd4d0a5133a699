/* memtrace-report: the thin command line over libmtr.
 *   memtrace-report [report] RUN.db [--json] [options]
 *   memtrace-report diff BASE.db RUN.db | gate RUN.db ...   (commands.h)
 *   memtrace-report html RUN.db -o FILE                     (html.h)
 * Exit 0 on success, 2 when the input cannot be read or the usage is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "commands.h"
#include "html.h"
#include "config.h"
#include "json.h"
#include "text.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: memtrace-report [report] RUN.db [--json] [--payload SIZE] [--stall-ms MS]\n"
            "                       [--flush-pieces N] [--top N]\n"
            "       memtrace-report diff BASE.db RUN.db [--json] [--top N]\n"
            "       memtrace-report gate RUN.db [--max-peak SIZE] [--max-extra-copies N]\n"
            "                       [--max-stalls N] [--baseline BASE.db --tolerance PCT]\n"
            "       memtrace-report html RUN.db -o FILE [--payload SIZE] [--stall-ms MS]\n"
            "                       [--flush-pieces N]\n");
    return 2;
}

static int parse_num(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && !*end && *out >= 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "diff"))
        return mtr_cmd_diff(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "gate"))
        return mtr_cmd_gate(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "html"))
        return mtr_cmd_html(argc - 1, argv + 1);
    int i = 1;
    if (i < argc && strcmp(argv[i], "report") == 0)
        i++;
    const char *path = NULL;
    int json = 0;
    size_t top = 10;
    mtr_options_t opt;
    mtr_options_default(&opt);
    for (; i < argc; i++) {
        const char *a = argv[i];
        double v;
        if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--payload") && i + 1 < argc) {
            if (mt_parse_size(argv[++i], &opt.payload) < 0 || !opt.payload) {
                fprintf(stderr, "memtrace-report: --payload %s: not a size\n", argv[i]);
                return 2;
            }
        } else if ((!strcmp(a, "--stall-ms") || !strcmp(a, "--flush-pieces") ||
                    !strcmp(a, "--top")) && i + 1 < argc) {
            if (parse_num(argv[++i], &v) < 0) {
                fprintf(stderr, "memtrace-report: %s %s: not a number\n", a, argv[i]);
                return 2;
            }
            if (a[2] == 's')
                opt.stall_ms = v;
            else if (a[2] == 'f')
                opt.flush_pieces = (uint64_t)v;
            else
                top = (size_t)v;
        } else if (a[0] == '-' || path) {
            return usage();
        } else {
            path = a;
        }
    }
    if (!path)
        return usage();
    char err[1024];
    mtr_db_t *db = mtr_db_open(path, err, sizeof err);
    if (!db) {
        fprintf(stderr, "memtrace-report: %s\n", err);
        return 2;
    }
    mtr_report_t r;
    if (mtr_analyze(db, &opt, &r, err, sizeof err) < 0) {
        fprintf(stderr, "memtrace-report: %s\n", err);
        mtr_db_close(db);
        return 2;
    }
    if (r.warning[0])
        fprintf(stderr, "memtrace-report: warning: %s\n", r.warning);
    mtr_frames_t *f = mtr_frames_open(db);
    if (json)
        mtr_json_report(stdout, &r, f, top);
    else
        mtr_text_report(stdout, &r, f, top);
    mtr_frames_close(f);
    mtr_report_free(&r);
    mtr_db_close(db);
    return 0;
}
