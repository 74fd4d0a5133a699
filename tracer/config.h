/* Settings of a traced process, read once from the environment before main
 * and read-only after that.  The list is the one place a setting is named:
 * the tracer reads its variable, the launcher turns its option into it.
 *   MEMTRACE_OUTPUT      database path; %p = pid, %e = program name.  Default
 *                        MT_DEFAULT_OUTPUT in the current directory.
 *   MEMTRACE_FORCE=1     overwrite an existing database.
 *   MEMTRACE_COPY_MIN    copies of at least this many bytes are single events
 *                        (suffixes K, M, G are powers of 1024).
 *   MEMTRACE_GATHER_MIN  small copies into a block at least this large are
 *                        gathered.
 *   MEMTRACE_DEPTH       frames kept per stack (1..256).
 *   MEMTRACE_UNWIND      "fast" (cached CFA rules, libunwind for what they
 *                        cannot follow) or "libunwind" (always).
 *   MEMTRACE_PYTHON=0    native stacks only, in CPython too (launcher
 *                        --native-only); Python frames are on by default.
 *   MEMTRACE_PYTHON_ALLOCATORS=1  record Python objects one by one:
 *                        PYTHONMALLOC=malloc, so pymalloc's arenas give way
 *                        to malloc (like memray's --trace-python-allocators).
 *   MEMTRACE_FOLLOW      which processes of the tree are traced: "all"
 *                        (forks and execs), "exec" (exec'd programs only,
 *                        not a fork that does not exec), "none" (the first
 *                        process only, through its own execs); kinds.h's
 *                        MT_FOLLOW_MODES.
 * Defaults are format/meta.h's (copy_min, gather_min, max_depth) and the
 * first of format/kinds.h's unwind modes. */
#ifndef MT_CONFIG_H
#define MT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* X(NAME, "variable", "launcher option", "its value" or NULL for a flag,
 *   the value a flag sets) */
#define MT_SETTINGS(X)                                                         \
    X(OUTPUT, "MEMTRACE_OUTPUT", "-o", "FILE", NULL)                           \
    X(FORCE, "MEMTRACE_FORCE", "-f", NULL, "1")                                \
    X(COPY_MIN, "MEMTRACE_COPY_MIN", "--copy-min", "SIZE", NULL)               \
    X(GATHER_MIN, "MEMTRACE_GATHER_MIN", "--gather-min", "SIZE", NULL)         \
    X(DEPTH, "MEMTRACE_DEPTH", "--depth", "N", NULL)                           \
    X(UNWIND, "MEMTRACE_UNWIND", "--unwind", "MODE", NULL)                     \
    X(PYTHON, "MEMTRACE_PYTHON", "--native-only", NULL, "0")                   \
    X(PYTHON_ALLOCATORS, "MEMTRACE_PYTHON_ALLOCATORS", "--python-allocators", NULL, "1") \
    X(FOLLOW, "MEMTRACE_FOLLOW", "--follow", "MODE", NULL)

typedef enum mt_setting {
#define X(name, var, option, metavar, flag) MT_SET_##name,
    MT_SETTINGS(X)
#undef X
    MT_SET_COUNT
} mt_setting_t;

#define MT_DEFAULT_OUTPUT "memtrace.%e.%p.db"

/* Set by the first traced process for its whole tree: its pid, which tells
 * every later process it is a child. */
#define MT_ENV_ROOT_PID "MEMTRACE_ROOT_PID"
/* Set by every traced process to "PID:START" (its pid and realtime start):
 * what a later image inherits names the nearest traced process it descends
 * from, through untraced ones (a shell's subshell under --follow exec), and
 * which of that pid's images forked the line.  The launcher's tree links a
 * process whose parent left no trace, or exec'd since, by it (meta
 * traced_parent, traced_parent_image_ns). */
#define MT_ENV_TRACED_PARENT "MEMTRACE_TRACED_PARENT"

typedef struct mt_config {
    char output[4096]; /* the template, absolute */
    int force;
    uint64_t copy_min;
    uint64_t gather_min;
    int depth;
    int unwind; /* MT_UNWIND_* (format/kinds.h) */
    int python; /* take CPython's frames */
    int follow; /* MT_FOLLOW_* (format/kinds.h) */
    long traced_parent; /* MT_ENV_TRACED_PARENT as inherited, -1 when absent */
    int64_t traced_parent_image_ns; /* and its image's start, -1 when unknown */
    int64_t fork_realtime_ns; /* a traced fork child's fork, -1 in an exec'd image */
    int64_t start_realtime_ns; /* this image's start, or its fork's */
} mt_config_t;

/* Written only by mt_config_load (and mt_config_forked). */
extern mt_config_t mt_cfg;

/* Reads the environment into mt_cfg; on a bad setting prints one line and
 * returns -1 (the program then runs untraced). */
int mt_config_load(void);
/* In a traced fork child: its traced parent is the process that forked it,
 * now. */
void mt_config_forked(void);

const char *mt_setting_var(mt_setting_t s);
const char *mt_setting_option(mt_setting_t s);
/* What the option takes, for usage lines; NULL for a flag. */
const char *mt_setting_metavar(mt_setting_t s);
/* The value a flag's option gives its variable. */
const char *mt_setting_flag_value(mt_setting_t s);
/* The setting whose launcher option is opt; -1 if none. */
int mt_setting_by_option(const char *opt);
/* 0 when value is valid for s, else -1 with why it is not in why ("not a
 * number from 1 to 256"). */
int mt_setting_check(mt_setting_t s, const char *value, char *why, size_t cap);

/* Expands %p and %e of a template into out. */
int mt_output_expand(const char *tmpl, const char *prog, long pid, char *out, size_t cap);

#endif
