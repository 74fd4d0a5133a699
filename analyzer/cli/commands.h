/* The subcommands of memtrace-report, as functions so that main.c only
 * dispatches and tests can run them in-process.  argv[0] is the
 * subcommand's name (or the program's, for the plain report); each parses
 * its options (cli/options.h), prints, and returns the exit status.
 *
 *   memtrace-report [report] RUN.db [--json] [--top N] [ANALYSIS]
 *     the report (README "Read a trace", report/json.h for the JSON)
 *   memtrace-report diff BASE.db RUN.db [--json] [--top N] [ANALYSIS]
 *     what changed from BASE to RUN (report/diff_print.h documents the JSON)
 *   memtrace-report gate RUN.db [--max-peak SIZE] [--max-extra-copies N]
 *                   [--max-stalls N] [--baseline BASE.db --tolerance PCT] [ANALYSIS]
 *     0 within every budget (at least one is required); 1 with one line per
 *     exceeded budget on stdout
 *   memtrace-report html RUN.db -o FILE [ANALYSIS]
 *     the page (report/html.h) to FILE, or to stdout for "-"
 *
 * ANALYSIS: --payload SIZE, --stall-ms MS, --flush-pieces N, applied to
 * every trace alike.  --top 0 lists everything.  A usage error or an input
 * that cannot be read is one line on stderr and exit status 2. */
#ifndef MTR_CLI_COMMANDS_H
#define MTR_CLI_COMMANDS_H

#include "analyzer/load/trace.h"
#include "analyzer/model/analyze.h"

int mtr_cmd_report(int argc, char **argv);
int mtr_cmd_diff(int argc, char **argv);
int mtr_cmd_gate(int argc, char **argv);
int mtr_cmd_html(int argc, char **argv);

/* A trace opened and analyzed, for the subcommands. */
typedef struct mtr_loaded {
    mtr_trace_t *trace;
    mtr_report_t r;
} mtr_loaded_t;

/* 0, or -1 after printing one line.  A warning (an incomplete trace) is
 * printed and is not a failure. */
int mtr_cli_load(const char *path, const mtr_options_t *opt, mtr_loaded_t *l);
void mtr_cli_unload(mtr_loaded_t *l);

#endif
