/* Symbolizer suite: real call sites of the symfix fixture (lines from __LINE__
 * recorded next to each call), stripped and debuglinked copies made with
 * objcopy/strip in a temp dir, a stripped shared object, Debian's libc, and
 * malformed files that must give 0 frames without crashing. */
#include <check.h>
#include <dlfcn.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/symbolize/symbolize.h"

#ifndef MT_BUILD_DIR
#define MT_BUILD_DIR "build"
#endif
#ifndef MT_SOURCE_DIR
#define MT_SOURCE_DIR "."
#endif

#define FIXTURE MT_BUILD_DIR "/fixtures/symfix"
#define FIXTURE_SRC MT_SOURCE_DIR "/tests/fixtures/symfix.c"

enum { SITE_STATIC, SITE_GLOBAL, SITE_INLINE, SITE_N }; /* as in symfix.c */

typedef struct sites {
    uint64_t vaddr[SITE_N];
    int line[SITE_N];
    int callsite_line;
} sites_t;

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/mtr-symbolize-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static const char *base_name(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path;
}

/* The fixture prints "name vaddr line" per site, then "callsite 0 line". */
static sites_t fixture_sites(void)
{
    static const char *const names[SITE_N] = {"static", "global", "inline"};
    sites_t s = {{0}, {0}, 0};
    char name[32];
    unsigned long long vaddr;
    int line, seen = 0;
    FILE *p = popen(FIXTURE, "r");
    ck_assert_ptr_nonnull(p);
    while (fscanf(p, "%31s %llx %d", name, &vaddr, &line) == 3) {
        for (int i = 0; i < SITE_N; i++)
            if (strcmp(name, names[i]) == 0) {
                s.vaddr[i] = vaddr;
                s.line[i] = line;
                seen++;
            }
        if (strcmp(name, "callsite") == 0) {
            s.callsite_line = line;
            seen++;
        }
    }
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_int_eq(seen, SITE_N + 1);
    return s;
}

/* Read by readelf, not by the code under test. */
static void build_id_of(const char *path, char *out, size_t len)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "readelf -n '%s' | awk '/Build ID/ {print $3}'", path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(fgets(out, (int)len, p));
    out[strcspn(out, "\n")] = '\0';
    pclose(p);
    ck_assert_uint_eq(strlen(out), 40);
}

static void assert_frame(const mtr_frame_t *f, const char *function, const char *file, int line)
{
    ck_assert_pstr_eq(f->function, function);
    if (file)
        ck_assert_str_eq(base_name(f->file), file);
    else
        ck_assert_ptr_null(f->file);
    ck_assert_int_eq(f->line, line);
}

// ---- DWARF of the fixture ----

START_TEST(test_dwarf_functions_and_lines)
{
    sites_t s = fixture_sites();
    char id[64];
    build_id_of(FIXTURE, id, sizeof id);
    mtr_symbolizer_t *sym = mtr_symbolizer_new();
    mtr_frame_t f[8];
    int st = -1;

    ck_assert_int_eq(mtr_symbolize(sym, FIXTURE, id, s.vaddr[SITE_STATIC], f, 8, &st), 1);
    ck_assert_int_eq(st, MTR_SYM_OK);
    assert_frame(&f[0], "symfix_static_leaf", "symfix.c", s.line[SITE_STATIC]);
    ck_assert_str_eq(f[0].file, FIXTURE_SRC); /* tests.mk compiles a relative path */

    ck_assert_int_eq(mtr_symbolize(sym, FIXTURE, NULL, s.vaddr[SITE_GLOBAL], f, 8, &st), 1);
    ck_assert_int_eq(st, MTR_SYM_OK);
    assert_frame(&f[0], "symfix_global_leaf", "symfix.c", s.line[SITE_GLOBAL]);

    /* The module is parsed once: same strings on a second lookup. */
    const char *name = f[0].function;
    ck_assert_int_eq(mtr_symbolize(sym, FIXTURE, "", s.vaddr[SITE_GLOBAL], f, 8, NULL), 1);
    ck_assert_ptr_eq(f[0].function, name);
    mtr_symbolizer_free(sym);
}
END_TEST

