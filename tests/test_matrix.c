/* The copy matrix: every row of workloads/copies.tsv run under the tracer at
 * 16 MiB, one chunk, and held to its extra copies twice: by `memtrace-report
 * gate --max-extra-copies N` (what CI users run) and by the exact count of
 * `memtrace-report --json`, so a copy added or lost fails naming the cell.
 * The traced programs are the plain (never sanitized) workload builds. */
#include "tests/helpers.h"
#include "tests/s3server.h"

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TABLE MT_SOURCE_DIR "/workloads/copies.tsv"
#define MEMTRACE MT_BUILD_DIR "/memtrace"
#define REPORT MT_BUILD_DIR "/memtrace-report"
#define WRITE_BIN MT_BUILD_DIR "/plain/workload-write"
#define READ_BIN MT_BUILD_DIR "/plain/workload-read"

/* 16 MiB, the smallest power of two at which every cell sits at least a
 * quarter payload from a rounding edge.  What does not scale with the array
 * must stay inside the analyzer's rounding: blosc's compression context
 * (2 MiB for lz4, 4 MiB for zstd) puts the blosc-zstd zero-copy write at 2.50
 * payloads at 8 MiB, either side of the edge, and at 2.25 at 16 MiB; libcurl's
 * buffers add under 0.01 payload. */
#define SIZE_MIB "16"
#define MAX_CELLS 64

typedef struct {
    char dir[8], store[8], codec[16], pipeline[16];
    int copies;
} cell_t;

static cell_t cells[MAX_CELLS];
static int ncells;
static char table_problem[512];

// ---- the table ----

/* Reads copies.tsv: '#' lines are comments, every other line one cell. */
static int load_table(void)
{
    FILE *f = fopen(TABLE, "r");
    char line[256];
    int lineno = 0;
    ncells = 0;
    if (!f) {
        snprintf(table_problem, sizeof table_problem, "cannot read %s", TABLE);
        return 0;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        cell_t *c = &cells[ncells];
        char extra;
        if (ncells == MAX_CELLS ||
            sscanf(line, "%7[^\t]\t%7[^\t]\t%15[^\t]\t%15[^\t]\t%d%c", c->dir, c->store,
                   c->codec, c->pipeline, &c->copies, &extra) != 6 ||
            extra != '\n') {
            snprintf(table_problem, sizeof table_problem, "%s:%d: not a cell: %s", TABLE, lineno,
                     line);
            ncells = 0;
            break;
        }
        ncells++;
    }
    fclose(f);
    return ncells;
}

START_TEST(table_readable)
{
    ck_abort_msg("%s", table_problem);
}
END_TEST

/* The table covers the whole matrix, each cell once: a row cannot go missing. */
START_TEST(table_complete)
{
    static const char *const dirs[] = {"write", "read"}, *const stores[] = {"file", "s3"},
                             *const codecs[] = {"none", "blosc-lz4", "blosc-zstd", "zstd"},
                             *const pipelines[] = {"naive", "zero-copy"};
    ck_assert_int_eq(ncells, 2 * 2 * 4 * 2);
    for (int k = 0; k < ncells; k++) {
        int found = 0;
        for (int i = 0; i < ncells; i++)
            found += strcmp(cells[i].dir, dirs[k / 16]) == 0 &&
                     strcmp(cells[i].store, stores[k / 8 % 2]) == 0 &&
                     strcmp(cells[i].codec, codecs[k / 2 % 4]) == 0 &&
                     strcmp(cells[i].pipeline, pipelines[k % 2]) == 0;
        ck_assert_msg(found == 1, "%s %s %s %s: %d rows in the table", dirs[k / 16],
                      stores[k / 8 % 2], codecs[k / 2 % 4], pipelines[k % 2], found);
    }
}
END_TEST

// ---- temporary root and server, made and removed by the runner ----

static char root[128];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void matrix_setup(void)
{
    snprintf(root, sizeof root, "/tmp/mt-matrix-XXXXXX");
    if (!mkdtemp(root))
        root[0] = '\0';
    th_s3_start(root);
}

