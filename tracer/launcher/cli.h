/* What the launcher tells its user, kept apart from the fork-and-wait of
 * launcher.c: the help with every option and its default, the checks that
 * refuse a program LD_PRELOAD cannot trace (before it runs, with the reason)
 * and the closing line about the database written. */
#ifndef MT_LAUNCHER_CLI_H
#define MT_LAUNCHER_CLI_H

#include <stddef.h>

/* Every option with its default, on stdout. */
void mt_launch_help(void);

/* Finds prog as execvp would (into path) and checks that it can be traced
 * and that out's directory exists.  0, or -1 with one line in why. */
int mt_launch_check(const char *prog, const char *out, char *path, size_t cap, char *why,
                    size_t wcap);

/* "memtrace: wrote run.db (12,345 events, 1.2 MiB)" on stderr, naming db as
 * the user wrote it (shown); nothing when no trace was written. */
void mt_launch_summary(const char *db, const char *shown);
/* The line after it when the run traced more processes than the program's:
 * "memtrace: 4 more traces, of child processes and exec'd programs: run.db.*
 * (memtrace-report tree run.db)", the glob made from the template as the
 * user wrote it (tmpl). */
void mt_launch_summary_children(size_t n, const char *tmpl, const char *shown);
/* When the program exec'd (a shim): "memtrace: the program exec'd into
 * COMMAND, traced in DB", DB named beside shown as the user wrote it. */
void mt_launch_summary_program(const char *command, const char *db, const char *shown);

#endif
