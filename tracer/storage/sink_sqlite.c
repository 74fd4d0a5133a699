/* SQLite implementation of sink.h.  synchronous=OFF: a commit survives
 * the death of the process (the data is in the page cache), which is the
 * crash we must survive; an OS crash we need not.  WAL: a commit is
 * atomic whenever the process dies, and readers never block the writer. */
#include "tracer/storage/sink.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/kinds.h"
#include "format/meta.h"
#include "format/schema.h"
#include "gen/schema_image.h"
#include "tracer/common.h"
#include "tracer/storage/sqlmem.h"

enum { ST_META, ST_THREAD, ST_MODULE, ST_NODE, ST_CODE, ST_BATCH, ST_COPY, ST_MAP, ST_SMALL, ST_REGION,
      ST_REGION_END, ST_N };
static const char *const sql[ST_N] = {
    MT_META_PUT_SQL,
    "INSERT OR IGNORE INTO threads(tid, first_ns, name) VALUES(?, ?, ?)",
    "INSERT INTO modules(id, path, bias, start, end, build_id, load_ns) VALUES(?,?,?,?,?,?,?)",
    "INSERT INTO stack_nodes(id, parent, ip) VALUES(?, ?, ?)",
    "INSERT OR REPLACE INTO py_code(id, filename, qualname, firstlineno, linetable)"
    " VALUES(?,?,?,?,?)",
    "INSERT INTO alloc_batches(tid, first_ns, last_ns, count, data) VALUES(?,?,?,?,?)",
    "INSERT INTO copies(ts_ns, end_ns, tid, kind, src, dst, bytes, pieces, stack, copy_ns)"
    " VALUES(?,?,?,?,?,?,?,?,?,?)",
    "INSERT INTO mappings(ts_ns, tid, kind, addr, size, old_addr, old_size, prot, flags, fd,"
    " anon, stack) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT OR REPLACE INTO small_copies(tid, size_class, count, bytes) VALUES(?,?,?,?)",
    "INSERT INTO regions(id, tid, parent, depth, name, begin_ns) VALUES(?,?,?,?,?,?)",
    "UPDATE regions SET end_ns = ? WHERE id = ?",
};

static sqlite3 *db;
static sqlite3_stmt *st[ST_N];
static char db_path[4096];
static int failed; /* a write failed: warn once, keep the program running */

/* ---- our descriptors ----
 * SQLite opens the database, and later its -wal and -shm, itself; we learn
 * their numbers by inode so the close hooks can keep a program that closes
 * descriptors it did not open (daemons, closerange) from taking them, and
 * then reusing their numbers for files our pages would be written into. */
#define OWNED 3
static _Atomic int owned[OWNED] = {-1, -1, -1};

int mt_sink_owns_fd(int fd)
{
    for (int i = 0; i < OWNED; i++)
        if (fd >= 0 && atomic_load_explicit(&owned[i], memory_order_relaxed) == fd)
            return 1;
    return 0;
}

/* The /proc/self/fd scan runs only when one of our files exists whose
 * descriptor is not known yet, and a few times at most per database: a
 * file SQLite made but holds no descriptor for would otherwise be looked
 * for at every commit. */
#define MAX_FD_SCANS 8
static int fd_scans;

static void learn_fds(void)
{
    if (atomic_load(&owned[OWNED - 1]) >= 0 || fd_scans >= MAX_FD_SCANS)
        return; /* all three known, or given up on */
    struct stat want[OWNED];
    static const char *const suffix[OWNED] = {"", "-wal", "-shm"};
    int missing = 0;
    for (int i = 0; i < OWNED; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s%s", db_path, suffix[i]);
        if (atomic_load(&owned[i]) >= 0 || stat(p, &want[i]) != 0)
            want[i].st_ino = 0;
        else
            missing++;
    }
    DIR *d = missing ? opendir("/proc/self/fd") : NULL;
    if (d)
        fd_scans++;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int fd = atoi(e->d_name);
        struct stat st;
        if (e->d_name[0] == '.' || fd == dirfd(d) || fstat(fd, &st) != 0)
            continue;
        for (int i = 0; i < OWNED; i++)
            if (want[i].st_ino && st.st_ino == want[i].st_ino && st.st_dev == want[i].st_dev)
                atomic_store(&owned[i], fd);
    }
    if (d)
        closedir(d);
}

static void forget_fds(void)
{
    fd_scans = 0;
    for (int i = 0; i < OWNED; i++)
        atomic_store(&owned[i], -1);
}

int mt_sink_fds(int out[3])
{
    int n = 0;
    for (int i = 0; i < OWNED; i++) {
        int fd = atomic_load(&owned[i]), j = n++;
        if (fd < 0) {
            n--;
            continue;
        }
        while (j > 0 && out[j - 1] > fd) { /* insertion: three at most */
            out[j] = out[j - 1];
            j--;
        }
        out[j] = fd;
    }
    return n;
}