static void matrix_teardown(void)
{
    th_s3_stop();
    if (root[0])
        nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

// ---- one cell ----

/* Runs argv (env_extra added), stdout into out; fails the test unless it exits 0. */
static void run_ok(char *const argv[], char *const env[], char *out, size_t cap, const char *cell)
{
    int st = th_run(argv, env, out, cap);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: %s exited with status %#x", cell,
                  argv[0], st);
}

/* The number after the first "key": in a JSON text; -1 when absent. */
static double json_number(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    return p ? strtod(p + strlen(pat), NULL) : -1;
}

START_TEST(cell)
{
    cell_t *c = &cells[_i];
    char name[80], url[300], db[300], max[16];
    snprintf(name, sizeof name, "%s %s %s %s", c->dir, c->store, c->codec, c->pipeline);
    ck_assert_msg(root[0], "no temporary directory");

    char buf[4][128], *env[5] = {NULL};
    if (strcmp(c->store, "s3") == 0) {
        ck_assert_msg(th_s3.port > 0, "%s: no S3 server: %s", name, th_s3.problem);
        th_s3_env(buf, env, NULL, th_s3.port);
        snprintf(url, sizeof url, "s3://" TH_S3_BUCKET "/cell-%d", _i);
    } else {
        ck_assert_msg(strcmp(c->store, "file") == 0, "%s: unknown store", name);
        snprintf(url, sizeof url, "file://%s/cell-%d", root, _i);
    }
    snprintf(db, sizeof db, "%s/cell-%d.db", root, _i);

    /* A read is traced on its own: the array is written untraced first. */
    char *write_argv[] = {WRITE_BIN,  "--store",    url,           "--size", SIZE_MIB,
                          "--codec",  c->codec,     "--pipeline",  c->pipeline, NULL};
    char *read_argv[] = {READ_BIN, "--store", url, "--pipeline", c->pipeline, NULL};
    int is_read = strcmp(c->dir, "read") == 0;
    ck_assert_msg(is_read || strcmp(c->dir, "write") == 0, "%s: unknown direction", name);
    if (is_read)
        run_ok(write_argv, env, NULL, 0, name);
    char *const *prog = is_read ? read_argv : write_argv;
    char *traced[16] = {MEMTRACE, "run", "-f", "-o", db, "--"};
    for (int i = 0; prog[i]; i++)
        traced[6 + i] = prog[i];
    run_ok(traced, env, NULL, 0, name);

    /* The exact count first, so a wrong cell says which and by how much.
     * The JSON lists every copy and peak buffer, whatever --top says: a few
     * MiB for the zstd cells. */
    size_t cap = 32 << 20;
    char *json = malloc(cap);
    ck_assert_ptr_nonnull(json);
    char *report[] = {REPORT, db, "--json", "--top", "1", NULL};
    run_ok(report, NULL, json, cap, name);
    ck_assert_msg(strlen(json) < cap - 1, "%s: report longer than %zu bytes", name, cap);
    double extra = json_number(json, "extra_copies");
    double payload = json_number(json, "payload_bytes");
    double over = json_number(json, "total_bytes") - json_number(json, "baseline_bytes");
    ck_assert_msg(extra == c->copies,
                  "%s: extra copies %.0f, table says %d (peak - baseline = %.3f payloads)", name,
                  extra, c->copies, payload > 0 ? over / payload : -1);
    free(json);

    /* ...and the gate CI would run agrees. */
    char out[1024];
    snprintf(max, sizeof max, "%d", c->copies);
    char *gate[] = {REPORT, "gate", db, "--max-extra-copies", max, NULL};
    int st = th_run(gate, NULL, out, sizeof out);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: gate --max-extra-copies %d: %s",
                  name, c->copies, out);
    unlink(db); /* 16 MiB runs make small traces, but 32 of them add up */
}
END_TEST

Suite *matrix_suite(void)
{
    Suite *s = suite_create("matrix");
    TCase *tc = tcase_create("copies");
    if (load_table()) {
        /* One server and one root for every cell; the cells run one at a time. */
        tcase_add_unchecked_fixture(tc, matrix_setup, matrix_teardown);
        tcase_add_test(tc, table_complete);
        tcase_add_loop_test(tc, cell, 0, ncells);
    } else {
        tcase_add_test(tc, table_readable);
    }
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
