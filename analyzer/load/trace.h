/* Opening a memtrace database for reading: every check that decides whether
 * a file can be analyzed at all, and the run's facts from the meta table. */
#ifndef MTR_LOAD_TRACE_H
#define MTR_LOAD_TRACE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mtr_db {
    sqlite3 *sql;
    char path[4096];
    int writable;
    int schema_version;
    char *command, *exe, *exit_kind;
    int64_t pid, ppid, exit_status, exit_signal; /* -1 when unknown */
    uint64_t start_ns, end_ns;
    uint64_t copy_min, gather_min;
    int complete; /* 0: killed, crashed or still running */
} mtr_db_t;

/* Opens and validates path.  On failure returns NULL and puts one line
 * (no newline) into err: missing, not SQLite, not memtrace, newer schema,
 * corrupt. */
mtr_db_t *mtr_db_open(const char *path, char *err, size_t errcap);
void mtr_db_close(mtr_db_t *db);

/* Text of the current SQLite error, for messages. */
const char *mtr_db_error(const mtr_db_t *db);

#endif
