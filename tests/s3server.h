/* One s3rver (tests/s3 pins it) on 127.0.0.1 for the suites that talk S3:
 * started by an unchecked fixture, so every forked test of the case shares it
 * and it is stopped even when a test fails. */
#ifndef MT_TEST_S3SERVER_H
#define MT_TEST_S3SERVER_H

#include <stddef.h>
#include <sys/types.h>

#define TH_S3_BUCKET "memtrace"

typedef struct {
    pid_t pid;
    int port;          /* 0 when nothing serves; problem says why */
    char problem[512];
    char data[256];    /* DIR/s3rver: where the objects live */
} th_s3_t;

/* The one server of the running test case. */
extern th_s3_t th_s3;

/* Starts s3rver with its data and log under dir (which must exist), running
 * `npm ci` first when tests/s3/node_modules is missing or stale; returns the
 * port, or 0 with th_s3.problem set.  Never aborts: fixtures cannot. */
int th_s3_start(const char *dir);
/* Stops the server started last (SIGTERM, then SIGKILL after 5 s). */
void th_s3_stop(void);

/* Environment for the workloads (set[4] = NULL); key_id NULL means the
 * server's own. */
void th_s3_env(char env[4][128], char *set[5], const char *key_id, int port);

/* Where s3rver keeps object prefix/key on disk. */
void th_s3_object_path(char *out, size_t cap, const char *prefix, const char *key);

#endif
