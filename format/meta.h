/* The keys of the meta table: facts about the run, one row each.  The list
 * is the only place a key, its type and its default are written: the tracer
 * writes these keys and takes its settings' defaults from here, the launcher
 * adds how the process ended, the analyzer reads them, and a key that is
 * absent reads as its default.  All times are CLOCK_MONOTONIC ns. */
#ifndef MT_FORMAT_META_H
#define MT_FORMAT_META_H

#include <stdint.h>

#define MT_TOOL_VERSION "memtrace 0.1"

/* X(NAME, "key", INT|TEXT, default of an INT key) */
#define MT_META_KEYS(X)                                                        \
    X(SCHEMA_VERSION, "schema_version", INT, 0) /* MT_SCHEMA_VERSION */        \
    X(TOOL_VERSION, "tool_version", TEXT, 0)   /* MT_TOOL_VERSION */           \
    X(COMMAND, "command", TEXT, 0)             /* argv joined by spaces */     \
    X(EXE, "exe", TEXT, 0)                     /* /proc/self/exe */            \
    X(PID, "pid", INT, -1)                                                     \
    X(PPID, "ppid", INT, -1)                                                   \
    /* the nearest traced process this one descends from (its parent when   \
     * that is traced; through untraced ones under --follow exec) */         \
    X(TRACED_PARENT, "traced_parent", INT, -1)                                 \
    /* that process's image, by its start_realtime_ns: the one that forked   \
     * this line, though it may have exec'd another since */                 \
    X(TRACED_PARENT_IMAGE_NS, "traced_parent_image_ns", INT, -1)               \
    /* realtime ns of the fork that made this process (a forked child's    \
     * database opens at its first commit, perhaps after its parent exec'd \
     * another image); absent for an image that exec'd */                  \
    X(FORK_REALTIME_NS, "fork_realtime_ns", INT, -1)                           \
    X(START_REALTIME_NS, "start_realtime_ns", INT, 0)                          \
    X(START_NS, "start_ns", INT, 0)            /* the origin of times */       \
    X(END_NS, "end_ns", INT, 0)                /* the last commit */           \
    X(PAGE_SIZE, "page_size", INT, 4096)                                       \
    X(COPY_MIN, "copy_min", INT, 64 << 10)     /* MEMTRACE_COPY_MIN */         \
    X(GATHER_MIN, "gather_min", INT, 1 << 20)  /* MEMTRACE_GATHER_MIN */       \
    X(MAX_DEPTH, "max_depth", INT, 64)         /* MEMTRACE_DEPTH */            \
    X(UNWIND, "unwind", TEXT, 0)               /* MT_UNWIND_MODES */           \
    X(CLOCK, "clock", TEXT, 0)                 /* MT_CLOCKS */                 \
    X(FOLLOW, "follow", TEXT, 0)               /* MT_FOLLOW_MODES */           \
    /* stacks the fast unwinder handed to libunwind */                         \
    X(UNWIND_SLOW, "unwind_slow", INT, 0)                                      \
    /* times a thread waited for the writer at the backlog's bound */          \
    X(BACKLOG_WAITS, "backlog_waits", INT, 0)                                  \
    /* CPython's frames: "3.11.2" when taken, else why not ("off", "3.12.1 \
     * is not supported"); absent for a program that is not CPython */      \
    X(PYTHON, "python", TEXT, 0)                                               \
    X(EXIT_KIND, "exit_kind", TEXT, 0)         /* MT_EXIT_KINDS */             \
    X(EXIT_STATUS, "exit_status", INT, -1)                                     \
    X(EXIT_SIGNAL, "exit_signal", INT, -1)                                     \
    /* 1 once the tracer closed the file cleanly; absent when it was killed */ \
    X(COMPLETE, "complete", INT, 0)

typedef enum mt_meta {
#define X(name, key, type, def) MT_META_##name,
    MT_META_KEYS(X)
#undef X
    MT_META_COUNT
} mt_meta_t;

const char *mt_meta_key(mt_meta_t k);
/* 1 for a key whose value is text, 0 for an integer. */
int mt_meta_is_text(mt_meta_t k);
/* The value an absent integer key reads as. */
int64_t mt_meta_default(mt_meta_t k);

/* Writes one key, for any writer with an SQLite handle (bind key, value). */
#define MT_META_PUT_SQL "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"

#endif