void mt_sink_abandon(void)
{
    /* never closed: closing would checkpoint or unlock the parent's file */
    forget_fds();
    for (int i = 0; i < ST_N; i++)
        st[i] = NULL;
    db = NULL;
    mt_sqlmem_after_fork_child();
}

static void fail(const char *what)
{
    if (!failed)
        mt_warn("writing %s failed (%s): %s; the trace stops here", db_path, what,
                db ? sqlite3_errmsg(db) : "?");
    failed = 1;
}

static int exec(const char *s)
{
    if (sqlite3_exec(db, s, NULL, NULL, NULL) != SQLITE_OK) {
        fail(s);
        return -1;
    }
    return 0;
}

/* The empty schema is written from its image (mk/schema_image.c), in WAL
 * mode already: running it took a good part of a short process's set-up. */
static int write_image(int fd)
{
    if (ftruncate(fd, MT_IMAGE_SIZE) != 0)
        return -errno;
    for (size_t i = 0; i < sizeof mt_image_runs / sizeof mt_image_runs[0]; i++)
        if (pwrite(fd, mt_image_runs[i].bytes, mt_image_runs[i].len, mt_image_runs[i].off) !=
            (ssize_t)mt_image_runs[i].len)
            return errno ? -errno : -EIO;
    return 0;
}

static int create_file(const char *path, int force)
{
    if (force) {
        char side[4200];
        unlink(path);
        snprintf(side, sizeof side, "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", path);
        unlink(side);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int err = write_image(fd);
    close(fd);
    return err;
}

/* Once per process, before the first connection: memory of our own
 * (sqlmem.h), and no bulk allocation for the page cache or the lookaside,
 * whose every page SQLite touches at once (a fault each, and in a forked
 * child a copy each: half the faults of a short process's set-up); the
 * blocks are allocated as needed instead. */
static void configure(void)
{
    static int done;
    if (!done) {
        mt_sqlmem_install();
        sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)NULL, 0, 0);
        sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
    }
    done = 1;
}

int mt_sink_open(const char *path, int force, int append)
{
    configure();
    failed = 0;
    snprintf(db_path, sizeof db_path, "%s", path);
    if (!append) {
        int err = create_file(path, force);
        if (err == -EEXIST) {
            mt_warn("%s exists; not overwriting it (set MEMTRACE_FORCE=1 or use -f); "
                    "running untraced", path);
            return -1;
        }
        if (err) {
            mt_warn("cannot create %s: %s; running untraced", path, strerror(-err));
            return -1;
        }
    }
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        mt_warn("cannot open %s: %s; running untraced", path, db ? sqlite3_errmsg(db) : "?");
        sqlite3_close(db);
        db = NULL;
        return -1;
    }
    /* A new file holds the schema already and is in WAL mode (its image);
     * one reopened after a failed exec has the schema.  The statements are
     * prepared at their first use: a short process needs half. */
    if (exec(append ? "PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL" : "PRAGMA synchronous=OFF") <
        0)
        goto bad;
    return 0;
bad:
    mt_warn("cannot set up %s; running untraced", path);
    mt_sink_close();
    return -1;
}

int mt_sink_begin(void) { return failed ? -1 : exec("BEGIN"); }

int mt_sink_commit(void)
{
    if (failed)
        return -1;
    int rc = exec("COMMIT");
    learn_fds();
    return rc;
}

void mt_sink_close(void)
{
    if (!db)
        return;
    for (int i = 0; i < ST_N; i++) {
        sqlite3_finalize(st[i]);
        st[i] = NULL;
    }
    /* out of WAL, so the file is self-contained (no -wal, no -shm), with
     * the header rewritten under a journal in memory: each file a process
     * makes costs an inode (ext4 looks for one not recently deleted, which
     * a fork-heavy script's hundreds of -wal, -shm and -journal files made
     * slow), and this one would be made and deleted at once */
    if (!failed)
        sqlite3_exec(db, "PRAGMA journal_mode=MEMORY", NULL, NULL, NULL);
    forget_fds();
    sqlite3_close(db);
    db = NULL;
}

/* Binds the arguments given as a format ('i' int64, 't' text, 'b' blob
 * pointer + length, 'n' null), steps and resets. */
