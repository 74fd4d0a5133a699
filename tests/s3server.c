/* The s3rver of the S3 tests (see s3server.h): npm ci on first use, a child
 * that dies with the runner, and the port it reports once it listens. */
#include "tests/s3server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define S3_DIR MT_SOURCE_DIR "/tests/s3"
#define S3RVER S3_DIR "/node_modules/s3rver/bin/s3rver.js"

th_s3_t th_s3 = {.problem = "not started"};

static void sleep_100ms(void)
{
    nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
}

static int spawn_wait(char *const *argv, const char *cwd, const char *log)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (cwd)
        posix_spawn_file_actions_addchdir_np(&fa, cwd);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ), st = 0;
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* npm ci when node_modules is missing or older than the lock file. */
static int s3rver_installed(const char *dir)
{
    struct stat lock, inst;
    if (stat(S3_DIR "/package-lock.json", &lock) < 0) {
        snprintf(th_s3.problem, sizeof th_s3.problem, "no %s/package-lock.json", S3_DIR);
        return 0;
    }
    if (stat(S3_DIR "/node_modules/.package-lock.json", &inst) == 0 &&
        inst.st_mtime >= lock.st_mtime && access(S3RVER, R_OK) == 0)
        return 1;
    char log[256];
    snprintf(log, sizeof log, "%s/npm.log", dir);
    char *argv[] = {"npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", NULL};
    int rc = spawn_wait(argv, S3_DIR, log);
    if (rc != 0 || access(S3RVER, R_OK) != 0) {
        snprintf(th_s3.problem, sizeof th_s3.problem, "npm ci in %s failed (%d), see %s", S3_DIR,
                 rc, log);
        return 0;
    }
    return 1;
}

/* s3rver prints "S3rver listening on 127.0.0.1:PORT" once it serves. */
static int wait_for_port(const char *log)
{
    static const char listening[] = "listening on 127.0.0.1:";
    for (int tries = 0; tries < 300; tries++) {
        FILE *f = fopen(log, "r");
        char line[512];
        while (f && fgets(line, sizeof line, f)) {
            const char *p = strstr(line, listening);
            if (p) {
                fclose(f);
                return atoi(p + strlen(listening));
            }
        }
        if (f)
            fclose(f);
        if (waitpid(th_s3.pid, NULL, WNOHANG) == th_s3.pid) {
            th_s3.pid = 0;
            snprintf(th_s3.problem, sizeof th_s3.problem, "s3rver exited, see %s", log);
            return 0;
        }
        sleep_100ms();
    }
    snprintf(th_s3.problem, sizeof th_s3.problem, "s3rver did not listen within 30 s, see %s",
             log);
    return 0;
}

int th_s3_start(const char *dir)
{
    char log[256];
    th_s3.pid = 0; /* several test cases start a server each */
    th_s3.port = 0;
    snprintf(th_s3.problem, sizeof th_s3.problem, "not started");
    if (!dir || !dir[0]) {
        snprintf(th_s3.problem, sizeof th_s3.problem, "no temporary directory");
        return 0;
    }
    if (!s3rver_installed(dir))
        return 0;
    snprintf(th_s3.data, sizeof th_s3.data, "%s/s3rver", dir);
    snprintf(log, sizeof log, "%s/s3rver.log", dir);
    if (mkdir(th_s3.data, 0777) < 0) {
        snprintf(th_s3.problem, sizeof th_s3.problem, "mkdir %s: %s", th_s3.data,
                 strerror(errno));
        return 0;
    }
    pid_t parent = getpid();
    th_s3.pid = fork();
    if (th_s3.pid == 0) {
        /* Goes with the runner even if the runner dies before teardown. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execlp("node", "node", S3RVER, "-d", th_s3.data, "-a", "127.0.0.1", "-p", "0", "-s",
               "--configure-bucket", TH_S3_BUCKET, (char *)NULL);
        _exit(127);
    }
    if (th_s3.pid < 0) {
        th_s3.pid = 0;
        snprintf(th_s3.problem, sizeof th_s3.problem, "fork: %s", strerror(errno));
        return 0;
    }
    th_s3.port = wait_for_port(log);
    return th_s3.port;
}

void th_s3_stop(void)
{
    if (th_s3.pid <= 0)
        return;
    kill(th_s3.pid, SIGTERM);
    int gone = 0;
    for (int tries = 0; tries < 50 && !gone; tries++) {
        gone = waitpid(th_s3.pid, NULL, WNOHANG) == th_s3.pid;
        if (!gone)
            sleep_100ms();
    }
    if (!gone) {
        kill(th_s3.pid, SIGKILL);
        waitpid(th_s3.pid, NULL, 0);
    }
    th_s3.pid = 0;
    th_s3.port = 0;
}

void th_s3_env(char env[4][128], char *set[5], const char *key_id, int port)
{
    snprintf(env[0], 128, "AWS_ENDPOINT_URL=http://127.0.0.1:%d", port);
    snprintf(env[1], 128, "AWS_ACCESS_KEY_ID=%s", key_id ? key_id : "S3RVER");
    snprintf(env[2], 128, "AWS_SECRET_ACCESS_KEY=S3RVER");
    snprintf(env[3], 128, "AWS_DEFAULT_REGION=us-east-1");
    for (int i = 0; i < 4; i++)
        set[i] = env[i];
    set[4] = NULL;
}

void th_s3_object_path(char *out, size_t cap, const char *prefix, const char *key)
{
    snprintf(out, cap, "%s/" TH_S3_BUCKET "/%s/%s._S3rver_object", th_s3.data, prefix, key);
}
