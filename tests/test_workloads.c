/* Workloads: runs build/workload-{write,read,accumulate} as separate processes
 * and checks what they store and print: round trips over file:// for every
 * codec and pipeline, byte-for-byte interop with Debian's zarr-python 2.13,
 * S3 against a real s3rver on 127.0.0.1, one-line error exits, and the
 * accumulator's exact counts.  Temporary files and the S3 server belong to
 * unchecked fixtures, which the runner itself runs, so they are cleaned up
 * even when a forked test fails. */
#include <arpa/inet.h>
#include "tests/s3server.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define WRITE_BIN MT_BUILD_DIR "/workload-write"
#define READ_BIN MT_BUILD_DIR "/workload-read"
#define ACCU_BIN MT_BUILD_DIR "/workload-accumulate"
#define PYTHON "/usr/bin/python3" /* Debian's, which has zarr; not a pyenv one */
#define ZARR_TOOL MT_SOURCE_DIR "/tests/workloads/zarr_tool.py"
#define BUCKET TH_S3_BUCKET

/* --size 4: 4 MiB of float64.  --size 0.3 --chunks 0.1: 4 chunks, the last
 * one padded, as zarr-python stores edge chunks. */
#define ELEMS 524288ULL
#define PAYLOAD (ELEMS * 8)
#define EDGE_ELEMS 39322ULL
#define EDGE_CHUNK 13107ULL

static char *const codecs[] = {"none", "blosc-lz4", "blosc-zstd", "zstd"};
static char *const pipelines[] = {"naive", "zero-copy"};

// ---- temporary root, made and removed by the runner ----

static char root[128];

