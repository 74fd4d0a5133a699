/* Python frames: scripts of tests/python/ run by Debian's python3 under the
 * tracer, their stacks read back through the analyzer, each Python frame
 * checked by function and line, in order and at its place among the native
 * frames.  Also the interpreter's layout against gdb, the location-table
 * decoder against co_positions() for the whole standard library, a Python
 * the tracer does not know, and the switch that turns frames off. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyzer/model/analyze.h"
#include "analyzer/symbolize/frames.h"
#include "analyzer/symbolize/pyline.h"
#include "format/pyframe.h"
#include "tests/helpers.h"
#include "tracer/capture/pylayout.h"

#define PY "/usr/bin/python3.11"
#define PYENV "/root/.pyenv/versions/3.11.7/bin/python3.11"
#define SCRIPT(name) MT_SOURCE_DIR "/tests/python/" name

static int traced(const char *python, const char *db, const char *script, char *const extra[])
{
    char output[4096];
    snprintf(output, sizeof output, "MEMTRACE_OUTPUT=%s", db);
    char *env[8] = {"LD_PRELOAD=" PRELOAD_LIB, output};
    for (int i = 0; extra && extra[i] && i < 5; i++)
        env[2 + i] = extra[i];
    return th_run((char *const[]){(char *)python, (char *)script, NULL}, env, NULL, 0);
}

/* Traces tests/python/<name>.py with Debian's python3 into a new database;
 * returns its path (valid until the next call). */
static const char *trace_script(const char *name)
{
    static char db[512];
    char script[512];
    snprintf(db, sizeof db, "%s/%s.db", th_tempdir(), name);
    snprintf(script, sizeof script, SCRIPT("%s.py"), name);
    ck_assert_int_eq(traced(PY, db, script, NULL), 0);
    return db;
}

/* The Python frames of a stack as "name:line name:line ...", innermost
 * first, and where they sit: *first is the index of the first Python frame,
 * and after_last the function of the frame after the first group. */
typedef struct {
    char py[2048];
    size_t first, n;
    char after[128];
} pystack_t;

static void python_frames(const char *db, int64_t node, pystack_t *out)
{
    char err[256];
    mtr_trace_t *t = mtr_trace_open(db, err, sizeof err);
    ck_assert_msg(t, "%s", err);
    mtr_frames_t *f = mtr_frames_open(t);
    const mtr_sframe_t *fr;
    size_t n = mtr_frames_get(f, (uint32_t)node, &fr), len = 0;
    memset(out, 0, sizeof *out);
    out->first = n;
    out->n = n;
    int group_done = 0;
    for (size_t i = 0; i < n; i++) {
        if (!fr[i].python) {
            if (out->first < n && !group_done) {
                snprintf(out->after, sizeof out->after, "%s", fr[i].function ? fr[i].function : "?");
                group_done = 1;
            }
            continue;
        }
        if (out->first == n)
            out->first = i;
        const char *base = strrchr(fr[i].file, '/');
        len += (size_t)snprintf(out->py + len, sizeof out->py - len, "%s%s@%s:%d", len ? " " : "",
                                fr[i].function, base ? base + 1 : fr[i].file, fr[i].line);
    }
    mtr_frames_close(f);
    mtr_trace_close(t);
}

/* The stack of the one copy of `bytes` bytes. */
static int64_t copy_stack(const char *db, uint64_t bytes)
{
    sqlite3 *s = th_open(db);
    ck_assert_int_eq(th_int(s, "SELECT count(*) FROM copies WHERE bytes = %llu",
                            (unsigned long long)bytes), 1);
    int64_t node = th_int(s, "SELECT stack FROM copies WHERE bytes = %llu",
                          (unsigned long long)bytes);
    sqlite3_close(s);
    return node;
}

/* The stack of the one allocation of `size` bytes. */
static int64_t alloc_stack(const char *db, uint64_t size)
{
    sqlite3 *s = th_open(db);
    size_t n;
    mt_alloc_event_t *ev = th_events(s, &n);
    int64_t node = -1;
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == MT_EV_ALLOC && ev[i].size == size) {
            node = (int64_t)ev[i].stack;
            found++;
        }
    free(ev);
    sqlite3_close(s);
    ck_assert_msg(found == 1, "%d allocations of %llu bytes", found, (unsigned long long)size);
    return node;
}