START_TEST(test_dwarf_inlined)
{
    sites_t s = fixture_sites();
    mtr_symbolizer_t *sym = mtr_symbolizer_new();
    mtr_frame_t f[8];
    int st = -1;
    ck_assert_int_eq(mtr_symbolize(sym, FIXTURE, NULL, s.vaddr[SITE_INLINE], f, 8, &st), 2);
    ck_assert_int_eq(st, MTR_SYM_OK);
    assert_frame(&f[0], "symfix_inlined", "symfix.c", s.line[SITE_INLINE]);
    assert_frame(&f[1], "symfix_outer", "symfix.c", s.callsite_line);

    /* Too small an array keeps the outlined function last. */
    ck_assert_int_eq(mtr_symbolize(sym, FIXTURE, NULL, s.vaddr[SITE_INLINE], f, 1, &st), 1);
    assert_frame(&f[0], "symfix_outer", "symfix.c", s.callsite_line);
    ck_assert_int_eq(mtr_symbolize(sym, FIXTURE, NULL, s.vaddr[SITE_INLINE], f, 0, &st), 0);
    mtr_symbolizer_free(sym);
}
END_TEST

// ---- stripped copies ----

START_TEST(test_strip_debug_uses_symtab)
{
    sites_t s = fixture_sites();
    make_tmpdir();
    char copy[128];
    snprintf(copy, sizeof copy, "%s/symfix.nodebug", tmpdir);
    run("objcopy --strip-debug '%s' '%s'", FIXTURE, copy);
    mtr_symbolizer_t *sym = mtr_symbolizer_new();
    mtr_frame_t f[8];
    int st = -1;
    ck_assert_int_eq(mtr_symbolize(sym, copy, NULL, s.vaddr[SITE_STATIC], f, 8, &st), 1);
    ck_assert_int_eq(st, MTR_SYM_OK);
    assert_frame(&f[0], "symfix_static_leaf", NULL, 0);
    /* No inlined frames without DWARF: the symbol is the outlined function. */
    ck_assert_int_eq(mtr_symbolize(sym, copy, NULL, s.vaddr[SITE_INLINE], f, 8, &st), 1);
    assert_frame(&f[0], "symfix_outer", NULL, 0);
    mtr_symbolizer_free(sym);
    remove_tmpdir();
}
END_TEST

START_TEST(test_debuglink_in_dot_debug)
{
    sites_t s = fixture_sites();
    make_tmpdir();
    /* A fully stripped program whose DWARF and symbols are only in
     * <dir>/.debug/symfix.debug, found through .gnu_debuglink. */
    run("mkdir -p '%s/.debug' && objcopy --only-keep-debug '%s' '%s/.debug/symfix.debug' && "
        "objcopy --strip-all --add-gnu-debuglink='%s/.debug/symfix.debug' '%s' '%s/symfix'",
        tmpdir, FIXTURE, tmpdir, tmpdir, FIXTURE, tmpdir);
    char copy[128];
    snprintf(copy, sizeof copy, "%s/symfix", tmpdir);
    mtr_symbolizer_t *sym = mtr_symbolizer_new();
    mtr_frame_t f[8];
    int st = -1;
    ck_assert_int_eq(mtr_symbolize(sym, copy, NULL, s.vaddr[SITE_INLINE], f, 8, &st), 2);
    ck_assert_int_eq(st, MTR_SYM_OK);
    assert_frame(&f[0], "symfix_inlined", "symfix.c", s.line[SITE_INLINE]);
    assert_frame(&f[1], "symfix_outer", "symfix.c", s.callsite_line);
    ck_assert_int_eq(mtr_symbolize(sym, copy, NULL, s.vaddr[SITE_STATIC], f, 8, &st), 1);
    assert_frame(&f[0], "symfix_static_leaf", "symfix.c", s.line[SITE_STATIC]);
    mtr_symbolizer_free(sym);
    remove_tmpdir();
}
END_TEST

