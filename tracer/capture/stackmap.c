/* /proc/self/maps, parsed a line at a time from a small buffer (see
 * stackmap.h). */
#include "tracer/capture/stackmap.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static uintptr_t hex(const char **p)
{
    uintptr_t v = 0;
    for (;; (*p)++) {
        char ch = **p;
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (d < 0)
            return v;
        v = v << 4 | (uintptr_t)d;
    }
}

/* "lo-hi perms offset dev inode [name]", NUL-terminated: 1 if it holds sp
 * and may be a stack. */
static int stack_line(const char *line, uintptr_t sp, uintptr_t *lo, uintptr_t *hi, int *named)
{
    const char *p = line;
    uintptr_t a = hex(&p);
    if (*p++ != '-')
        return 0;
    uintptr_t b = hex(&p);
    if (sp < a || sp >= b || p[0] != ' ' || p[1] != 'r' || p[2] != 'w' || p[4] != 'p')
        return 0;
    for (int field = 0; field < 4 && *p; field++) { /* perms, offset, dev, inode */
        while (*p == ' ')
            p++;
        while (*p && *p != ' ')
            p++;
    }
    while (*p == ' ')
        p++;
    *named = strncmp(p, "[stack]", 7) == 0;
    if (*p && !*named)
        return 0;
    *lo = a;
    *hi = b;
    return 1;
}

/* Lines longer than the buffer (long paths) are skipped whole. */
static int scan(int fd, uintptr_t sp, uintptr_t *lo, uintptr_t *hi, int *named)
{
    char buf[1024];
    size_t have = 0;
    int skipping = 0;
    long n;
    while ((n = syscall(SYS_read, fd, buf + have, sizeof buf - 1 - have)) > 0) {
        have += (size_t)n;
        char *line = buf, *nl;
        while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
            *nl = 0;
            if (!skipping && stack_line(line, sp, lo, hi, named))
                return 0;
            skipping = 0;
            line = nl + 1;
        }
        have -= (size_t)(line - buf);
        memmove(buf, line, have);
        if (have == sizeof buf - 1) {
            have = 0;
            skipping = 1;
        }
    }
    return -1;
}

int mt_stack_mapping(uintptr_t sp, uintptr_t *lo, uintptr_t *hi, int *named)
{
    int saved = errno;
    long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
    int rc = fd < 0 ? -1 : scan((int)fd, sp, lo, hi, named);
    if (fd >= 0)
        syscall(SYS_close, fd);
    errno = saved;
    return rc;
}