#define DEEP_FRAMES "third@deep.py:8 second@deep.py:12 first@deep.py:17 <module>@deep.py:20"

/* deep.py's copy under python with the extra settings given. */
static void deep_copy(const char *python, char *const extra[], pystack_t *p)
{
    char db[512];
    snprintf(db, sizeof db, "%s/deep.db", th_tempdir());
    ck_assert_int_eq(traced(python, db, SCRIPT("deep.py"), extra), 0);
    python_frames(db, copy_stack(db, 1 << 20), p);
}

static void deep_copy_with(const char *python)
{
    pystack_t p;
    deep_copy(python, NULL, &p);
    ck_assert_str_eq(p.py, DEEP_FRAMES);
    /* below the native frames of the copy, above the activation that ran them */
    ck_assert_uint_ge(p.first, 2);
    ck_assert_str_eq(p.after, "_PyEval_EvalFrameDefault");
}

/* The same with every stack taken by libunwind, and with native stacks
 * cut short: the Python frames keep their order and their place before
 * the eval loop that ran them, whichever native frames were kept. */
START_TEST(other_unwinders_and_depths)
{
    pystack_t p;
    deep_copy(PY, (char *const[]){"MEMTRACE_UNWIND=libunwind", NULL}, &p);
    ck_assert_str_eq(p.py, DEEP_FRAMES);
    ck_assert_str_eq(p.after, "_PyEval_EvalFrameDefault");
    for (int depth = 3; depth <= 9; depth++) {
        char set[32];
        snprintf(set, sizeof set, "MEMTRACE_DEPTH=%d", depth);
        deep_copy(PY, (char *const[]){set, NULL}, &p);
        ck_assert_msg(!strcmp(p.py, DEEP_FRAMES), "depth %d: %s", depth, p.py);
        ck_assert_msg(!p.after[0] || !strcmp(p.after, "_PyEval_EvalFrameDefault"),
                      "depth %d: %s after the Python frames", depth, p.after);
        ck_assert_uint_ge(p.n, (size_t)depth + 4); /* inlined frames add more */
    }
}
END_TEST

START_TEST(copy_three_calls_deep) { deep_copy_with(PY); }
END_TEST

START_TEST(shared_libpython)
{
    if (access(PYENV, X_OK) != 0)
        return; /* the machine's pyenv interpreter, where there is one */
    deep_copy_with(PYENV);
}
END_TEST

START_TEST(worker_thread_with_gil_released)
{
    const char *db = trace_script("worker");
    pystack_t p;
    python_frames(db, copy_stack(db, 1 << 20), &p);
    ck_assert_str_eq(p.py, "work@worker.py:13 Thread.run@threading.py:975 "
                           "Thread._bootstrap_inner@threading.py:1038 "
                           "Thread._bootstrap@threading.py:995");
}
END_TEST

START_TEST(generator_and_coroutine_resumed)
{
    const char *db = trace_script("resume");
    pystack_t p;
    python_frames(db, copy_stack(db, 1 << 20), &p);
    ck_assert_str_eq(p.py, "gen@resume.py:7 resume_gen@resume.py:21 <module>@resume.py:35");
    python_frames(db, copy_stack(db, (1 << 20) + 4096), &p);
    ck_assert_str_eq(p.py, "coro@resume.py:12 resume_coro@resume.py:26 <module>@resume.py:36");
}
END_TEST

START_TEST(exec_loop_reused_code_addresses)
{
    const char *db = trace_script("execloop");
    for (int i = 0; i < 20; i++) {
        pystack_t p;
        char want[128];
        /* bytearray(n) asks for n + 1 bytes */
        python_frames(db, alloc_stack(db, (1u << 20) + 4096u * (unsigned)i + 1), &p);
        snprintf(want, sizeof want, "fn_%d@<string>:2 <module>@<string>:3 <module>@execloop.py:6",
                 i);
        ck_assert_str_eq(p.py, want);
    }
    sqlite3 *s = th_open(db);
    ck_assert_int_eq(th_int(s, "SELECT count(DISTINCT qualname) FROM py_code"
                               " WHERE qualname LIKE 'fn\\_%%' ESCAPE '\\'"), 20);
    sqlite3_close(s);
}
END_TEST

