/* memtrace-report: the thin command line over libmtr.  The first argument
 * names the subcommand (cli/commands.h); anything else is the plain report,
 * so `memtrace-report RUN.db` and `memtrace-report report RUN.db` are one. */
#include <stdio.h>
#include <string.h>

#include "analyzer/cli/commands.h"
#include "format/meta.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"report", mtr_cmd_report},
    {"diff", mtr_cmd_diff},
    {"gate", mtr_cmd_gate},
    {"html", mtr_cmd_html},
    {"tree", mtr_cmd_tree},
};

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--version")) {
        printf("memtrace-report %s\n", MT_TOOL_VERSION + sizeof "memtrace");
        return 0;
    }
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
        printf("usage: memtrace-report [report|diff|gate|html|tree] ... (each takes --help)\n\n");
    for (size_t i = 0; argc > 1 && i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    return mtr_cmd_report(argc, argv);
}
