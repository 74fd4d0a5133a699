/* The launcher's view of the process tree (see tree.h).  Children are named
 * from the same template as the top database (tracer/hooks/lifecycle.c:
 * ".<pid>" added unless the template has %p, ".N" on top), so every one of
 * them matches the template's name with %p and %e as wildcards followed by
 * anything; the run's own are those that started after the launcher did
 * and whose pid, parent's pid or nearest traced ancestor's pid (meta
 * traced_parent, through untraced processes) is one of the run's. */
#include "tracer/launcher/tree.h"

#include <glob.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/meta.h"
#include "format/schema.h"

/* ---- reading one database's facts ---- */

char *mt_launch_meta_text(sqlite3 *db, mt_meta_t key)
{
    sqlite3_stmt *st;
    char *v = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, mt_meta_key(key), -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

int64_t mt_launch_meta_int(sqlite3 *db, mt_meta_t key)
{
    char *v = mt_launch_meta_text(db, key), *end = NULL;
    int64_t r = v ? strtoll(v, &end, 10) : mt_meta_default(key);
    if (v && (end == v || *end))
        r = mt_meta_default(key);
    free(v);
    return r;
}

/* 0 with row filled from path's meta; -1 for a file that is not a trace. */
static int read_row(const char *path, mt_tree_row_t *row)
{
    sqlite3 *db;
    memset(row, 0, sizeof *row);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 2000);
    row->pid = mt_launch_meta_int(db, MT_META_PID);
    row->ppid = mt_launch_meta_int(db, MT_META_PPID);
    row->traced_parent = mt_launch_meta_int(db, MT_META_TRACED_PARENT);
    row->parent_image_ns = mt_launch_meta_int(db, MT_META_TRACED_PARENT_IMAGE_NS);
    row->born_ns = mt_launch_meta_int(db, MT_META_FORK_REALTIME_NS);
    row->start_ns = mt_launch_meta_int(db, MT_META_START_REALTIME_NS);
    row->command = mt_launch_meta_text(db, MT_META_COMMAND);
    row->exit_kind = mt_launch_meta_text(db, MT_META_EXIT_KIND);
    row->exit_status = mt_launch_meta_int(db, MT_META_EXIT_STATUS);
    row->exit_signal = mt_launch_meta_int(db, MT_META_EXIT_SIGNAL);
    if (row->born_ns < 0)
        row->born_ns = row->start_ns;
    sqlite3_close(db);
    if (row->pid < 0) {
        free(row->command);
        free(row->exit_kind);
        return -1;
    }
    row->path = strdup(path);
    return row->path ? 0 : -1;
}

static void free_row(mt_tree_row_t *r)
{
    free(r->path);
    free(r->command);
    free(r->exit_kind);
}

/* ---- finding the run's databases ---- */

/* The glob every database of the run matches: the template with %p and %e
 * as '*' (in a directory's name too: a directory per process), then '*' for
 * the suffixes children add; the rest matches only itself. */
static int run_glob(const char *tmpl, char *out, size_t cap)
{
    size_t k = 0;
    for (const char *p = tmpl; *p; p++) {
        if (k + 3 >= cap)
            return -1;
        if (p[0] == '%' && (p[1] == 'p' || p[1] == 'e')) {
            out[k++] = '*';
            p++;
            continue;
        }
        if (strchr("*?[\\", *p))
            out[k++] = '\\';
        out[k++] = *p;
    }
    out[k++] = '*';
    out[k] = 0;
    return 0;
}

/* SQLite's own files beside a database are not traces. */
static int is_side_file(const char *name)
{
    static const char *const ends[] = {"-wal", "-shm", "-journal"};
    size_t n = strlen(name);
    for (size_t i = 0; i < 3; i++) {
        size_t e = strlen(ends[i]);
        if (n > e && !strcmp(name + n - e, ends[i]))
            return 1;
    }
    return 0;
}

static int push(mt_tree_t *t, size_t *cap, const mt_tree_row_t *row)
{
    if (t->n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        mt_tree_row_t *r = realloc(t->row, c * sizeof *r);
        if (!r)
            return -1;
        t->row = r;
        *cap = c;
    }
    t->row[t->n++] = *row;
    return 0;
}

/* Every trace that matches the template, top excluded. */
static void candidates(const char *tmpl, const char *top, int64_t started_ns, mt_tree_t *c,
                       size_t *cap)
{
    char pattern[8192];
    glob_t g;
    if (run_glob(tmpl, pattern, sizeof pattern) < 0 || glob(pattern, 0, NULL, &g) != 0)
        return;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *path = g.gl_pathv[i], *slash = strrchr(path, '/');
        mt_tree_row_t row;
        if (is_side_file(slash ? slash + 1 : path) || !strcmp(path, top) ||
            read_row(path, &row) < 0)
            continue;
        if (row.start_ns < started_ns || push(c, cap, &row) < 0)
            free_row(&row);
    }
    globfree(&g);
}

static int has_pid(const mt_tree_t *t, int64_t pid)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->row[i].pid == pid)
            return 1;
    return 0;
}

