/* The fast unwinder against libunwind, on a fixture built to trip a
 * reusing unwinder (tests/fixtures/unwindfix.c): every tagged malloc must
 * carry the same frames, module by module and offset by offset, under both. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "format/kinds.h"
#include "tests/helpers.h"

#define TAG_MIN 10000
/* per thread: 20 siblings, 19 deep, 4 under the VLA, 9 comparator calls */
#define TAGGED_PER_THREAD 52

static sqlite3 *trace_with(const char *unwinder, const char *what)
{
    char *dir = th_tempdir();
    char db[4096], output[4200], unwind[64];
    snprintf(db, sizeof db, "%s/%s.db", dir, unwinder);
    snprintf(output, sizeof output, "MEMTRACE_OUTPUT=%s", db);
    snprintf(unwind, sizeof unwind, "MEMTRACE_UNWIND=%s", unwinder);
    char preload[] = "LD_PRELOAD=" PRELOAD_LIB;
    char *env[] = {preload, output, unwind, NULL};
    char *argv[] = {FIXTURE("unwindfix"), (char *)what, FIXTURE("plug1.so"), FIXTURE("plug2.so"),
                    NULL};
    if (strcmp(what, "plugins") != 0)
        argv[2] = NULL;
    int status = th_run(argv, env, NULL, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
    return th_open(db);
}

/* A stack as "module+offset" lines, innermost first: comparable across
 * runs whatever address each module was loaded at. */
static char *frames_of(sqlite3 *db, int64_t node, int *depth)
{
    size_t cap = 1 << 16, len = 0;
    char *s = calloc(1, cap);
    *depth = 0;
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_prepare_v2(db,
        "WITH RECURSIVE p(id, ip, parent, k) AS ("
        "  SELECT id, ip, parent, 0 FROM stack_nodes WHERE id = ?1"
        "  UNION ALL SELECT n.id, n.ip, n.parent, p.k + 1"
        "  FROM p JOIN stack_nodes n ON n.id = p.parent WHERE p.parent != 0)"
        " SELECT p.ip - coalesce(m.start, 0), coalesce(m.path, '?') FROM p"
        " LEFT JOIN modules m ON p.ip >= m.start AND p.ip < m.end ORDER BY p.k",
        -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, node);
    while (sqlite3_step(st) == SQLITE_ROW && len + 512 < cap) {
        len += (size_t)snprintf(s + len, cap - len, "%s+%llx\n",
                                (const char *)sqlite3_column_text(st, 1),
                                (unsigned long long)sqlite3_column_int64(st, 0));
        (*depth)++;
    }
    sqlite3_finalize(st);
    return s;
}

/* Both runs of `what`: every tagged malloc in the same order, with the same
 * frames; returns how many, and how many were cut at 64 frames. */
static size_t same_stacks(sqlite3 *fast, sqlite3 *slow, size_t *deep)
{
    size_t nf, ns;
    mt_alloc_event_t *ef = th_events(fast, &nf), *es = th_events(slow, &ns);
    size_t i = 0, j = 0, tagged = 0;
    *deep = 0;
    for (;; i++, j++) {
        while (i < nf && (ef[i].kind != MT_EV_ALLOC || ef[i].size < TAG_MIN))
            i++;
        while (j < ns && (es[j].kind != MT_EV_ALLOC || es[j].size < TAG_MIN))
            j++;
        if (i >= nf || j >= ns)
            break;
        ck_assert_uint_eq(ef[i].size, es[j].size);
        int df, ds;
        char *a = frames_of(fast, (int64_t)ef[i].stack, &df);
        char *b = frames_of(slow, (int64_t)es[j].stack, &ds);
        ck_assert_msg(strcmp(a, b) == 0, "malloc(%llu):\nfast\n%s\nlibunwind\n%s",
                      (unsigned long long)ef[i].size, a, b);
        ck_assert_int_ge(df, 3); /* shared, its caller, at least one more */
        *deep += df == 64; /* the default MEMTRACE_DEPTH cuts the recursion */
        free(a);
        free(b);
        tagged++;
    }
    ck_assert_uint_eq(i, nf);
    ck_assert_uint_eq(j, ns);
    free(ef);
    free(es);
    return tagged;
}

static int64_t count_allocs(sqlite3 *db)
{
    size_t n, allocs = 0;
    mt_alloc_event_t *ev = th_events(db, &n);
    for (size_t k = 0; k < n; k++)
        allocs += ev[k].kind == MT_EV_ALLOC;
    free(ev);
    return (int64_t)allocs;
}

/* How many tagged mallocs db holds; each stack must have every function
 * named in fns (NULL-terminated) among its frames. */
static int tagged_through(sqlite3 *db, const char *const fns[])
{
    size_t n;
    mt_alloc_event_t *ev = th_events(db, &n);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind != MT_EV_ALLOC || ev[i].size < TAG_MIN)
            continue;
        for (const char *const *f = fns; *f; f++)
            ck_assert_msg(th_stack_has(db, (int64_t)ev[i].stack, FIXTURE("unwindfix"), *f),
                          "malloc(%llu) has no %s", (unsigned long long)ev[i].size, *f);
        seen++;
    }
    free(ev);
    return seen;
}