START_TEST(daemon_threads_at_shutdown)
{
    const char *dir = th_tempdir();
    for (int i = 0; i < 20; i++) {
        char db[512];
        snprintf(db, sizeof db, "%s/shutdown%d.db", dir, i);
        int st = traced(PY, db, SCRIPT("shutdown.py"), NULL);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "run %d: wait status %d", i, st);
    }
}
END_TEST

START_TEST(native_only)
{
    char db[512];
    snprintf(db, sizeof db, "%s/native.db", th_tempdir());
    ck_assert_int_eq(traced(PY, db, SCRIPT("deep.py"), (char *const[]){"MEMTRACE_PYTHON=0", NULL}),
                     0);
    sqlite3 *s = th_open(db);
    ck_assert(th_meta_is(s, MT_META_PYTHON, "off"));
    ck_assert_int_eq(th_int(s, "SELECT count(*) FROM stack_nodes WHERE ip >= %lld",
                            (long long)MT_PYFRAME_TAG), 0);
    sqlite3_close(s);
    snprintf(db, sizeof db, "%s/frames.db", th_tempdir());
    ck_assert_int_eq(traced(PY, db, SCRIPT("deep.py"), NULL), 0);
    s = th_open(db);
    ck_assert(th_meta_is(s, MT_META_PYTHON, "3.11.2"));
    sqlite3_close(s);
}
END_TEST

/* How many allocations of `size` bytes name allocators.py's line 3. */
static size_t objects_from_line3(const char *db, uint64_t size)
{
    sqlite3 *s = th_open(db);
    size_t n, hits = 0;
    mt_alloc_event_t *ev = th_events(s, &n);
    sqlite3_close(s);
    int64_t yes = -1, no = -1; /* the stacks seen, each symbolized once */
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind != MT_EV_ALLOC || ev[i].size != size)
            continue;
        int64_t node = (int64_t)ev[i].stack;
        if (node != yes && node != no) {
            pystack_t p;
            python_frames(db, node, &p);
            *(strstr(p.py, "<module>@allocators.py:3") ? &yes : &no) = node;
        }
        hits += node == yes;
    }
    free(ev);
    return hits;
}

START_TEST(python_allocators)
{
    char db[512];
    const char *dir = th_tempdir();
    snprintf(db, sizeof db, "%s/pymalloc.db", dir);
    ck_assert_int_eq(traced(PY, db, SCRIPT("allocators.py"), NULL), 0);
    ck_assert_uint_eq(objects_from_line3(db, 233), 0); /* 33-byte header + 200 */
    /* the launcher's flag, as a user would give it */
    snprintf(db, sizeof db, "%s/malloc.db", dir);
    char *argv[] = {MT_BUILD_DIR "/memtrace", "run", "-o", db, "--python-allocators", "--",
                    PY, SCRIPT("allocators.py"), NULL};
    ck_assert_int_eq(th_run(argv, NULL, NULL, 0), 0);
    ck_assert_uint_eq(objects_from_line3(db, 233), 10000);
    snprintf(db, sizeof db, "%s/native.db", dir);
    char *native[] = {MT_BUILD_DIR "/memtrace", "run", "-o", db, "--native-only", "--",
                      PY, SCRIPT("allocators.py"), NULL};
    ck_assert_int_eq(th_run(native, NULL, NULL, 0), 0);
    sqlite3 *s = th_open(db);
    ck_assert(th_meta_is(s, MT_META_PYTHON, "off"));
    sqlite3_close(s);
}
END_TEST

/* 1 if a frame of the stack is in function fn (symbolized by the analyzer,
 * with python3.11-dbg's symbols for the interpreter's static functions). */
