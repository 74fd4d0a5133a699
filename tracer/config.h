/* Settings of a traced process, read once from the environment:
 *   MEMTRACE_OUTPUT      database path; %p = pid, %e = program name.  Default
 *                        memtrace.%e.%p.db in the current directory.
 *   MEMTRACE_FORCE=1     overwrite an existing database.
 *   MEMTRACE_COPY_MIN    copies of at least this many bytes are single events
 *                        (default 64K; suffixes K, M, G are powers of 1024).
 *   MEMTRACE_GATHER_MIN  small copies into a block at least this large are
 *                        gathered (default 1M).
 *   MEMTRACE_DEPTH       frames kept per stack (1..256, default 64).
 *   MEMTRACE_UNWIND      "fast" (default: cached CFA rules, libunwind for what
 *                        they cannot follow) or "libunwind" (always): the
 *                        modes of format/kinds.h. */
#ifndef MT_CONFIG_H
#define MT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

typedef struct mt_config {
    char output[4096]; /* the template, absolute */
    int force;
    uint64_t copy_min;
    uint64_t gather_min;
    int depth;
    int unwind; /* MT_UNWIND_* (format/kinds.h) */
} mt_config_t;

extern mt_config_t mt_cfg;

/* Reads the environment into mt_cfg; on a bad setting prints one line and
 * returns -1 (the program then runs untraced). */
int mt_config_load(void);

/* Expands %p and %e of a template into out. */
int mt_output_expand(const char *tmpl, const char *prog, long pid, char *out, size_t cap);

#endif
