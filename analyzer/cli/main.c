/* memtrace-report: the thin command line over libmtr.
 *   memtrace-report [report] RUN.db [--json] [options]
 *   memtrace-report diff BASE.db RUN.db | gate RUN.db ...   (commands.h)
 *   memtrace-report html RUN.db -o FILE                     (html.h)
 * Exit 0 on success, 2 when the input cannot be read or the usage is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/model/analyze.h"
#include "analyzer/cli/commands.h"
#include "analyzer/report/html.h"
#include "analyzer/report/json.h"
#include "analyzer/report/text.h"

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
        int rc = mtr_cli_analysis_option(argc, argv, &i, &opt);
        if (rc == 2)
            return 2;
        if (rc == 1)
            continue;
        if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--top") && i + 1 < argc) {
            if (parse_num(argv[++i], &v) < 0) {
                fprintf(stderr, "memtrace-report: --top %s: not a number\n", argv[i]);
                return 2;
            }
            top = (size_t)v;
        } else if (a[0] == '-' || path) {
            return usage();
        } else {
            path = a;
        }
    }
    if (!path)
        return usage();
    mtr_loaded_t l;
    if (mtr_cli_load(path, &opt, &l) < 0)
        return 2;
    mtr_frames_t *f = mtr_frames_open(l.trace);
    if (json)
        mtr_json_report(stdout, &l.r, f, top);
    else
        mtr_text_report(stdout, &l.r, f, top);
    mtr_frames_close(f);
    mtr_cli_unload(&l);
    return 0;
}