START_TEST(test_stripped_shared_object_dynsym)
{
    make_tmpdir();
    char so[128];
    snprintf(so, sizeof so, "%s/libsymfix.so", tmpdir);
    run("cc -std=c11 -D_GNU_SOURCE -O1 -g -fno-inline-small-functions -shared -fPIC "
        "-DSYMFIX_SO -o '%s' '%s' && strip --strip-all '%s'",
        so, FIXTURE_SRC, so);
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(h != NULL, "%s", dlerror());
    void (*run_sites)(void) = NULL;
    void *entry = dlsym(h, "symfix_run"); /* memcpy: ISO C has no object-to-function cast */
    const uintptr_t *ra = dlsym(h, "symfix_site_ra");
    void *outer = dlsym(h, "symfix_outer");
    ck_assert(entry && ra && outer);
    memcpy(&run_sites, &entry, sizeof run_sites);
    run_sites();
    Dl_info info;
    struct link_map *lm = NULL;
    ck_assert(dladdr1(outer, &info, (void **)&lm, RTLD_DL_LINKMAP) && lm);
    uint64_t bias = lm->l_addr;

    mtr_symbolizer_t *sym = mtr_symbolizer_new();
    mtr_frame_t f[8];
    int st = -1;
    ck_assert_int_eq(mtr_symbolize(sym, so, NULL, ra[SITE_GLOBAL] - bias - 1, f, 8, &st), 1);
    ck_assert_int_eq(st, MTR_SYM_OK);
    assert_frame(&f[0], "symfix_global_leaf", NULL, 0);
    ck_assert_int_eq(mtr_symbolize(sym, so, NULL, (uintptr_t)outer - bias, f, 8, &st), 1);
    assert_frame(&f[0], "symfix_outer", NULL, 0);
    /* A static function is in no table left: nothing, not a wrong neighbour. */
    ck_assert_int_eq(mtr_symbolize(sym, so, NULL, ra[SITE_STATIC] - bias - 1, f, 8, &st), 0);
    ck_assert_int_eq(st, MTR_SYM_NO_SYMBOL);
    mtr_symbolizer_free(sym);
    dlclose(h);
    remove_tmpdir();
}
END_TEST

// ---- degraded cases ----

START_TEST(test_build_id_mismatch)
{
    sites_t s = fixture_sites();
    char id[64];
    build_id_of(FIXTURE, id, sizeof id);
    mtr_symbolizer_t *sym = mtr_symbolizer_new();
    mtr_frame_t f[8];
    int st = -1;
    ck_assert_int_eq(mtr_symbolize(sym, FIXTURE, "00112233445566778899aabbccddeeff00112233",
                                   s.vaddr[SITE_STATIC], f, 8, &st), 0);
    ck_assert_int_eq(st, MTR_SYM_BUILD_ID_MISMATCH);
    /* A prefix of the right id is still another id. */
    id[39] = '\0';
    ck_assert_int_eq(mtr_symbolize(sym, FIXTURE, id, s.vaddr[SITE_STATIC], f, 8, &st), 0);
    ck_assert_int_eq(st, MTR_SYM_BUILD_ID_MISMATCH);
    /* Hex case does not matter. */
    build_id_of(FIXTURE, id, sizeof id);
    for (char *c = id; *c; c++)
        *c = (char)(*c >= 'a' && *c <= 'f' ? *c - 'a' + 'A' : *c);
    ck_assert_int_eq(mtr_symbolize(sym, FIXTURE, id, s.vaddr[SITE_STATIC], f, 8, &st), 1);
    ck_assert_int_eq(st, MTR_SYM_OK);
    mtr_symbolizer_free(sym);
}
END_TEST

START_TEST(test_missing_file)
{
    mtr_symbolizer_t *sym = mtr_symbolizer_new();
    mtr_frame_t f[8];
    int st = -1;
    ck_assert_int_eq(mtr_symbolize(sym, "/nonexistent/libgone.so", NULL, 0x1000, f, 8, &st), 0);
    ck_assert_int_eq(st, MTR_SYM_NO_FILE);
    ck_assert_int_eq(mtr_symbolize(sym, "/nonexistent/libgone.so",
                                   "ffeeddccbbaa99887766554433221100ffeeddcc", 0x1000, f, 8, &st),
                     0);
    ck_assert_int_eq(st, MTR_SYM_NO_FILE);
    mtr_symbolizer_free(sym);
}
END_TEST

START_TEST(test_malformed_files)
{
    sites_t s = fixture_sites();
    make_tmpdir();
    /* A .debug_rnglists header libdwarf 20210528 double-frees on. */
    run("cd '%s' && printf '\\023\\0\\0\\0\\007\\0\\010\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0' "
        "> rng && objcopy --update-section .debug_rnglists=rng '%s' badrng && "
        "head -c 3000 '%s' > truncated && head -c 5000 /dev/urandom > random && : > empty",
        tmpdir, FIXTURE, FIXTURE);
    mtr_symbolizer_t *sym = mtr_symbolizer_new();
    mtr_frame_t f[8];
    int st = -1;
    char path[128];

    snprintf(path, sizeof path, "%s/badrng", tmpdir);
    ck_assert_int_eq(mtr_symbolize(sym, path, NULL, s.vaddr[SITE_STATIC], f, 8, &st), 1);
    assert_frame(&f[0], "symfix_static_leaf", NULL, 0); /* .symtab still serves */

    static const char *const junk[] = {"truncated", "random", "empty"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, junk[i]);
        for (uint64_t a = 0; a < 0x3000; a += 0x111) {
            int n = mtr_symbolize(sym, path, NULL, a, f, 8, &st);
            ck_assert_int_ge(n, 0);
            ck_assert_int_le(n, 8);
            if (n == 0)
                ck_assert_int_ne(st, MTR_SYM_OK);
        }
    }
    snprintf(path, sizeof path, "%s/empty", tmpdir);
    ck_assert_int_eq(mtr_symbolize(sym, path, NULL, 0x1000, f, 8, &st), 0);
    ck_assert_int_eq(st, MTR_SYM_NO_SYMBOL);
    mtr_symbolizer_free(sym);
    remove_tmpdir();
}
END_TEST