START_TEST(fast_path_matches_libunwind)
{
    sqlite3 *fast = trace_with("fast", "all"), *slow = trace_with("libunwind", "all");
    size_t deep;
    ck_assert_uint_eq(same_stacks(fast, slow, &deep), 2 * TAGGED_PER_THREAD);
    ck_assert_uint_eq(deep, 2 * 3); /* depths 70, 63 and 63 again */
    /* every capture of the fast run stayed on the fast path */
    ck_assert_int_eq(th_meta(fast, MT_META_UNWIND_SLOW), 0);
    ck_assert_int_eq(th_meta(slow, MT_META_UNWIND_SLOW), count_allocs(slow));
    /* the setting in force is part of the run's facts */
    ck_assert(th_meta_is(fast, MT_META_UNWIND, mt_kind_name(MT_KINDS_UNWIND, MT_UNWIND_FAST)));
    ck_assert(th_meta_is(slow, MT_META_UNWIND, mt_kind_name(MT_KINDS_UNWIND, MT_UNWIND_LIBUNWIND)));
    sqlite3_close(fast);
    sqlite3_close(slow);
}
END_TEST

/* Cached rules of an unloaded module must not be applied to the module
 * loaded at its addresses next, by either unwinder. */
START_TEST(module_swap_forgets_rules)
{
    sqlite3 *fast = trace_with("fast", "plugins"), *slow = trace_with("libunwind", "plugins");
    size_t deep;
    ck_assert_uint_eq(same_stacks(fast, slow, &deep), 6);
    ck_assert_int_eq(th_meta(fast, MT_META_UNWIND_SLOW), 0);
    ck_assert_int_eq(tagged_through(fast, (const char *const[]){"use_plugin", "main", NULL}), 6);
    sqlite3_close(fast);
    sqlite3_close(slow);
}
END_TEST

/* A stack that is not the thread's own may be freed and reused behind the
 * unwinder's back: libunwind takes exactly the captures made on it. */
START_TEST(coroutine_stacks_go_to_libunwind)
{
    sqlite3 *fast = trace_with("fast", "coroutine"), *slow = trace_with("libunwind", "coroutine");
    size_t deep;
    ck_assert_uint_eq(same_stacks(fast, slow, &deep), 3);
    ck_assert_int_eq(th_meta(fast, MT_META_UNWIND_SLOW), 2);
    sqlite3_close(fast);
    sqlite3_close(slow);
}
END_TEST

START_TEST(siblings_keep_their_own_frames)
{
    sqlite3 *db = trace_with("fast", "all");
    size_t n;
    mt_alloc_event_t *ev = th_events(db, &n);
    /* the first 20 tags of the main thread: i % 3 ? twin_a : twin_b */
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind != MT_EV_ALLOC || ev[i].size < TAG_MIN || ev[i].size >= TAG_MIN + 20)
            continue;
        int k = (int)(ev[i].size - TAG_MIN), via_b = k % 3 == 0;
        int64_t st = (int64_t)ev[i].stack;
        ck_assert_msg(th_stack_has(db, st, FIXTURE("unwindfix"), "twin_b") == via_b,
                      "malloc %d", k);
        ck_assert_msg(th_stack_has(db, st, FIXTURE("unwindfix"), "twin_a") == !via_b,
                      "malloc %d", k);
        ck_assert(th_stack_has(db, st, FIXTURE("unwindfix"), "siblings"));
        ck_assert(th_stack_has(db, st, FIXTURE("unwindfix"), "main"));
        seen++;
    }
    ck_assert_int_eq(seen, 20);
    free(ev);
    sqlite3_close(db);
}
END_TEST

START_TEST(signal_frames_go_to_libunwind)
{
    sqlite3 *db = trace_with("fast", "signal");
    ck_assert_int_eq(tagged_through(db, (const char *const[]){"handler", "main", NULL}), 5);
    ck_assert_int_eq(th_meta(db, MT_META_UNWIND_SLOW), 5);
    sqlite3_close(db);
}
END_TEST

START_TEST(growing_main_stack_stays_fast)
{
    sqlite3 *db = trace_with("fast", "grow");
    ck_assert_int_eq(tagged_through(db, (const char *const[]){NULL}), 101);
    ck_assert_int_eq(th_meta(db, MT_META_UNWIND_SLOW), 0);
    sqlite3_close(db);
}
END_TEST

Suite *unwind_suite(void)
{
    Suite *s = suite_create("unwind");
    TCase *t = tcase_create("preload");
    tcase_add_test(t, fast_path_matches_libunwind);
    tcase_add_test(t, module_swap_forgets_rules);
    tcase_add_test(t, coroutine_stacks_go_to_libunwind);
    tcase_add_test(t, siblings_keep_their_own_frames);
    tcase_add_test(t, signal_frames_go_to_libunwind);
    tcase_add_test(t, growing_main_stack_stays_fast);
    suite_add_tcase(s, t);
    return s;
}
