/* The subcommands of memtrace-report, as functions so that main.c only
 * dispatches and tests can run them in-process.  argv[0] is the
 * subcommand's name (or the program's, for the plain report); each parses
 * the options its mtr_cli_cmd_t names (cli/options.h, which also prints
 * them as its usage line), prints, and returns the exit status:
 *
 *   report RUN.db         the report (README "Read a trace"; report/json.h)
 *   diff BASE.db RUN.db   what changed from BASE to RUN (report/diff_print.h)
 *   gate RUN.db           0 within every budget given (at least one is
 *                         needed), 1 with one line per exceeded budget
 *   html RUN.db [-o FILE] the page (report/html.h) in FILE, "-" standard
 *                         output, by default RUN.html beside RUN.db
 *   tree RUN.db           the run's process tree, each process summed up
 *                         (report/tree_print.h; cmd_tree.c)
 *
 * The analysis options (--region among them) apply to every trace of a
 * command alike; -h/--help prints the command's options (cli/help.c).  A usage
 * error or an input that cannot be read is one line on stderr and exit
 * status 2. */
#ifndef MTR_CLI_COMMANDS_H
#define MTR_CLI_COMMANDS_H

#include "analyzer/load/trace.h"
#include "analyzer/model/analyze.h"
#include "analyzer/symbolize/frames.h"

int mtr_cmd_report(int argc, char **argv);
int mtr_cmd_diff(int argc, char **argv);
int mtr_cmd_gate(int argc, char **argv);
int mtr_cmd_html(int argc, char **argv);
int mtr_cmd_tree(int argc, char **argv);

/* A trace opened and analyzed, for the subcommands. */
typedef struct mtr_loaded {
    mtr_trace_t *trace;
    mtr_report_t r;
    mtr_frames_t *frames; /* NULL unless asked for: only printed stacks need them */
} mtr_loaded_t;

/* 0, or -1 after printing one line.  A warning (an incomplete trace) is
 * printed and is not a failure.  Unloading writes the symbols the frames
 * found to the trace's cache. */
int mtr_cli_load(const char *path, const mtr_options_t *opt, int frames, mtr_loaded_t *l);
void mtr_cli_unload(mtr_loaded_t *l);

#endif