static void root_setup(void)
{
    snprintf(root, sizeof root, "/tmp/mt-workloads-XXXXXX");
    if (!mkdtemp(root))
        root[0] = '\0';
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void root_teardown(void)
{
    if (root[0])
        nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void at_root(char *out, size_t cap, const char *fmt, int i)
{
    ck_assert_msg(root[0], "no temporary directory");
    char name[128];
    snprintf(name, sizeof name, fmt, i);
    snprintf(out, cap, "%s/%s", root, name);
}

// ---- running the programs ----

typedef struct {
    int code; /* exit status, or 128 + signal */
    char out[4096];
    char err[4096];
} result_t;

/* environ with each "NAME=value" of `set` replacing NAME. */
static char **merged_env(char *const *set)
{
    size_t n = 0, k = 0;
    while (environ[n])
        n++;
    while (set && set[k])
        k++;
    char **env = calloc(n + k + 1, sizeof *env);
    ck_assert_ptr_nonnull(env);
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        env[m++] = set[i];
    for (size_t i = 0; i < n; i++) {
        int replaced = 0;
        for (size_t j = 0; j < k && !replaced; j++) {
            size_t len = strcspn(set[j], "=") + 1;
            replaced = strncmp(environ[i], set[j], len) == 0;
        }
        if (!replaced)
            env[m++] = environ[i];
    }
    return env;
}

static void slurp_fd(int fd, char *buf, size_t cap)
{
    ssize_t n = pread(fd, buf, cap - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
}

static int temp_fd(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/out-XXXXXX", root);
    int fd = mkstemp(path);
    ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
    unlink(path);
    return fd;
}

static void run_env(result_t *r, char *const *set, char *const *argv)
{
    int out = temp_fd(), err = temp_fd();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out, 1);
    posix_spawn_file_actions_adddup2(&fa, err, 2);
    char **env = merged_env(set);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    ck_assert_msg(rc == 0, "cannot run %s: %s", argv[0], strerror(rc));
    int st;
    while (waitpid(pid, &st, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    r->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    slurp_fd(out, r->out, sizeof r->out);
    slurp_fd(err, r->err, sizeof r->err);
}

#define RUN(r, ...) run_env(r, NULL, (char *const[]){__VA_ARGS__, NULL})
#define RUN_ENV(r, env, ...) run_env(r, env, (char *const[]){__VA_ARGS__, NULL})

#define ASSERT_OK(r, what) \
    ck_assert_msg((r)->code == 0, "%s exited %d: %s", what, (r)->code, (r)->err)

/* A failed run exits nonzero with exactly one line on stderr. */
static void assert_one_line_error(const result_t *r, int code, const char *mentions)
{
    size_t len = strlen(r->err);
    ck_assert_msg(r->code == code, "exit %d, expected %d; stderr: %s", r->code, code, r->err);
    ck_assert_msg(len > 1 && strchr(r->err, '\n') == r->err + len - 1,
                  "stderr is not exactly one line: [%s]", r->err);
    if (mentions)
        ck_assert_msg(strstr(r->err, mentions), "stderr lacks '%s': %s", mentions, r->err);
}

/* The value of "key=" in a summary line printed by a workload or zarr_tool. */
static const char *field_at(const char *text, const char *key)
{
    size_t len = strlen(key);
    for (const char *p = text; (p = strstr(p, key)); p++)
        if ((p == text || p[-1] == ' ' || p[-1] == '\n') && p[len] == '=')
            return p + len + 1;
    ck_abort_msg("no %s= in: %s", key, text);
    return NULL;
}

static unsigned long long field(const char *text, const char *key)
{
    return strtoull(field_at(text, key), NULL, 0);
}

static void assert_field_str(const char *text, const char *key, const char *want)
{
    const char *v = field_at(text, key);
    size_t len = strcspn(v, " \n");
    ck_assert_msg(len == strlen(want) && strncmp(v, want, len) == 0, "%s is not %s in: %s", key,
                  want, text);
}

// ---- files ----

static long long file_size(const char *dir, const char *name)
{
    char path[512];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static void put_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_msg(f && fputs(text, f) >= 0 && fclose(f) == 0, "cannot write %s", path);
}

static void flip_byte(const char *path, off_t at)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    ck_assert_msg(fd >= 0 && pread(fd, &c, 1, at) == 1, "cannot read %s", path);
    c ^= 0x5a;
    ck_assert_int_eq(pwrite(fd, &c, 1, at), 1);
    close(fd);
}

static char *slurp(const char *dir, const char *name, long long *n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *n = file_size(dir, name);
    ck_assert_msg(*n >= 0, "missing %s", path);
    char *buf = malloc((size_t)*n + 1);
    int fd = open(path, O_RDONLY);
    ck_assert_msg(buf && fd >= 0 && read(fd, buf, (size_t)*n) == *n, "cannot read %s", path);
    close(fd);
    return buf;
}

static void assert_same_file(const char *a, const char *b, const char *name)
{
    long long na, nb;
    char *x = slurp(a, name, &na), *y = slurp(b, name, &nb);
    ck_assert_msg(na == nb && memcmp(x, y, (size_t)na) == 0, "%s differs: %lld vs %lld bytes",
                  name, na, nb);
    free(x);
    free(y);
}

/* The stored size of one chunk of n incompressible bytes. */
static void assert_stored_size(const char *codec, unsigned long long stored, unsigned long long n)
{
    if (strcmp(codec, "none") == 0)
        ck_assert_uint_eq(stored, n);
    else if (strncmp(codec, "blosc", 5) == 0) /* kept verbatim behind a 16-byte header */
        ck_assert_uint_eq(stored, n + 16);
    else /* zstd: raw blocks plus frame and block headers */
        ck_assert_msg(stored > n && stored < n + n / 100 + 64, "zstd stored %llu of %llu", stored,
                      n);
}

// ---- file:// ----

START_TEST(roundtrip_file)
{
    char *codec = codecs[_i / 2], *pipeline = pipelines[_i % 2], dir[256], url[300];
    at_root(dir, sizeof dir, "rt-%d", _i);
    snprintf(url, sizeof url, "file://%s", dir);
    result_t w, r;
    RUN(&w, WRITE_BIN, "--store", url, "--size", "4", "--codec", codec, "--pipeline", pipeline);
    ASSERT_OK(&w, "workload-write");
    ck_assert_uint_eq(field(w.out, "elements"), ELEMS);
    ck_assert_uint_eq(field(w.out, "chunks"), 1);
    assert_stored_size(codec, field(w.out, "stored_bytes"), PAYLOAD);
    ck_assert_int_eq(file_size(dir, "0"), (long long)field(w.out, "stored_bytes"));
    for (int p = 0; p < 2; p++) {
        RUN(&r, READ_BIN, "--store", url, "--pipeline", pipelines[p]);
        ASSERT_OK(&r, "workload-read");
        ck_assert_uint_eq(field(r.out, "elements"), ELEMS);
        ck_assert_uint_eq(field(r.out, "checksum"), field(w.out, "checksum"));
        assert_field_str(r.out, "codec", codec);
    }
}
END_TEST

START_TEST(edge_chunks_file)
{
    char *codec = codecs[_i / 2], dir[256], url[300];
    at_root(dir, sizeof dir, "edge-%d", _i);
    snprintf(url, sizeof url, "file://%s", dir);
    result_t w, r;
    RUN(&w, WRITE_BIN, "--store", url, "--size", "0.3", "--chunks", "0.1", "--codec", codec,
        "--pipeline", pipelines[_i % 2]);
    ASSERT_OK(&w, "workload-write");
    ck_assert_uint_eq(field(w.out, "elements"), EDGE_ELEMS);
    ck_assert_uint_eq(field(w.out, "chunks"), 4);
    if (strcmp(codec, "none") == 0) /* the edge chunk is stored full size */
        ck_assert_int_eq(file_size(dir, "3"), (long long)(EDGE_CHUNK * 8));
    for (int p = 0; p < 2; p++) {
        RUN(&r, READ_BIN, "--store", url, "--pipeline", pipelines[p]);
        ASSERT_OK(&r, "workload-read");
        ck_assert_uint_eq(field(r.out, "checksum"), field(w.out, "checksum"));
    }
}
END_TEST

START_TEST(corrupt_chunk_file)
{
    char *codec = codecs[_i / 2], *pipeline = pipelines[_i % 2], dir[256], url[300], chunk[300];
    at_root(dir, sizeof dir, "bad-%d", _i);
    snprintf(url, sizeof url, "file://%s", dir);
    snprintf(chunk, sizeof chunk, "%s/0", dir);
    result_t w, r;
    RUN(&w, WRITE_BIN, "--store", url, "--size", "0.25", "--codec", codec);
    ASSERT_OK(&w, "workload-write");
    long long size = file_size(dir, "0");
    flip_byte(chunk, size / 2);
    RUN(&r, READ_BIN, "--store", url, "--pipeline", pipeline);
    assert_one_line_error(&r, 1, NULL);
    ck_assert_int_eq(truncate(chunk, size / 2), 0);
    RUN(&r, READ_BIN, "--store", url, "--pipeline", pipeline);
    assert_one_line_error(&r, 1, NULL);
}
END_TEST

START_TEST(errors_file)
{
    char dir[256], url[300], full[300];
    result_t w, r;
    at_root(dir, sizeof dir, "errors", 0);
    snprintf(url, sizeof url, "file://%s", dir);

    RUN(&r, READ_BIN, "--store", url);
    assert_one_line_error(&r, 1, strerror(ENOENT));
    RUN(&r, READ_BIN, "--store", "ftp://host/x");
    assert_one_line_error(&r, 1, NULL);
    RUN(&r, WRITE_BIN, "--store", "file://");
    assert_one_line_error(&r, 1, NULL);
    RUN(&r, WRITE_BIN, "--store", url, "--codec", "lzma");
    assert_one_line_error(&r, 2, NULL);
    RUN(&r, READ_BIN, "--store", url, "--bogus", "1");
    assert_one_line_error(&r, 2, NULL);

    /* A full disk: the chunk file is /dev/full, where write() fails ENOSPC. */
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    snprintf(full, sizeof full, "%s/0", dir);
    ck_assert_int_eq(symlink("/dev/full", full), 0);
    RUN(&w, WRITE_BIN, "--store", url, "--size", "0.1", "--pipeline", "zero-copy");
    assert_one_line_error(&w, 1, strerror(ENOSPC));
    RUN(&w, WRITE_BIN, "--store", url, "--size", "0.1", "--codec", "zstd");
    assert_one_line_error(&w, 1, strerror(ENOSPC));
    unlink(full);

    /* Metadata it cannot use: no seed attribute, an unsupported dtype. */
    RUN(&w, WRITE_BIN, "--store", url, "--size", "0.1");
    ASSERT_OK(&w, "workload-write");
    put_file(dir, ".zattrs", "{}");
    RUN(&r, READ_BIN, "--store", url);
    assert_one_line_error(&r, 1, "memtrace_seed");
    put_file(dir, ".zattrs", "{\"memtrace_seed\": 1}");
    RUN(&r, READ_BIN, "--store", url);
    ASSERT_OK(&r, "workload-read");
    put_file(dir, ".zarray",
             "{\"chunks\": [13107], \"compressor\": null, \"dtype\": \"<i4\", \"fill_value\": 0,"
             " \"filters\": null, \"order\": \"C\", \"shape\": [13107], \"zarr_format\": 2}");
    RUN(&r, READ_BIN, "--store", url);
    assert_one_line_error(&r, 1, "dtype");
}
END_TEST

// ---- interop with zarr-python 2.13 / numcodecs 0.11 ----

START_TEST(interop_zarr_python)
{
    char *codec = codecs[_i], py[256], c[256], url[300];
    at_root(py, sizeof py, "py-%d", _i);
    at_root(c, sizeof c, "c-%d", _i);
    snprintf(url, sizeof url, "file://%s", c);
    result_t pw, cw, check, r;

    RUN(&pw, PYTHON, ZARR_TOOL, "write", py, "39322", "13107", codec, "9");
    ASSERT_OK(&pw, "zarr_tool.py write");
    RUN(&cw, WRITE_BIN, "--store", url, "--size", "0.3", "--chunks", "0.1", "--codec", codec,
        "--seed", "9", "--pipeline", pipelines[_i % 2]);
    ASSERT_OK(&cw, "workload-write");
    ck_assert_uint_eq(field(cw.out, "checksum"), field(pw.out, "checksum"));

    /* zarr-python reads what C wrote and finds the seeded values... */
    RUN(&check, PYTHON, ZARR_TOOL, "check", c);
    ASSERT_OK(&check, "zarr_tool.py check");
    ck_assert_uint_eq(field(check.out, "elements"), EDGE_ELEMS);
    ck_assert_uint_eq(field(check.out, "chunk_elements"), EDGE_CHUNK);
    ck_assert_uint_eq(field(check.out, "checksum"), field(cw.out, "checksum"));
    assert_field_str(check.out, "codec", codec);

    /* ...C reads what zarr-python wrote... */
    for (int p = 0; p < 2; p++) {
        char pyurl[300];
        snprintf(pyurl, sizeof pyurl, "file://%s", py);
        RUN(&r, READ_BIN, "--store", pyurl, "--pipeline", pipelines[p]);
        ASSERT_OK(&r, "workload-read");
        ck_assert_uint_eq(field(r.out, "checksum"), field(pw.out, "checksum"));
        assert_field_str(r.out, "codec", codec);
    }

    /* ...and both stored the very same bytes, metadata and padded edge chunk included. */
    const char *names[] = {".zarray", ".zattrs", "0", "1", "2", "3"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        assert_same_file(py, c, names[k]);
    ck_assert_int_eq(file_size(py, "4"), -1);
}
END_TEST

// ---- S3 against s3rver on 127.0.0.1 ----

/* The server lives in s3server.c; its data and log go under the case's root. */
static void s3_setup(void)
{
    root_setup();
    th_s3_start(root);
}

static void s3_teardown(void)
{
    th_s3_stop();
    root_teardown();
}

#define S3_ENV(set)                                                           \
    char set##_buf[4][128], *set[5];                                          \
    ck_assert_msg(th_s3.port > 0, "no S3 server: %s", th_s3.problem);         \
    th_s3_env(set##_buf, set, NULL, th_s3.port)

START_TEST(roundtrip_s3)
{
    char *codec = codecs[_i / 2], *pipeline = pipelines[_i % 2], url[128], prefix[64], obj[512];
    S3_ENV(env);
    snprintf(prefix, sizeof prefix, "rt/%d", _i);
    snprintf(url, sizeof url, "s3://" BUCKET "/%s", prefix);
    result_t w, r;
    RUN_ENV(&w, env, WRITE_BIN, "--store", url, "--size", "4", "--codec", codec, "--pipeline",
            pipeline);
    ASSERT_OK(&w, "workload-write");
    assert_stored_size(codec, field(w.out, "stored_bytes"), PAYLOAD);
    th_s3_object_path(obj, sizeof obj, prefix, "0");
    struct stat sb;
    ck_assert_int_eq(stat(obj, &sb), 0);
    ck_assert_uint_eq((unsigned long long)sb.st_size, field(w.out, "stored_bytes"));
    for (int p = 0; p < 2; p++) {
        RUN_ENV(&r, env, READ_BIN, "--store", url, "--pipeline", pipelines[p]);
        ASSERT_OK(&r, "workload-read");
        ck_assert_uint_eq(field(r.out, "checksum"), field(w.out, "checksum"));
        assert_field_str(r.out, "codec", codec);
    }
}
END_TEST

START_TEST(edge_chunks_s3)
{
    S3_ENV(env);
    result_t w, r;
    RUN_ENV(&w, env, WRITE_BIN, "--store", "s3://" BUCKET "/deep/edge/", "--size", "0.3",
            "--chunks", "0.1", "--codec", "zstd", "--pipeline", "zero-copy");
    ASSERT_OK(&w, "workload-write");
    ck_assert_uint_eq(field(w.out, "chunks"), 4);
    for (int p = 0; p < 2; p++) {
        RUN_ENV(&r, env, READ_BIN, "--store", "s3://" BUCKET "/deep/edge", "--pipeline",
                pipelines[p]);
        ASSERT_OK(&r, "workload-read");
        ck_assert_uint_eq(field(r.out, "checksum"), field(w.out, "checksum"));
    }
}
END_TEST

START_TEST(errors_s3)
{
    S3_ENV(env);
    char obj[512];
    result_t w, r;
    /* No such array: the .zarray GET is a 404. */
    RUN_ENV(&r, env, READ_BIN, "--store", "s3://" BUCKET "/absent");
    assert_one_line_error(&r, 1, "404");

    RUN_ENV(&w, env, WRITE_BIN, "--store", "s3://" BUCKET "/err", "--size", "0.3", "--chunks",
            "0.1");
    ASSERT_OK(&w, "workload-write");
    /* A chunk shorter than the metadata says, then a chunk missing. */
    th_s3_object_path(obj, sizeof obj, "err", "1");
    ck_assert_int_eq(truncate(obj, 1000), 0);
    for (int p = 0; p < 2; p++) {
        RUN_ENV(&r, env, READ_BIN, "--store", "s3://" BUCKET "/err", "--pipeline", pipelines[p]);
        assert_one_line_error(&r, 1, NULL);
    }
    ck_assert_int_eq(unlink(obj), 0);
    RUN_ENV(&r, env, READ_BIN, "--store", "s3://" BUCKET "/err", "--pipeline", "zero-copy");
    assert_one_line_error(&r, 1, "404");

    /* s3rver checks the access key id (403) but not SigV4 signatures, so a
     * wrong secret would pass: the unknown key id stands for bad credentials. */
    char bad_buf[4][128], *bad[5];
    th_s3_env(bad_buf, bad, "NOT-A-KEY", th_s3.port);
    RUN_ENV(&r, bad, READ_BIN, "--store", "s3://" BUCKET "/err");
    assert_one_line_error(&r, 1, "403");
    RUN_ENV(&w, bad, WRITE_BIN, "--store", "s3://" BUCKET "/err2", "--size", "0.1");
    assert_one_line_error(&w, 1, "403");

    /* Missing credentials and a malformed URL fail before any request. */
    th_s3_env(bad_buf, bad, "", th_s3.port);
    RUN_ENV(&r, bad, READ_BIN, "--store", "s3://" BUCKET "/err");
    assert_one_line_error(&r, 1, "AWS_ACCESS_KEY_ID");
    RUN_ENV(&r, env, READ_BIN, "--store", "s3:///nobucket");
    assert_one_line_error(&r, 1, NULL);
}
END_TEST

/* A port nothing listens on: bound, then closed. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

START_TEST(refused_s3)
{
    char buf[4][128], *env[5];
    th_s3_env(buf, env, NULL, closed_port());
    result_t r;
    RUN_ENV(&r, env, WRITE_BIN, "--store", "s3://" BUCKET "/x", "--size", "0.1");
    assert_one_line_error(&r, 1, NULL);
    RUN_ENV(&r, env, READ_BIN, "--store", "s3://" BUCKET "/x", "--pipeline", "zero-copy");
    assert_one_line_error(&r, 1, NULL);
}
END_TEST

// ---- peak heap: the copy contract of workloads/write.c and read.c ----

#ifndef __SANITIZE_ADDRESS__ /* valgrind cannot run ASan binaries */

/* The profiler later counts round((peak - baseline) / payload) - 1 extra
 * copies; massif measures the same peak independently of memtrace.  Cases:
 * bit 0 read, bit 1 naive, bit 2 zstd (else none), bit 3 s3 (else file). */
static int expected_copies(int read, int naive, int compressed, int s3)
{
    if (!naive)
        return compressed;
    if (read && s3)
        return 2; /* small blocks joined, then copied or decompressed */
    return compressed ? 2 : 1;
}

static double massif_peak(char *const *env, char *const *argv, const char *out)
{
    char opt[300], *vg[16] = {"/usr/bin/valgrind", "--tool=massif", opt};
    snprintf(opt, sizeof opt, "--massif-out-file=%s", out);
    int n = 3;
    for (int i = 0; argv[i] && n < 15; i++)
        vg[n++] = argv[i];
    vg[n] = NULL;
    ck_assert_msg(access(vg[0], X_OK) == 0, "valgrind is missing (Debian package valgrind)");
    result_t r;
    run_env(&r, env, vg);
    ASSERT_OK(&r, argv[0]);
    FILE *f = fopen(out, "r");
    char line[256];
    unsigned long long peak = 0, v;
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "mem_heap_B=%llu", &v) == 1 && v > peak)
            peak = v;
    fclose(f);
    return (double)peak / (double)PAYLOAD;
}

START_TEST(peak_copies)
{
    int read = _i & 1, naive = _i >> 1 & 1, compressed = _i >> 2 & 1, s3 = _i >> 3 & 1;
    char *codec = compressed ? "zstd" : "none", *pipeline = pipelines[!naive];
    char url[300], dir[256], out[300], buf[4][128], *env[5] = {NULL};
    at_root(dir, sizeof dir, "peak-%d", _i);
    at_root(out, sizeof out, "massif-%d", _i);
    if (s3) {
        ck_assert_msg(th_s3.port > 0, "no S3 server: %s", th_s3.problem);
        th_s3_env(buf, env, NULL, th_s3.port);
        snprintf(url, sizeof url, "s3://" BUCKET "/peak/%d", _i);
    } else {
        snprintf(url, sizeof url, "file://%s", dir);
    }
    char *write_argv[] = {WRITE_BIN, "--store", url, "--size", "4", "--codec", codec,
                          "--pipeline", pipeline, NULL};
    char *read_argv[] = {READ_BIN, "--store", url, "--pipeline", pipeline, NULL};
    double peak;
    if (read) {
        result_t w;
        run_env(&w, env, write_argv);
        ASSERT_OK(&w, "workload-write");
        peak = massif_peak(env, read_argv, out);
    } else {
        peak = massif_peak(env, write_argv, out);
    }
    int want = expected_copies(read, naive, compressed, s3);
    /* The profiler's rounding, and every copy really there (the rest is
     * codec state and libcurl, a fraction of a payload). */
    ck_assert_msg((int)(peak + 0.5) - 1 == want && peak > want + 0.95,
                  "%s %s %s %s: peak %.3f payloads, expected %d extra copies",
                  read ? "read" : "write", s3 ? "s3" : "file", codec, pipeline, peak, want);
}
END_TEST
#endif

// ---- the accumulator ----

static const struct {
    char *chunk, *writes, *every;
    unsigned long long flushes, copies, bytes;
} accu_cases[] = {
    /* 2 flushes of 100000 pieces; realize flushes the last 50000 and joins 3. */
    {"16", "250000", "100000", 2, 250003, 4000000},
    {"16", "200000", "100000", 2, 200002, 3200000},
    {"16", "99999", "100000", 0, 99999, 1599984}, /* never flushed: one join */
    {"8", "10500", "1000", 10, 10511, 84000},
};

START_TEST(accumulate_flushes)
{
    result_t r;
    RUN(&r, ACCU_BIN, "--chunk", accu_cases[_i].chunk, "--writes", accu_cases[_i].writes,
        "--flush-every", accu_cases[_i].every);
    ASSERT_OK(&r, "workload-accumulate");
    ck_assert_uint_eq(field(r.out, "flushes"), accu_cases[_i].flushes);
    ck_assert_uint_eq(field(r.out, "copies"), accu_cases[_i].copies);
    ck_assert_uint_eq(field(r.out, "bytes"), accu_cases[_i].bytes);
}
END_TEST

START_TEST(accumulate_realloc)
{
    result_t r;
    /* 8192000 bytes in 128 KiB steps: 63 sizes, so 62 reallocs, all moved. */
    RUN(&r, ACCU_BIN, "--chunk", "4096", "--writes", "2000", "--grow", "realloc", "--step",
        "131072");
    ASSERT_OK(&r, "workload-accumulate");
    ck_assert_uint_eq(field(r.out, "reallocs"), 62);
    ck_assert_uint_eq(field(r.out, "moved"), 62);
    ck_assert_uint_eq(field(r.out, "bytes"), 8192000);
    RUN(&r, ACCU_BIN, "--chunk", "4096", "--writes", "10", "--grow", "realloc");
    assert_one_line_error(&r, 2, NULL);
    RUN(&r, ACCU_BIN, "--chunk", "0", "--writes", "10");
    assert_one_line_error(&r, 2, NULL);
}
END_TEST

static TCase *tcase(const char *name, int timeout, SFun setup, SFun teardown)
{
    TCase *tc = tcase_create(name);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, timeout);
    return tc;
}

Suite *workloads_suite(void)
{
    Suite *s = suite_create("workloads");
    TCase *tc = tcase("file", 60, root_setup, root_teardown);
    tcase_add_loop_test(tc, roundtrip_file, 0, 8);
    tcase_add_loop_test(tc, edge_chunks_file, 0, 8);
    tcase_add_loop_test(tc, corrupt_chunk_file, 0, 8);
    tcase_add_test(tc, errors_file);
    suite_add_tcase(s, tc);

    tc = tcase("zarr-python", 90, root_setup, root_teardown);
    tcase_add_loop_test(tc, interop_zarr_python, 0, 4);
    suite_add_tcase(s, tc);

    /* s3_setup makes the root too, and s3_teardown stops the server before
     * removing it. */
    tc = tcase("s3", 90, s3_setup, s3_teardown);
    tcase_add_loop_test(tc, roundtrip_s3, 0, 4);
    tcase_add_test(tc, edge_chunks_s3);
    tcase_add_test(tc, errors_s3);
    tcase_add_test(tc, refused_s3);
    suite_add_tcase(s, tc);

#ifndef __SANITIZE_ADDRESS__
    tc = tcase("peaks", 120, s3_setup, s3_teardown);
    tcase_add_loop_test(tc, peak_copies, 0, 16);
    suite_add_tcase(s, tc);
#endif

    tc = tcase("accumulate", 60, root_setup, root_teardown);
    tcase_add_loop_test(tc, accumulate_flushes, 0, 4);
    tcase_add_test(tc, accumulate_realloc);
    suite_add_tcase(s, tc);
    return s;
}
