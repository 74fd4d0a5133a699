/* The process tree of a launcher run: which databases beside the program's
 * belong to this run, how their processes descend from one another, and
 * the tree table (format/schema.h) the launcher writes into the top
 * database.  The tracer in each process writes only its own database (its
 * pid, ppid, command and start in meta); the launcher, once the program has
 * ended, finds the others by the output template and joins them by pid. */
#ifndef MT_LAUNCHER_TREE_H
#define MT_LAUNCHER_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "format/meta.h"

/* A trace's meta value of key: text (malloc'ed, NULL when absent), or an
 * integer (meta.h's default when absent or not a number). */
char *mt_launch_meta_text(sqlite3 *db, mt_meta_t key);
int64_t mt_launch_meta_int(sqlite3 *db, mt_meta_t key);

typedef struct mt_tree_row {
    char *path;     /* the database, absolute */
    size_t parent;  /* 1-based row it came from; 0 for the top */
    int64_t pid, ppid, start_ns; /* start_ns: meta's start_realtime_ns */
    int64_t traced_parent;       /* meta's: for a parent that left no trace */
    int64_t parent_image_ns;     /* meta's: which image of it, by start; -1 unknown */
    int64_t born_ns; /* when it came to be: its fork (meta's), else its start */
    char *command, *exit_kind;   /* NULL when meta does not say */
    int64_t exit_status, exit_signal;
} mt_tree_row_t;

typedef struct mt_tree {
    mt_tree_row_t *row; /* row[0] is the top database */
    size_t n;
} mt_tree_t;

/* The databases of the run whose top database is top (absolute), written
 * from the template tmpl (absolute, as MEMTRACE_OUTPUT) by top's process
 * and its descendants since started_ns (realtime): top first,
 * then in the order they started.  0, or -1 when top cannot be read. */
int mt_tree_find(const char *tmpl, const char *top, int64_t started_ns, mt_tree_t *t);
/* The last image of the launched process (the program a shim exec'd into):
 * the row whose exit the launcher saw. */
size_t mt_tree_program(const mt_tree_t *t, pid_t child);
/* Replaces t's rows in top's tree table; 0, or -1 with one line on stderr. */
int mt_tree_write(const char *top, const mt_tree_t *t);
void mt_tree_free(mt_tree_t *t);

#endif