static int stack_has_function(const char *db, int64_t node, const char *fn)
{
    char err[256];
    mtr_trace_t *t = mtr_trace_open(db, err, sizeof err);
    ck_assert_msg(t, "%s", err);
    mtr_frames_t *f = mtr_frames_open(t);
    const mtr_sframe_t *fr;
    size_t n = mtr_frames_get(f, (uint32_t)node, &fr);
    int found = 0;
    for (size_t i = 0; i < n && !found; i++)
        found = fr[i].function && !strcmp(fr[i].function, fn);
    mtr_frames_close(f);
    mtr_trace_close(t);
    return found;
}

/* pymalloc's arenas are recorded as the allocator's (anon = 2), and so
 * never taken for the payload: here the largest buffer of the program's
 * own is the list of 10,000 pointers, not a 1 MiB arena. */
START_TEST(arenas_are_the_allocators)
{
    const char *db = trace_script("allocators");
    sqlite3 *s = th_open(db);
    int64_t arenas = th_int(s, "SELECT count(*) FROM mappings WHERE anon = 2");
    ck_assert_int_ge(arenas, 1);
    for (int64_t i = 0; i < arenas; i++)
        ck_assert(stack_has_function(db, th_int(s, "SELECT stack FROM mappings WHERE anon = 2"
                                                   " ORDER BY id LIMIT 1 OFFSET %lld",
                                                (long long)i),
                                     "_PyObject_ArenaMmap"));
    /* and every mapping pymalloc made is one of them */
    ck_assert_int_eq(th_int(s, "SELECT count(*) FROM mappings WHERE kind = 'mmap' AND anon = 1"
                               " AND size = 1048576"), 0);
    sqlite3_close(s);
    char err[256];
    mtr_trace_t *t = mtr_trace_open(db, err, sizeof err);
    ck_assert_msg(t, "%s", err);
    mtr_options_t opt;
    mtr_options_default(&opt);
    mtr_report_t r;
    ck_assert_int_eq(mtr_analyze(t, &opt, &r, err, sizeof err), 0);
    ck_assert_uint_lt(r.payload_bytes, 1u << 20);
    for (size_t i = 0; i < r.nbuffers; i++)
        ck_assert_uint_lt(r.buffers[i].bytes, 1u << 20);
    mtr_report_free(&r);
    mtr_trace_close(t);
}
END_TEST

START_TEST(unknown_version)
{
    char db[512];
    snprintf(db, sizeof db, "%s/fake.db", th_tempdir());
    ck_assert_int_eq(th_trace(db, (char *const[]){FIXTURE("fakepython"), NULL}, NULL, 0), 0);
    sqlite3 *s = th_open(db);
    ck_assert(th_meta_is(s, MT_META_PYTHON, "3.12.0 is not supported"));
    ck_assert_int_eq(th_int(s, "SELECT count(*) FROM stack_nodes WHERE ip >= %lld",
                            (long long)MT_PYFRAME_TAG), 0);
    ck_assert(th_stack_has(s, alloc_stack(db, 1 << 20), FIXTURE("fakepython"), "fake_work"));
    sqlite3_close(s);
}
END_TEST

static void report(const char *db, const char *opt, char *out, size_t cap)
{
    char *argv[] = {MT_BUILD_DIR "/memtrace-report", (char *)db, (char *)opt, NULL};
    int st = th_run(argv, NULL, out, cap);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "memtrace-report %s failed", db);
}

/* What a reader sees: the line naming the copy says the native work and the
 * Python line that asked for it; stacks show Python frames within the
 * first lines, the interpreter's only with --all-frames; JSON says which
 * frames are Python. */
