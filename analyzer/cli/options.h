/* The one option parser of memtrace-report.  Every option of every
 * subcommand is one row of MTR_CLI_OPTIONS; a subcommand says which rows it
 * takes and how many paths (mtr_cli_cmd_t), and both its parser and its
 * usage line are expanded from that.  Errors are one line on stderr and
 * exit status 2. */
#ifndef MTR_CLI_OPTIONS_H
#define MTR_CLI_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/model/analyze.h"
#include "analyzer/model/gate.h"

/* Stacks and copies listed per list unless --top says (0: all). */
#define MTR_CLI_TOP 10

/* What follows an option on the command line. */
typedef enum mtr_cli_value {
    MTR_VAL_FLAG,    /* nothing */
    MTR_VAL_COUNT,   /* a whole number: 0, 1, 2, ... */
    MTR_VAL_SIZE,    /* bytes: 150M, 1G, 4096 (format/size.h) */
    MTR_VAL_REAL,    /* a number: 5, 0.5 */
    MTR_VAL_PERCENT, /* a number, "%" allowed after it: 10, 2.5% */
    MTR_VAL_PATH,    /* a file name */
} mtr_cli_value_t;

/* X(NAME, "option", VALUE, "METAVAR", least, field of mtr_cli_args_t): a
 * number below `least` is refused (--payload 0 would silently mean "the
 * largest allocation").  The usage lines list options in this order. */
#define MTR_CLI_OPTIONS(X)                                                                 \
    X(OUTPUT, "-o", PATH, "FILE", 0, output)                                               \
    X(JSON, "--json", FLAG, NULL, 0, json)                                                 \
    X(TOP, "--top", COUNT, "N", 0, top)                                                    \
    X(UNGROUPED, "--ungrouped", FLAG, NULL, 0, ungrouped)                                  \
    X(ALL_FRAMES, "--all-frames", FLAG, NULL, 0, all_frames)                               \
    X(MAX_PEAK, "--max-peak", SIZE, "SIZE", 0, budgets.max_peak)                           \
    X(MAX_EXTRA_COPIES, "--max-extra-copies", COUNT, "N", 0, budgets.max_extra_copies)     \
    X(MAX_STALLS, "--max-stalls", COUNT, "N", 0, budgets.max_stalls)                       \
    X(BASELINE, "--baseline", PATH, "BASE.db", 0, baseline)                                \
    X(TOLERANCE, "--tolerance", PERCENT, "PCT", 0, budgets.tolerance_pct)                  \
    X(PAYLOAD, "--payload", SIZE, "SIZE", 1, analysis.payload)                             \
    X(STALL_MS, "--stall-ms", REAL, "MS", 0, analysis.stall_ms)                            \
    X(FLUSH_PIECES, "--flush-pieces", COUNT, "N", 0, analysis.flush_pieces)

enum {
#define X(name, option, value, metavar, least, field) MTR_OPT_##name,
    MTR_CLI_OPTIONS(X)
#undef X
    MTR_OPTS
};
/* The bit of option NAME in a set of options. */
#define MTR_OPT(name) (1ull << MTR_OPT_##name)
/* The options that tune the analysis, for every subcommand that analyzes. */
#define MTR_OPTS_ANALYSIS (MTR_OPT(PAYLOAD) | MTR_OPT(STALL_MS) | MTR_OPT(FLUSH_PIECES))

/* What a command line said; every field not given keeps its default. */
typedef struct mtr_cli_args {
    const char *paths[2];
    size_t npaths;
    uint64_t given; /* MTR_OPT() of every option on the command line */
    int json, ungrouped;
    int all_frames; /* stacks with interpreter and allocator frames too */
    uint64_t top;
    mtr_options_t analysis;
    mtr_budgets_t budgets; /* values only: has_* is the caller's, from given */
    const char *baseline, *output;
} mtr_cli_args_t;

typedef struct mtr_cli_cmd {
    const char *name;  /* as the usage line shows it: "diff", "[report]" */
    const char *paths; /* "BASE.db RUN.db" */
    size_t npaths;     /* at most 2 */
    uint64_t takes;    /* MTR_OPT() of the options it accepts */
    uint64_t needs;    /* those it cannot do without */
} mtr_cli_cmd_t;

/* Parses argv[1..argc) for cmd into *a.  0, or 2 (the exit status) after
 * printing one line: the error, or the usage line when the options or the
 * paths do not fit cmd. */
int mtr_cli_parse(const mtr_cli_cmd_t *cmd, int argc, char **argv, mtr_cli_args_t *a);
/* Prints cmd's usage line on stderr; returns 2. */
int mtr_cli_usage(const mtr_cli_cmd_t *cmd);
/* Prints "memtrace-report: " and the message as one line on stderr;
 * returns 2. */
int mtr_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
