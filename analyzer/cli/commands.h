/* The subcommands of memtrace-report beyond the plain report, as functions
 * so main.c only dispatches and tests can run them in-process.  argv[0] is
 * the subcommand's name; each parses its options, prints, and returns the
 * process exit code.
 *
 *   memtrace-report diff BASE.db RUN.db [--json] [--top N] [ANALYSIS]
 *     what changed from BASE to RUN (diff.h documents the JSON); exit 0,
 *     or 2 with one line on stderr when the usage or an input is wrong.
 *   memtrace-report gate RUN.db [--max-peak SIZE] [--max-extra-copies N]
 *                   [--max-stalls N] [--baseline BASE.db --tolerance PCT] [ANALYSIS]
 *     exit 0 within every budget; 1 with one line per exceeded budget on
 *     stdout; 2 with one line on stderr when the usage or an input is wrong
 *     (at least one budget is required).
 *
 * ANALYSIS: --payload SIZE, --stall-ms MS, --flush-pieces N, applied to
 * both databases alike.  SIZE: bytes or 150K/150M/1G (powers of 1024). */
#ifndef MTR_CLI_COMMANDS_H
#define MTR_CLI_COMMANDS_H

#include "analyzer/model/analyze.h"
#include "analyzer/load/trace.h"

int mtr_cmd_diff(int argc, char **argv);
int mtr_cmd_gate(int argc, char **argv);

/* Shared by every command (main.c, cmd_html.c too). */

/* ANALYSIS options: 1 when argv[*i] was one (consumed with its value), 0
 * when it was not, 2 after printing one line (exit with it). */
int mtr_cli_analysis_option(int argc, char **argv, int *i, mtr_options_t *opt);

/* Opens and analyzes a trace: 0, or -1 after printing one line.  A warning
 * (incomplete trace) is printed and is not a failure. */
typedef struct mtr_loaded {
    mtr_trace_t *trace;
    mtr_report_t r;
} mtr_loaded_t;
int mtr_cli_load(const char *path, const mtr_options_t *opt, mtr_loaded_t *l);
void mtr_cli_unload(mtr_loaded_t *l);

#endif
