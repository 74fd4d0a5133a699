/* The tree's include rules (mk/layout.sh), which `make check` runs on the
 * tree: here they are shown to hold for this tree and to catch each kind of
 * break in a made-up one. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tests/helpers.h"

#define LAYOUT MT_SOURCE_DIR "/mk/layout.sh"

static void put(const char *dir, const char *path, const char *text)
{
    char full[4096], sub[4096];
    snprintf(full, sizeof full, "%s/%s", dir, path);
    for (char *s = strchr(full + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
        snprintf(sub, sizeof sub, "%.*s", (int)(s - full), full);
        mkdir(sub, 0700);
    }
    FILE *f = fopen(full, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static int layout(const char *root, char *out, size_t cap)
{
    char *argv[] = {"/bin/sh", LAYOUT, (char *)root, NULL};
    int st = th_run(argv, NULL, out, cap);
    ck_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

START_TEST(this_tree_keeps_the_rules)
{
    char out[4096];
    ck_assert_int_eq(layout(MT_SOURCE_DIR, out, sizeof out), 0);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(each_broken_rule_is_named)
{
    const char *d = th_tempdir();
    put(d, "format/kinds.h", "");
    put(d, "analyzer/load/trace.h", "");
    put(d, "tracer/common.h", "");
    put(d, "format/ok.h", "#include \"format/kinds.h\"\n#include <stdint.h>\n");
    put(d, "format/bad.c", "#include \"format/ok.h\"\n#include \"tracer/common.h\"\n");
    put(d, "tracer/capture/bad.h", "  #  include \"analyzer/load/trace.h\"\n");
    put(d, "tracer/capture/bare.c", "#include \"common.h\"\n#include \"tracer/gone.h\"\n");
    put(d, "tracer/ok.c", "#include \"format/ok.h\"\n#include \"gen/made.h\"\n");
    char out[4096];
    ck_assert_int_eq(layout(d, out, sizeof out), 1);
    /* one line per break, in the order find(1) meets the files */
    const char *want[] = {
        "layout: format/bad.c:2 includes tracer/common.h: format/ includes only format/\n",
        "layout: tracer/capture/bad.h:1 includes analyzer/load/trace.h: tracer/ never includes "
        "analyzer/\n",
        "layout: tracer/capture/bare.c:1 includes common.h: name its folder, from the top of "
        "the tree\n",
        "layout: tracer/capture/bare.c:2 includes tracer/gone.h: no such file from the top of "
        "the tree\n",
    };
    size_t total = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ck_assert_msg(strstr(out, want[i]), "missing: %s in:\n%s", want[i], out);
        total += strlen(want[i]);
    }
    ck_assert_uint_eq(strlen(out), total);
}
END_TEST

Suite *layout_suite(void)
{
    Suite *s = suite_create("layout");
    TCase *t = tcase_create("includes");
    tcase_add_test(t, this_tree_keeps_the_rules);
    tcase_add_test(t, each_broken_rule_is_named);
    suite_add_tcase(s, t);
    return s;
}