static int by_start(const void *a, const void *b)
{
    const mt_tree_row_t *x = a, *y = b;
    if (x->start_ns != y->start_ns)
        return x->start_ns < y->start_ns ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* The row of pid's image that was running when row i came to be (its
 * fork, not its database's opening at its first commit, which may follow
 * its parent's next exec): the latest that started before, else the first
 * at all; 0 none. */
static size_t image_of(const mt_tree_t *t, int64_t pid, size_t i)
{
    size_t before = 0, after = 0;
    for (size_t j = 0; j < t->n; j++) {
        if (j == i || t->row[j].pid != pid)
            continue;
        if (t->row[j].start_ns <= t->row[i].born_ns)
            before = j + 1;
        else if (!after)
            after = j + 1;
    }
    return before ? before : after;
}

/* The image of pid that started at start_ns, if the trace names one. */
static size_t image_named(const mt_tree_t *t, int64_t pid, int64_t start_ns)
{
    for (size_t j = 0; start_ns >= 0 && j < t->n; j++)
        if (t->row[j].pid == pid && t->row[j].start_ns == start_ns)
            return j + 1;
    return 0;
}

/* The row each one came from: the image of its own pid before it (it
 * exec'd from that; images of one pid follow one another), else the image
 * its nearest traced ancestor named when the line forked from it (it may
 * have exec'd since), else its parent's image by time, else that
 * ancestor's by time, else the top. */
static void link_parents(mt_tree_t *t)
{
    for (size_t i = 1; i < t->n; i++) {
        size_t same = 0;
        for (size_t j = 0; j < i; j++)
            if (t->row[j].pid == t->row[i].pid)
                same = j + 1;
        size_t up = same ? same
                         : image_named(t, t->row[i].traced_parent, t->row[i].parent_image_ns);
        if (!up)
            up = image_of(t, t->row[i].ppid, i);
        if (!up && t->row[i].traced_parent > 0)
            up = image_of(t, t->row[i].traced_parent, i);
        t->row[i].parent = up ? up : 1;
    }
}

int mt_tree_find(const char *tmpl, const char *top, int64_t started_ns, mt_tree_t *t)
{
    mt_tree_t c = {0};
    size_t cap = 0, ccap = 0;
    memset(t, 0, sizeof *t);
    mt_tree_row_t root;
    if (read_row(top, &root) < 0 || push(t, &cap, &root) < 0)
        return -1;
    candidates(tmpl, top, started_ns, &c, &ccap);
    /* joined by pid until nothing more joins: a child's parent may come
     * after it in the directory */
    for (int grew = 1; grew;) {
        grew = 0;
        for (size_t i = 0; i < c.n; i++) {
            const mt_tree_row_t *r = &c.row[i];
            if (!r->path || !(has_pid(t, r->pid) || has_pid(t, r->ppid) ||
                              (r->traced_parent > 0 && has_pid(t, r->traced_parent))))
                continue;
            if (push(t, &cap, &c.row[i]) < 0)
                break;
            c.row[i].path = NULL; /* moved */
            grew = 1;
        }
    }
    for (size_t i = 0; i < c.n; i++)
        if (c.row[i].path)
            free_row(&c.row[i]);
    free(c.row);
    qsort(t->row + 1, t->n - 1, sizeof *t->row, by_start);
    link_parents(t);
    return 0;
}

size_t mt_tree_program(const mt_tree_t *t, pid_t child)
{
    size_t last = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->row[i].pid == child)
            last = i;
    return last;
}

/* ---- the tree table ---- */

int mt_tree_write(const char *top, const mt_tree_t *t)
{
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", top);
    const char *d = dirname(dir);
    size_t dl = strlen(d);
    if (sqlite3_open_v2(top, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE;" MT_SCHEMA_SQL "DELETE FROM tree;", NULL, NULL,
                     NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO tree(id, parent, pid, ppid, db, command, exit_kind,"
                           " exit_status, exit_signal, start_realtime_ns)"
                           " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    for (size_t i = 0; i < t->n; i++) {
        const mt_tree_row_t *r = &t->row[i];
        /* beside the top database: its name alone, so the files can move */
        const char *name =
            !strncmp(r->path, d, dl) && r->path[dl] == '/' ? r->path + dl + 1 : r->path;
        sqlite3_bind_int64(st, 1, (int64_t)i + 1);
        sqlite3_bind_int64(st, 2, (int64_t)r->parent);
        sqlite3_bind_int64(st, 3, r->pid);
        sqlite3_bind_int64(st, 4, r->ppid);
        sqlite3_bind_text(st, 5, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, r->command, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, r->exit_kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, r->exit_status);
        sqlite3_bind_int64(st, 9, r->exit_signal);
        sqlite3_bind_int64(st, 10, r->start_ns);
        if (sqlite3_step(st) != SQLITE_DONE)
            goto fail;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_close(db);
    return 0;
fail:
    fprintf(stderr, "memtrace: cannot record the process tree in %s: %s\n", top,
            sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return -1;
}

void mt_tree_free(mt_tree_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        free_row(&t->row[i]);
    free(t->row);
    memset(t, 0, sizeof *t);
}
