/* Start, stop, fork and exec handling (see lifecycle.h).
 * Naming: the first traced process writes MEMTRACE_OUTPUT (or the default);
 * every other process of the tree (forked child or exec'd image) writes the
 * same name with ".<pid>" added unless the name has %p, and ".N" on top if
 * that exists, so no process ever overwrites another's trace. */
#include "tracer/hooks/lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/kinds.h"
#include "tracer/capture/guard.h"
#include "tracer/capture/python.h"
#include "tracer/capture/record.h"
#include "tracer/capture/thread.h"
#include "tracer/common.h"
#include "tracer/config.h"
#include "tracer/hooks/sigterm.h"
#include "tracer/storage/sink.h"
#include "tracer/storage/writer.h"

static pid_t traced_pid;
static int exit_status = -1;
static char database[4096]; /* absolute: the program may chdir */

/* Remembers path as this process's database (empty if it does not fit). */
static void note_database(const char *path)
{
    char cwd[4096];
    database[0] = 0;
    if (path[0] == '/')
        snprintf(database, sizeof database, "%s", path);
    else if (getcwd(cwd, sizeof cwd) &&
             snprintf(database, sizeof database, "%s/%s", cwd, path) >= (int)sizeof database)
        database[0] = 0;
}

const char *mt_lifecycle_database(void)
{
    return mt_record_active() && getpid() == traced_pid && database[0] ? database : NULL;
}

static int pick_path(int derived, char *out, size_t cap)
{
    if (mt_output_expand(mt_cfg.output, program_invocation_short_name, (long)getpid(), out,
                         cap) < 0)
        return -1;
    if (!derived)
        return 0;
    size_t len = strlen(out);
    if (!strstr(mt_cfg.output, "%p") &&
        snprintf(out + len, cap - len, ".%ld", (long)getpid()) >= (int)(cap - len))
        return -1;
    len = strlen(out);
    for (int n = 1; access(out, F_OK) == 0 && n < 1000; n++)
        if (snprintf(out + len, cap - len, ".%d", n) >= (int)(cap - len))
            return -1;
    return 0;
}

/* What this process's descendants inherit (MT_ENV_TRACED_PARENT). */
static void name_self_parent(void)
{
    char self[64];
    snprintf(self, sizeof self, "%ld:%lld", (long)getpid(), (long long)mt_cfg.start_realtime_ns);
    setenv(MT_ENV_TRACED_PARENT, self, 1);
}

static void fork_prepare(void) { mt_writer_fork_prepare(); }
static void fork_parent(void) { mt_writer_fork_parent(); }

static void fork_child(void)
{
    int was = mt_guard_enter();
    char path[4096];
    if (!mt_record_active()) {
        mt_writer_fork_child(NULL);
        goto out;
    }
    mt_record_stop();
    mt_thread_after_fork_child();
    traced_pid = getpid();
    mt_config_forked();
    /* --follow exec and none: a fork that does not exec stays untraced */
    if (mt_cfg.follow == MT_FOLLOW_ALL && pick_path(1, path, sizeof path) == 0 &&
        mt_writer_fork_child(path) == 0) {
        note_database(path);
        name_self_parent();
        mt_record_start();
    } else
        mt_writer_fork_child(NULL);
out:
    mt_guard_leave(was);
}

/* Chromium's zygote checks that it is single-threaded before it forks its
 * renderers without exec (and traps if not): the writer is a thread, so the
 * zygote, and what it forks, run untraced.  Its browser, GPU and utility
 * processes are exec'd and traced. */
static int must_stay_single_threaded(void)
{
    char buf[4096];
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1) {
        buf[n] = 0;
        if (!strcmp(buf + i, "--type=zygote"))
            return 1;
    }
    return 0;
}

/* Under --follow none only the first process is traced, image after image
 * (a shim that execs the real program is followed to it): a later process
 * is one of the tree's when MT_ENV_ROOT_PID is set, the first's when it
 * holds our own pid. */
static int followed(const char *root)
{
    return !root || mt_cfg.follow != MT_FOLLOW_NONE || strtol(root, NULL, 10) == (long)getpid();
}

void mt_lifecycle_start(void)
{
    int was = mt_guard_enter();
    char path[4096];
    const char *root = getenv(MT_ENV_ROOT_PID);
    if (mt_config_load() < 0 || must_stay_single_threaded() || !followed(root))
        goto out;
    mt_record_init();
    mt_python_init(mt_cfg.python);
    int derived = root != NULL;
    if (pick_path(derived, path, sizeof path) < 0) {
        mt_warn("output path too long; running untraced");
        goto out;
    }
    if (!derived) {
        /* children inherit these: they know they are not the root, and a
         * relative output name still means the root's directory */
        char pid[32];
        snprintf(pid, sizeof pid, "%ld", (long)getpid());
        setenv(MT_ENV_ROOT_PID, pid, 1);
        setenv(mt_setting_var(MT_SET_OUTPUT), mt_cfg.output, 1);
    }
    traced_pid = getpid();
    if (mt_writer_start(path, derived ? 0 : mt_cfg.force, 0) < 0)
        goto out;
    note_database(path);
    name_self_parent();
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    mt_record_start();
    mt_sigterm_start();
out:
    mt_guard_leave(was);
}

void mt_lifecycle_note_exit(int status) { exit_status = status; }

void mt_lifecycle_stop(int kind, int status)
{
    if (!mt_record_active() || getpid() != traced_pid || mt_guard_busy())
        return;
    int was = mt_guard_enter();
    sigset_t saved;
    mt_sigterm_hold(&saved);
    mt_record_end_gathers();
    /* The trace ends here: other threads wait at their next event while the
     * writer finishes the backlog (bounded, buffer.h), so an exit from any
     * thread ends the process in about the time it takes natively. */
    mt_record_close();
    mt_writer_stop(kind, status);
    mt_record_stop();
    mt_sigterm_release(&saved);
    mt_guard_leave(was);
}

__attribute__((destructor)) static void fini(void) { mt_lifecycle_stop(MT_EXIT_EXIT, exit_status); }

int mt_lifecycle_before_exec(void)
{
    /* a vfork child shares our memory but not our pid: leave the parent's
     * writer alone */
    if (!mt_record_active() || getpid() != traced_pid)
        return 0;
    mt_lifecycle_stop(MT_EXIT_EXEC, -1);
    return 1;
}

void mt_lifecycle_after_failed_exec(void)
{
    int was = mt_guard_enter();
    if (mt_writer_resume() == 0)
        mt_record_start();
    mt_guard_leave(was);
}

int mt_lifecycle_keeps_fd(int fd) { return !mt_guard_busy() && mt_sink_owns_fd(fd); }

int mt_lifecycle_kept_fds(int out[3]) { return mt_guard_busy() ? 0 : mt_sink_fds(out); }

void mt_lifecycle_yield_fd(int fd)
{
    if (!mt_lifecycle_keeps_fd(fd))
        return;
    mt_warn("the program puts another file at descriptor %d, which holds the trace; "
            "the trace ends here", fd);
    mt_lifecycle_stop(MT_EXIT_STOPPED, -1);
}

void mt_lifecycle_before_unload(void)
{
    /* a raw clone's child has the parent's database handle, not its own */
    if (!mt_record_active() || mt_guard_busy() || getpid() != traced_pid)
        return;
    int was = mt_guard_enter();
    mt_writer_sync();
    mt_guard_leave(was);
}
