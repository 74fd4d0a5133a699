/* file://DIR: one file per key, like zarr-python's DirectoryStore.  Values are
 * written and read with plain write()/read() on the caller's buffer, so the
 * kernel's copy is the only one. */
#include "workloads/store.h"

#include "workloads/common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    wl_store_t base;
    char *dir;
} file_store_t;

static char *key_path(file_store_t *fs, const char *key)
{
    char *path;
    if (asprintf(&path, "%s/%s", fs->dir, key) < 0) {
        wl_error("out of memory");
        return NULL;
    }
    return path;
}

static int mkdirs(const char *dir)
{
    char *p = strdup(dir);
    if (!p) {
        wl_error("out of memory");
        return -1;
    }
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s)
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) < 0 && errno != EEXIST) {
            wl_error("cannot create directory %s: %s", p, strerror(errno));
            free(p);
            return -1;
        }
        if (!(*s = c))
            break;
    }
    free(p);
    return 0;
}

static int file_put(wl_store_t *st, const char *key, const void *buf, size_t n)
{
    file_store_t *fs = (file_store_t *)st;
    char *path = key_path(fs, key);
    if (!path)
        return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        wl_error("cannot write %s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    const char *p = buf;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            wl_error("writing %s: %s", path, w < 0 ? strerror(errno) : "wrote nothing");
            close(fd);
            free(path);
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    /* Some file systems report a full disk only at close. */
    if (close(fd) < 0) {
        wl_error("writing %s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

/* Opens key and returns its size; the path is kept for error lines. */
static int open_sized(file_store_t *fs, const char *key, char **path, size_t *size)
{
    if (!(*path = key_path(fs, key)))
        return -1;
    int fd = open(*path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        wl_error("cannot read %s: %s", *path, strerror(errno));
        return -1;
    }
    struct stat sb;
    errno = 0;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        wl_error("cannot read %s: %s", *path, errno ? strerror(errno) : "not a regular file");
        close(fd);
        return -1;
    }
    *size = (size_t)sb.st_size;
    return fd;
}

static int read_exact(int fd, const char *path, char *dst, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, dst + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            wl_error("reading %s: %s", path, strerror(errno));
            return -1;
        }
        if (r == 0) {
            wl_error("short read from %s: %zu of %zu bytes", path, got, n);
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

static int file_get_into(wl_store_t *st, const char *key, void *dst, size_t n)
{
    char *path = NULL;
    size_t size;
    int fd = open_sized((file_store_t *)st, key, &path, &size);
    int rc = -1;
    if (fd >= 0 && size != n)
        wl_error("%s has %zu bytes, expected %zu", path, size, n);
    else if (fd >= 0)
        rc = read_exact(fd, path, dst, n);
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

/* Like DirectoryStore: read the whole file into one new buffer (naive or not). */
static int file_get_alloc(wl_store_t *st, const char *key, int naive, char **buf, size_t *n)
{
    (void)naive;
    char *path = NULL;
    size_t size;
    int fd = open_sized((file_store_t *)st, key, &path, &size);
    int rc = -1;
    *buf = NULL;
    if (fd >= 0 && !(*buf = malloc(size + 1)))
        wl_error("out of memory for %zu bytes of %s", size, path);
    else if (fd >= 0 && (rc = read_exact(fd, path, *buf, size)) == 0) {
        (*buf)[size] = '\0';
        *n = size;
    }
    if (rc < 0) {
        free(*buf);
        *buf = NULL;
    }
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

static void file_close(wl_store_t *st)
{
    file_store_t *fs = (file_store_t *)st;
    free(fs->dir);
    free(fs);
}

wl_store_t *wl_store_file_open(const char *url, const char *dir, int create)
{
    if (!*dir) {
        wl_error("bad store URL '%s': expected file://DIR", url);
        return NULL;
    }
    if (create && mkdirs(dir) < 0)
        return NULL;
    file_store_t *fs = calloc(1, sizeof *fs);
    if (!fs || !(fs->dir = strdup(dir))) {
        wl_error("out of memory");
        free(fs);
        return NULL;
    }
    /* "DIR/" and "DIR" name the same store; keep keys as DIR/KEY. */
    size_t len = strlen(fs->dir);
    while (len > 1 && fs->dir[len - 1] == '/')
        fs->dir[--len] = '\0';
    fs->base.url = url;
    fs->base.put = file_put;
    fs->base.get_into = file_get_into;
    fs->base.get_alloc = file_get_alloc;
    fs->base.close = file_close;
    return &fs->base;
}
