/* The help of each subcommand: its usage, then every option it takes with
 * what it does and its default, on stdout.  The texts are indexed by option;
 * tests/test_cli.c fails for an option of MTR_CLI_OPTIONS without its line. */
#include <stdio.h>

#include "analyzer/cli/options.h"

static const struct {
    const char *what, *def;
} help[] = {
    [MTR_OPT_OUTPUT] = {"file to write; - is standard output", "RUN.html beside RUN.db"},
    [MTR_OPT_JSON] = {"print one JSON object instead of text", "off"},
    [MTR_OPT_TOP] = {"stacks and copies listed per list; 0 lists all", "10"},
    [MTR_OPT_UNGROUPED] = {"copies and stalls one by one instead of in groups", "off"},
    [MTR_OPT_ALL_FRAMES] = {"show interpreter and allocator frames too", "off"},
    [MTR_OPT_MAX_PEAK] = {"budget: peak memory (heap + anonymous mappings)", "none"},
    [MTR_OPT_MAX_EXTRA_COPIES] = {"budget: extra copies of the payload", "none"},
    [MTR_OPT_MAX_STALLS] = {"budget: stalls of every kind together", "none"},
    [MTR_OPT_MAX_COPIED] = {"budget: bytes copied by large copies and gathers", "none"},
    [MTR_OPT_BASELINE] = {"compare with this run (needs --tolerance)", "none"},
    [MTR_OPT_TOLERANCE] = {"allowed growth over the baseline, percent", "none"},
    [MTR_OPT_PAYLOAD] = {"the payload's size", "the largest single allocation"},
    [MTR_OPT_STALL_MS] = {"a copy at least this long is a stall", "5"},
    [MTR_OPT_FLUSH_PIECES] = {"a gather of this many pieces can be an accumulator flush",
                              "1000"},
    [MTR_OPT_REGION] = {"report only the region(s) of this name (memtrace.h)", "the whole run"},
};
_Static_assert(sizeof help / sizeof help[0] == MTR_OPTS, "an option has no help line");

const char *mtr_cli_option_help(int i, const char **def)
{
    *def = help[i].def;
    return help[i].what;
}

void mtr_cli_help(const mtr_cli_cmd_t *cmd)
{
    printf("usage: memtrace-report %s %s [OPTIONS]\n\noptions:\n", cmd->name, cmd->paths);
    for (int i = 0; i < MTR_OPTS; i++) {
        if (!(cmd->takes & (1ull << i)))
            continue;
        const char *metavar, *name = mtr_cli_option_name(i, &metavar);
        char opt[64];
        snprintf(opt, sizeof opt, "%s%s%s", name, metavar ? " " : "", metavar ? metavar : "");
        printf("  %-22s %s (default: %s)\n", opt, help[i].what, help[i].def);
    }
    printf("  %-22s %s\n", "-h, --help", "this help");
}
