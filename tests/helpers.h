/* Shared by the test suites: run a program under the preload, read what the
 * tracer wrote, without the analyzer (so tracer tests do not depend on it). */
#ifndef MT_TEST_HELPERS_H
#define MT_TEST_HELPERS_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "format/batch.h"
#include "format/meta.h"

#define FIXTURE(name) MT_BUILD_DIR "/fixtures/" name
#define PRELOAD_LIB MT_BUILD_DIR "/libmemtrace.so"

/* A fresh empty directory under /tmp; the name stays valid for the next
 * 7 calls. */
char *th_tempdir(void);

/* Runs argv with env_extra ("K=V" strings, NULL-terminated) added to the
 * environment, stdout captured into out (NUL-terminated, may be NULL).
 * Returns the wait status. */
int th_run(char *const argv[], char *const env_extra[], char *out, size_t cap);

/* Starts argv as th_run does; *out_fd reads its stdout.  Its pid. */
pid_t th_spawn(char *const argv[], char *const env_extra[], int *out_fd);

/* Runs a fixture with the tracer preloaded, writing db. */
int th_trace(const char *db, char *const argv[], char *out, size_t cap);

sqlite3 *th_open(const char *path);
/* First column of the first row of a query as an integer (-1 if no row). */
int64_t th_int(sqlite3 *db, const char *sql_fmt, ...);

/* meta's value of key as an integer, -1 when absent. */
int64_t th_meta(sqlite3 *db, mt_meta_t key);
/* 1 when meta holds key with the value text. */
int th_meta_is(sqlite3 *db, mt_meta_t key, const char *text);

/* All allocation events of the database, in batch order (malloc'ed). */
mt_alloc_event_t *th_events(sqlite3 *db, size_t *n);

/* 1 if any frame of stack node `node` lies in function `fn` of `binary`
 * (address ranges from nm -S, module bias from the modules table). */
int th_stack_has(sqlite3 *db, int64_t node, const char *binary, const char *fn);

/* Number of files in dir whose name starts with prefix. */
int th_count_files(const char *dir, const char *prefix);

#endif