START_TEST(reports_name_the_python_line)
{
    static char out[1 << 20];
    const char *db = trace_script("deep");
    report(db, NULL, out, sizeof out);
    ck_assert_msg(strstr(out, "1.00 MiB, ") && strstr(out, ", at PyBuffer_ToContiguous "
                                                           "(memoryobject.c:997), called from "
                                                           "third (python/deep.py:8)\n"),
                  "%s", out);
    ck_assert_msg(strstr(out, "allocated at bytearray___init___impl (bytearrayobject.c:821), "
                              "called from first (python/deep.py:16)\n"),
                  "%s", out);
    ck_assert_msg(strstr(out, "      bytes_new_impl (bytesobject.c:2687)\n"
                              "      third (python/deep.py:8)\n"
                              "      second (python/deep.py:12)\n"
                              "      first (python/deep.py:17)\n"
                              "      <module> (python/deep.py:20)\n"),
                  "%s", out);
    ck_assert_ptr_null(strstr(out, "_PyEval_EvalFrameDefault"));
    report(db, "--all-frames", out, sizeof out);
    ck_assert_ptr_nonnull(strstr(out, "      _PyMem_RawMalloc (obmalloc.c:101)\n"
                                      "      PyMem_RawMalloc (obmalloc.c:586)\n"));
    report(db, "--json", out, sizeof out);
    ck_assert_ptr_nonnull(strstr(out, "{\"function\":\"third\",\"file\":\"" MT_SOURCE_DIR
                                      "/tests/python/deep.py\",\"line\":8,\"python\":true}"));
    ck_assert_ptr_nonnull(strstr(out, "\"function\":\"_PyEval_EvalFrameDefault\""));
}
END_TEST

/* The README's example: each flush names the script's line that made it. */
START_TEST(stringio_flush_names_the_write)
{
    static char out[1 << 20];
    char db[512];
    snprintf(db, sizeof db, "%s/sio.db", th_tempdir());
    ck_assert_int_eq(traced(PY, db, MT_SOURCE_DIR "/workloads/examples/stringio.py", NULL), 0);
    report(db, NULL, out, sizeof out);
    const char *want = "      flush 1 of 2\n"
                       "      by _PyUnicode_JoinArray (unicodeobject.c:10225), called from "
                       "<module> (examples/stringio.py:8)\n";
    ck_assert_msg(strstr(out, want), "%s", out);
}
END_TEST

/* zarr-python's own lines name its copies (make demo runs the same). */
START_TEST(zarr_copies_name_zarr_lines)
{
    static char out[1 << 20];
    char db[512], store[512];
    const char *dir = th_tempdir();
    snprintf(db, sizeof db, "%s/zarr.db", dir);
    snprintf(store, sizeof store, "%s/a.zarr", dir);
    char output[600];
    snprintf(output, sizeof output, "MEMTRACE_OUTPUT=%s", db);
    char *env[] = {"LD_PRELOAD=" PRELOAD_LIB, output, NULL};
    char *argv[] = {PY, MT_SOURCE_DIR "/workloads/examples/zarr_write.py", store, NULL};
    ck_assert_int_eq(th_run(argv, env, NULL, 0), 0);
    report(db, NULL, out, sizeof out);
    ck_assert_msg(strstr(out, ", at bytes_subscript (bytesobject.c:1658), called from "
                              "Array._encode_chunk (zarr/core.py:"),
                  "%s", out);
}
END_TEST

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* diff tells apart two modules' code whose native stacks and Python names
 * are the same (`<module>` of one.py and of two.py, each imported), and
 * matches each with itself though its lines moved. */
START_TEST(diff_matches_python_frames)
{
    static char out[1 << 20];
    const char *dir = th_tempdir();
    static const char *const sizes[2][2] = {{"1 << 20", "2 << 20"}, {"2 << 20", "1 << 20"}};
    char dbs[2][600];
    for (int i = 0; i < 2; i++) {
        char d[512], path[600], text[256];
        snprintf(d, sizeof d, "%s/%c", dir, 'a' + i);
        mkdir(d, 0700);
        for (int m = 0; m < 2; m++) {
            snprintf(path, sizeof path, "%s/%s.py", d, m ? "two" : "one");
            /* the second run's lines move down by one */
            snprintf(text, sizeof text, "%skeep = bytearray(%s)\n", i ? "# moved\n" : "",
                     sizes[i][m]);
            write_file(path, text);
        }
        snprintf(path, sizeof path, "%s/main.py", d);
        write_file(path, "import one\nimport two\n");
        snprintf(dbs[i], sizeof dbs[i], "%s/run.db", d);
        ck_assert_int_eq(traced(PY, dbs[i], path, NULL), 0);
    }
    char *argv[] = {MT_BUILD_DIR "/memtrace-report", "diff", dbs[0], dbs[1], NULL};
    ck_assert_int_eq(th_run(argv, NULL, out, sizeof out), 0);
    /* which pymalloc arena is live at the peak varies: look for the two */
    const char *shrank = strstr(out, "SHRANK AT THE PEAK");
    const char *entry = "1.00 MiB  %s: %s, 1 -> 1 block\n"
                        "      _PyMem_RawMalloc (obmalloc.c:101)\n"
                        "      bytearray___init___impl (bytearrayobject.c:821)\n"
                        "      <module> (b/%s.py:2)\n";
    char one[512], two[512];
    snprintf(one, sizeof one, entry, "grew", "1.00 MiB -> 2.00 MiB", "one");
    snprintf(two, sizeof two, entry, "shrank", "2.00 MiB -> 1.00 MiB", "two");
    const char *g = strstr(out, one), *k = shrank ? strstr(shrank, two) : NULL;
    ck_assert_msg(shrank && g && g < shrank && k, "%s", out);
}
END_TEST