static void run(int which, const char *fmt, const int64_t *iv, const char *const *tv,
                const void *blob, size_t blen)
{
    if (failed || !db)
        return;
    if (!st[which] && sqlite3_prepare_v2(db, sql[which], -1, &st[which], NULL) != SQLITE_OK) {
        fail(sql[which]);
        return;
    }
    sqlite3_stmt *s = st[which];
    int ii = 0, ti = 0;
    for (int k = 0; fmt[k]; k++) {
        int col = k + 1;
        switch (fmt[k]) {
        case 'i': sqlite3_bind_int64(s, col, iv[ii++]); break;
        case 't':
            if (tv[ti])
                sqlite3_bind_text(s, col, tv[ti], -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(s, col);
            ti++;
            break;
        case 'b': sqlite3_bind_blob(s, col, blob, (int)blen, SQLITE_STATIC); break;
        default: break;
        }
    }
    if (sqlite3_step(s) != SQLITE_DONE)
        fail(sql[which]);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

void mt_sink_meta_text(mt_meta_t key, const char *value)
{
    const char *tv[] = {mt_meta_key(key), value};
    run(ST_META, "tt", NULL, tv, NULL, 0);
}

void mt_sink_meta_int(mt_meta_t key, int64_t value)
{
    const char *tv[] = {mt_meta_key(key)};
    int64_t iv[] = {value};
    run(ST_META, "ti", iv, tv, NULL, 0);
}

void mt_sink_thread(uint32_t tid, uint64_t first_ns, const char *name)
{
    int64_t iv[] = {tid, (int64_t)first_ns};
    const char *tv[] = {name};
    run(ST_THREAD, "iit", iv, tv, NULL, 0);
}

void mt_sink_module(uint32_t id, const char *path, uint64_t bias, uint64_t start, uint64_t end,
                    const char *build_id, uint64_t load_ns)
{
    int64_t iv[] = {id, (int64_t)bias, (int64_t)start, (int64_t)end, (int64_t)load_ns};
    const char *tv[] = {path, build_id};
    run(ST_MODULE, "itiiiti", iv, tv, NULL, 0);
}

void mt_sink_stack_node(mt_node_id_t id, mt_node_id_t parent, uint64_t ip)
{
    int64_t iv[] = {id.v, parent.v, (int64_t)ip};
    run(ST_NODE, "iii", iv, NULL, NULL, 0);
}

void mt_sink_region(uint64_t id, uint32_t tid, uint64_t parent, int depth, const char *name,
                    uint64_t begin_ns)
{
    int64_t iv[] = {(int64_t)id, tid, (int64_t)parent, depth, (int64_t)begin_ns};
    const char *tv[] = {name};
    run(ST_REGION, "iiiiti", iv, tv, NULL, 0);
}

void mt_sink_region_end(uint64_t id, uint64_t end_ns)
{
    int64_t iv[] = {(int64_t)end_ns, (int64_t)id};
    run(ST_REGION_END, "ii", iv, NULL, NULL, 0);
}

void mt_sink_py_code(uint64_t id, const char *filename, const char *qualname, int firstlineno,
                     const void *linetable, size_t len)
{
    int64_t iv[] = {(int64_t)id, firstlineno};
    const char *tv[] = {filename, qualname};
    run(ST_CODE, "ittib", iv, tv, linetable, len);
}

void mt_sink_alloc_batch(uint32_t tid, uint64_t first_ns, uint64_t last_ns, uint64_t count,
                         const void *blob, size_t len)
{
    int64_t iv[] = {tid, (int64_t)first_ns, (int64_t)last_ns, (int64_t)count};
    run(ST_BATCH, "iiiib", iv, NULL, blob, len);
}

void mt_sink_copy(uint64_t ts, uint64_t end, uint64_t copy_ns, uint32_t tid, int kind,
                  uint64_t src, uint64_t dst, uint64_t bytes, uint64_t pieces,
                  mt_node_id_t stack)
{
    int64_t iv[] = {(int64_t)ts, (int64_t)end, tid, (int64_t)src, (int64_t)dst,
                    (int64_t)bytes, (int64_t)pieces, stack.v, (int64_t)copy_ns};
    const char *tv[] = {mt_kind_name(MT_KINDS_COPY, kind)};
    run(ST_COPY, "iiitiiiiii", iv, tv, NULL, 0);
}

void mt_sink_mapping(uint64_t ts, uint32_t tid, int kind, uint64_t addr, uint64_t size,
                     uint64_t old_addr, uint64_t old_size, int prot, int flags, int fd,
                     int arena, mt_node_id_t stack)
{
    int anon = arena ? 2 : fd < 0 || (flags & MAP_ANONYMOUS) != 0;
    int64_t iv[] = {(int64_t)ts, tid, (int64_t)addr, (int64_t)size, (int64_t)old_addr,
                    (int64_t)old_size, prot, flags, fd, anon, stack.v};
    const char *tv[] = {mt_kind_name(MT_KINDS_MAP, kind)};
    run(ST_MAP, "iitiiiiiiiii", iv, tv, NULL, 0);
}

void mt_sink_small_copies(uint32_t tid, int size_class, uint64_t count, uint64_t bytes)
{
    int64_t iv[] = {tid, size_class, (int64_t)count, (int64_t)bytes};
    run(ST_SMALL, "iiii", iv, NULL, NULL, 0);
}