// ---- Debian's libc ----

typedef struct text {
    const char *name;
    uint64_t lo, hi; /* executable segment, in file addresses */
} text_t;

static int find_text(struct dl_phdr_info *info, size_t size, void *arg)
{
    text_t *t = arg;
    (void)size;
    if (!strstr(info->dlpi_name, t->name))
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_LOAD && (info->dlpi_phdr[i].p_flags & PF_X)) {
            t->lo = info->dlpi_phdr[i].p_vaddr;
            t->hi = t->lo + info->dlpi_phdr[i].p_memsz;
            return 1;
        }
    return 0;
}

START_TEST(test_libc_exported_function)
{
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    ck_assert_ptr_nonnull(libc);
    /* Through the libc handle, not RTLD_DEFAULT: a sanitizer may interpose. */
    void *fn = dlsym(libc, "getenv");
    Dl_info info;
    struct link_map *lm = NULL;
    ck_assert(fn && dladdr1(fn, &info, (void **)&lm, RTLD_DL_LINKMAP) && lm);
    char id[64], debug[160];
    build_id_of(lm->l_name, id, sizeof id);

    mtr_symbolizer_t *sym = mtr_symbolizer_new();
    mtr_frame_t f[8];
    int st = -1;
    uint64_t vaddr = (uintptr_t)fn - lm->l_addr;
    int n = mtr_symbolize(sym, lm->l_name, id, vaddr, f, 8, &st);
    ck_assert_int_ge(n, 1);
    ck_assert_int_eq(st, MTR_SYM_OK);
    ck_assert_pstr_eq(f[n - 1].function, "getenv");
    /* With libc6-dbg installed, the DWARF of the build-id debug file answers. */
    snprintf(debug, sizeof debug, "/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
    if (access(debug, R_OK) == 0) {
        ck_assert_str_eq(base_name(f[0].file), "getenv.c");
        ck_assert_int_gt(f[0].line, 0);
        /* The module file gone (another machine): the recorded build-id
         * still finds the debug file. */
        n = mtr_symbolize(sym, "/nonexistent/libc.so.6", id, vaddr, f, 8, &st);
        ck_assert_int_ge(n, 1);
        ck_assert_int_eq(st, MTR_SYM_OK);
        ck_assert_pstr_eq(f[n - 1].function, "getenv");
    }

    /* Thousands of lookups over all of libc's code, cold cache included. */
    text_t t = {"libc.so.6", 0, 0};
    ck_assert_int_eq(dl_iterate_phdr(find_text, &t), 1);
    struct timespec a, b;
    int known = 0, total = 4000;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < total; i++) {
        uint64_t v = t.lo + (t.hi - t.lo) / (uint64_t)total * (uint64_t)i;
        known += mtr_symbolize(sym, lm->l_name, id, v, f, 8, &st) > 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    ck_assert_int_gt(known, total / 2);
    /* Generous: about 0.4 s in a plain build, slower under sanitizers. */
    ck_assert_msg(ms < 20000, "%d lookups took %.0f ms", total, ms);
    mtr_symbolizer_free(sym);
    dlclose(libc);
}
END_TEST

Suite *symbolize_suite(void)
{
    Suite *s = suite_create("symbolize");
    TCase *tc = tcase_create("symbolize");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_dwarf_functions_and_lines);
    tcase_add_test(tc, test_dwarf_inlined);
    tcase_add_test(tc, test_strip_debug_uses_symtab);
    tcase_add_test(tc, test_debuglink_in_dot_debug);
    tcase_add_test(tc, test_stripped_shared_object_dynsym);
    tcase_add_test(tc, test_build_id_mismatch);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_malformed_files);
    tcase_add_test(tc, test_libc_exported_function);
    suite_add_tcase(s, tc);
    return s;
}