/* Damaged py_code rows: garbage linetables, a missing row, ids no trace
 * can name; the report still comes, with what it can say. */
START_TEST(damaged_py_code)
{
    static char out[1 << 20];
    const char *db = trace_script("deep");
    sqlite3 *s = th_open(db);
    ck_assert_int_eq(sqlite3_exec(s,
                                  "UPDATE py_code SET linetable = X'ffffffffffffffffffff8f7f'"
                                  " WHERE qualname = 'second';"
                                  "UPDATE py_code SET linetable = X'f07f7f7f7f7f7f7f7f7f7f'"
                                  " WHERE qualname = 'first';"
                                  "DELETE FROM py_code WHERE qualname = 'third';"
                                  "INSERT INTO py_code VALUES(99999999, 'x', 'y', 1, X'');"
                                  "INSERT INTO py_code VALUES(-5, 'x', 'y', 1, X'00');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(s);
    report(db, NULL, out, sizeof out);
    ck_assert_msg(strstr(out, "<unknown Python code>\n      second (python/deep.py:0)\n"), "%s",
                  out);
    report(db, "--json", out, sizeof out);
    ck_assert_ptr_nonnull(strstr(out, "\"function\":\"<unknown Python code>\",\"file\":null"));
}
END_TEST

/* Every offset of pylayout.h as gdb reads it from python3.11-dbg's DWARF. */
START_TEST(layout_matches_gdb)
{
    static const struct {
        const char *name, *expr;
        long off;
    } offs[] = {
#define X(name, off, expr) {#name, expr, off},
        MT_PY_OFFSETS(X)
#undef X
    };
    char cmd[8192] = "gdb -nx -batch", out[8192];
    size_t len = strlen(cmd);
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        len += (size_t)snprintf(cmd + len, sizeof cmd - len, " -ex 'p (long)%s'", offs[i].expr);
    snprintf(cmd + len, sizeof cmd - len, " " PY " 2>/dev/null");
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t k = 0;
    while (k < sizeof offs / sizeof offs[0] && fgets(out, sizeof out, p)) {
        long v;
        if (sscanf(out, "$%*d = %ld", &v) != 1)
            continue;
        ck_assert_msg(v == offs[k].off, "%s: gdb says %ld, pylayout.h %ld", offs[k].name, v,
                      offs[k].off);
        k++;
    }
    pclose(p);
    ck_assert_uint_eq(k, sizeof offs / sizeof offs[0]);
}
END_TEST

/* The same offsets compiled against the pyenv interpreter's own internal
 * headers (3.11.7), where the machine has them. */
#define PYENV_INCLUDE "/root/.pyenv/versions/3.11.7/include/python3.11"
START_TEST(layout_matches_headers)
{
    if (access(PYENV_INCLUDE "/internal/pycore_frame.h", R_OK) != 0)
        return;
    const char *dir = th_tempdir();
    char src[512], bin[512], cmd[2048];
    snprintf(src, sizeof src, "%s/off.c", dir);
    snprintf(bin, sizeof bin, "%s/off", dir);
    FILE *f = fopen(src, "w");
    ck_assert_ptr_nonnull(f);
    fputs("#define Py_BUILD_CORE 1\n#include <Python.h>\n#include <internal/pycore_frame.h>\n"
          "#include <internal/pycore_runtime.h>\n#include <stdio.h>\nint main(void) {\n", f);
#define X(name, off, expr) fprintf(f, "    printf(\"%%ld\\n\", (long)(%s));\n", expr);
    MT_PY_OFFSETS(X)
#undef X
    fputs("    return 0;\n}\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "cc -w -I" PYENV_INCLUDE " -o %s %s && %s", bin, src, bin);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    static const struct {
        const char *name;
        long off;
    } want[] = {
#define X(name, off, expr) {#name, off},
        MT_PY_OFFSETS(X)
#undef X
    };
    char line[64];
    size_t k = 0;
    for (; k < sizeof want / sizeof want[0] && fgets(line, sizeof line, p); k++)
        ck_assert_msg(atol(line) == want[k].off, "%s: the headers say %ld, pylayout.h %ld",
                      want[k].name, atol(line), want[k].off);
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_uint_eq(k, sizeof want / sizeof want[0]);
}
END_TEST

static uint8_t *unhex(const char *s, size_t *len)
{
    size_t n = strcmp(s, "-") ? strlen(s) / 2 : 0;
    uint8_t *b = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        sscanf(s + 2 * i, "%2hhx", &b[i]);
    *len = n;
    return b;
}

START_TEST(linetable_matches_co_positions)
{
    char path[512], cmd[1200];
    snprintf(path, sizeof path, "%s/positions.txt", th_tempdir());
    snprintf(cmd, sizeof cmd, PY " -W ignore %s %s >/dev/null", SCRIPT("positions.py"), path);
    ck_assert_int_eq(system(cmd), 0);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t cap = 1 << 24;
    char *head = malloc(cap), *lines = malloc(cap);
    long codes = 0, units = 0;
    while (fgets(head, (int)cap, f) && fgets(lines, (int)cap, f)) {
        int first;
        char *hex = strchr(head, ' ');
        ck_assert_ptr_nonnull(hex);
        first = atoi(head);
        hex[strcspn(hex, "\n")] = 0;
        size_t tlen;
        uint8_t *table = unhex(hex + 1, &tlen);
        char *save = NULL;
        int64_t at = 0;
        for (char *w = strtok_r(lines, " \n", &save); w && strcmp(w, "-");
             w = strtok_r(NULL, " \n", &save), at++) {
            int got = mtr_pyline(table, tlen, first, at);
            ck_assert_msg(got == atoi(w), "code %ld (first line %d) unit %lld: %d, not %s", codes,
                          first, (long long)at, got, w);
            units++;
        }
        free(table);
        codes++;
    }
    fclose(f);
    free(head);
    free(lines);
    ck_assert_int_gt(codes, 10000);
    ck_assert_int_gt(units, 1000000);
}
END_TEST

Suite *python_suite(void)
{
    Suite *s = suite_create("python");
    TCase *tc = tcase_create("frames");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, copy_three_calls_deep);
    tcase_add_test(tc, shared_libpython);
    tcase_add_test(tc, other_unwinders_and_depths);
    tcase_add_test(tc, worker_thread_with_gil_released);
    tcase_add_test(tc, generator_and_coroutine_resumed);
    tcase_add_test(tc, exec_loop_reused_code_addresses);
    tcase_add_test(tc, daemon_threads_at_shutdown);
    tcase_add_test(tc, native_only);
    tcase_add_test(tc, unknown_version);
    tcase_add_test(tc, python_allocators);
    tcase_add_test(tc, arenas_are_the_allocators);
    tcase_add_test(tc, reports_name_the_python_line);
    tcase_add_test(tc, stringio_flush_names_the_write);
    tcase_add_test(tc, zarr_copies_name_zarr_lines);
    tcase_add_test(tc, diff_matches_python_frames);
    tcase_add_test(tc, damaged_py_code);
    tcase_add_test(tc, layout_matches_gdb);
    tcase_add_test(tc, layout_matches_headers);
    tcase_add_test(tc, linetable_matches_co_positions);
    suite_add_tcase(s, tc);
    return s;
}
