/* The CFI rule finder against libunwind: on real stacks (our frames, some
 * rbp-based; glibc's qsort calling back into us; a thread down to clone3)
 * each rule must predict exactly the caller's registers libunwind finds. */
#define UNW_LOCAL_ONLY
#include <alloca.h>
#include <check.h>
#include <dlfcn.h>
#include <libunwind.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracer/capture/cfi.h"

#define MAX_FRAMES 128

typedef struct {
    uintptr_t ip, sp, rbp;
} frame_t;

typedef struct {
    frame_t f[MAX_FRAMES];
    int n;          /* frames libunwind found */
    int checked;    /* frames whose rule predicted the next one */
    int rbp_cfa;    /* ... of them with an rbp-based CFA */
    int rbp_saved;  /* ... with the caller's rbp saved in the frame */
    int in_libc;    /* ... inside libc.so.6 */
    int last_found; /* mt_cfi_find said "outermost" for libunwind's last frame */
    char err[160];  /* the first wrong prediction; asserted by the test's own
                     * thread, since Check cannot fail from another */
} walk_t;

static walk_t main_walk, thread_walk;

static __attribute__((noinline)) void unwind_here(walk_t *w)
{
    unw_context_t ctx;
    unw_cursor_t cur;
    unw_getcontext(&ctx);
    unw_init_local(&cur, &ctx);
    w->n = 0;
    do {
        unw_word_t ip, sp, rbp;
        unw_get_reg(&cur, UNW_REG_IP, &ip);
        unw_get_reg(&cur, UNW_REG_SP, &sp);
        unw_get_reg(&cur, UNW_X86_64_RBP, &rbp);
        w->f[w->n++] = (frame_t){ip, sp, rbp};
    } while (w->n < MAX_FRAMES && unw_step(&cur) > 0);
}

static int in_libc(uintptr_t ip)
{
    Dl_info info;
    return dladdr((void *)ip, &info) && info.dli_fname && strstr(info.dli_fname, "libc.so");
}

#define EXPECT(w, cond, ...)                                                               \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            snprintf((w)->err, sizeof (w)->err, __VA_ARGS__);                              \
            return;                                                                        \
        }                                                                                  \
    } while (0)

/* Frame 0 (unwind_here) has returned, so its slots may be reused: every
 * rule is checked from frame 1 on, while those frames are all still live. */
static __attribute__((noinline)) void walk_and_check(walk_t *w)
{
    unwind_here(w);
    for (int k = 1; k < w->n; k++) {
        const frame_t *f = &w->f[k], *up = &w->f[k + 1];
        mt_cfi_rule_t r;
        EXPECT(w, mt_cfi_find(f->ip - 1, &r) == 0, "frame %d: no rule at %#lx", k,
               (unsigned long)f->ip);
        if (k == w->n - 1) {
            w->last_found = r.last;
            return;
        }
        EXPECT(w, !r.last, "frame %d of %d called outermost", k, w->n);
        uintptr_t cfa = (r.cfa_rbp ? f->rbp : f->sp) + (uintptr_t)(intptr_t)r.cfa_off;
        EXPECT(w, cfa == up->sp, "frame %d: cfa %#lx, libunwind sp %#lx", k,
               (unsigned long)cfa, (unsigned long)up->sp);
        EXPECT(w, *(const uintptr_t *)(cfa - 8) == up->ip, "frame %d: return address", k);
        uintptr_t rbp = r.rbp_saved ? *(const uintptr_t *)(cfa + (uintptr_t)(intptr_t)r.rbp_off)
                                    : f->rbp;
        EXPECT(w, rbp == up->rbp, "frame %d: rbp %#lx, libunwind %#lx", k, (unsigned long)rbp,
               (unsigned long)up->rbp);
        w->checked++;
        w->rbp_cfa += r.cfa_rbp;
        w->rbp_saved += r.rbp_saved;
        w->in_libc += in_libc(f->ip);
    }
}

/* ---- a stack through our own frames and glibc's qsort ---- */

static volatile int sink;
static int probed;
/* glibc's own qsort: under ASan, plain qsort is the sanitizer's sort */
static void (*libc_qsort)(void *, size_t, size_t, int (*)(const void *, const void *));

static void find_libc_qsort(void)
{
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    ck_assert_ptr_nonnull(libc);
    *(void **)&libc_qsort = dlsym(libc, "qsort"); /* POSIX's way past -Wpedantic */
    ck_assert(libc_qsort != NULL);
    dlclose(libc);
}

static int by_value(const void *a, const void *b)
{
    if (!probed++)
        walk_and_check(&main_walk);
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The VLA makes GCC keep rbp as the frame base: an rbp-based CFA. */
static __attribute__((noinline)) int sort_in_vla(int n)
{
    int v[n];
    for (int i = 0; i < n; i++)
        v[i] = (i * 7919) % n;
    libc_qsort(v, (size_t)n, sizeof v[0], by_value);
    return v[0] + sink;
}

static __attribute__((noinline)) int via_alloca(int n)
{
    volatile char *pad = alloca((size_t)n * 8);
    pad[0] = (char)n;
    return sort_in_vla(n) + pad[0];
}

static __attribute__((noinline)) int plain_caller(int n)
{
    return via_alloca(n + sink) + 1;
}

START_TEST(predicts_libunwind_through_qsort)
{
    memset(&main_walk, 0, sizeof main_walk);
    probed = 0;
    find_libc_qsort();
    ck_assert_int_eq(plain_caller(16), 16 + 1);
    ck_assert_int_eq(probed > 0, 1);
    ck_assert_msg(main_walk.err[0] == 0, "%s", main_walk.err);
    /* walk_and_check down to this test (6 frames), qsort's in libc, Check's
     * runner, main, __libc_start_main: 15 with gcc -O2, with or without ASan */
    ck_assert_int_ge(main_walk.checked, 12);
    ck_assert_int_ge(main_walk.rbp_cfa, 2);
    ck_assert_int_ge(main_walk.rbp_saved, 2);
    ck_assert_int_ge(main_walk.in_libc, 4); /* qsort's, then __libc_start_main's */
    ck_assert_int_eq(main_walk.last_found, 1); /* _start */
}
END_TEST

/* ---- a thread, down to start_thread and clone3 ---- */

static __attribute__((noinline)) int thread_inner(int n)
{
    char buf[n];
    memset(buf, n, sizeof buf);
    walk_and_check(&thread_walk);
    return buf[n - 1] + sink;
}

static __attribute__((noinline)) void *thread_main(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)(thread_inner(40) + 1);
}

/* From frame 1's registers, mt_cfi_find alone must walk to the outermost
 * frame and stop exactly where libunwind stopped: returns that frame's
 * index, or -1 on a frame it cannot unwind or a step off libunwind's path. */
static int walk_alone(const walk_t *w)
{
    uintptr_t ip = w->f[1].ip, sp = w->f[1].sp, rbp = w->f[1].rbp;
    for (int k = 1; k < w->n; k++) {
        mt_cfi_rule_t r;
        if (ip != w->f[k].ip || mt_cfi_find(ip - 1, &r) != 0)
            return -1;
        if (r.last)
            return k;
        uintptr_t cfa = (r.cfa_rbp ? rbp : sp) + (uintptr_t)(intptr_t)r.cfa_off;
        ip = *(const uintptr_t *)(cfa - 8);
        if (r.rbp_saved)
            rbp = *(const uintptr_t *)(cfa + (uintptr_t)(intptr_t)r.rbp_off);
        sp = cfa;
    }
    return -1;
}

static __attribute__((noinline)) void *thread_walks_alone(void *arg)
{
    walk_t *w = arg;
    unwind_here(w);
    return (void *)(intptr_t)walk_alone(w);
}

START_TEST(thread_stack_ends_outermost)
{
    memset(&thread_walk, 0, sizeof thread_walk);
    pthread_t t;
    void *ret;
    ck_assert_int_eq(pthread_create(&t, NULL, thread_main, NULL), 0);
    ck_assert_int_eq(pthread_join(t, &ret), 0);
    ck_assert_int_eq((intptr_t)ret, 40 + 1);
    ck_assert_msg(thread_walk.err[0] == 0, "%s", thread_walk.err);
    /* walk_and_check, thread_inner, thread_main, start_thread; the last is clone3 */
    ck_assert_int_ge(thread_walk.checked, 4);
    ck_assert_int_ge(thread_walk.in_libc, 1);
    ck_assert_int_eq(thread_walk.last_found, 1);

    static walk_t alone;
    ck_assert_int_eq(pthread_create(&t, NULL, thread_walks_alone, &alone), 0);
    ck_assert_int_eq(pthread_join(t, &ret), 0);
    ck_assert_int_ge(alone.n, 4);
    ck_assert_int_eq((intptr_t)ret, alone.n - 1);
}
END_TEST

/* ---- addresses outside the model ---- */

static const char not_code[4096] = {1};

START_TEST(no_fde_no_rule)
{
    mt_cfi_rule_t r;
    ck_assert_int_eq(mt_cfi_find(0x1000, &r), -1);
    ck_assert_int_eq(mt_cfi_find(0, &r), -1);
    ck_assert_int_eq(mt_cfi_find(UINTPTR_MAX, &r), -1);
    /* mapped by our own executable, but data: in no FDE's range */
    ck_assert_int_eq(mt_cfi_find((uintptr_t)&not_code[2048], &r), -1);
}
END_TEST

/* At a function's first instruction only the call has happened. */
START_TEST(function_entry_is_rsp_plus_8)
{
    find_libc_qsort();
    uintptr_t entries[] = {(uintptr_t)plain_caller, (uintptr_t)sort_in_vla, (uintptr_t)qsort,
                           (uintptr_t)libc_qsort};
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        mt_cfi_rule_t r;
        memset(&r, 0x55, sizeof r);
        ck_assert_int_eq(mt_cfi_find(entries[i], &r), 0);
        ck_assert_int_eq(r.cfa_rbp, 0);
        ck_assert_int_eq(r.cfa_off, 8);
        ck_assert_int_eq(r.rbp_saved, 0);
        ck_assert_int_eq(r.last, 0);
    }
}
END_TEST

/* ---- hand-written CFI programs, one rule per label ---- */

/* Never called: only their .eh_frame entries are read.  The first has a
 * "zPLR" CIE (personality and LSDA pointers to skip); each label sits where
 * the rule above it holds. */
__asm__(".pushsection .text\n"
        "cfi_asm_a:\n"
        "  .cfi_startproc\n"
        "  .cfi_personality 0x1b, cfi_asm_b\n"
        "  .cfi_lsda 0x1b, cfi_asm_b\n"
        "  push %rbp\n"
        "  .cfi_def_cfa_offset 16\n"
        "  .cfi_offset %rbp, -16\n"
        "cfi_asm_a_pushed:\n"
        "  mov %rsp, %rbp\n"
        "  .cfi_def_cfa_register %rbp\n"
        "cfi_asm_a_framed:\n"
        "  nop\n"
        "  .cfi_remember_state\n"
        "  .cfi_def_cfa %rsp, 8\n"
        "  .cfi_same_value %rbp\n"
        "cfi_asm_a_remembered:\n"
        "  nop\n"
        "  .cfi_restore_state\n"
        "cfi_asm_a_restored:\n"
        "  nop\n"
        "  .cfi_escape 0x2e, 0x10\n"                   /* GNU_args_size 16 */
        "  .cfi_val_offset %r12, 0\n"
        "  .cfi_escape 0x10, 0x0c, 0x02, 0x77, 0x00\n" /* expression r12: [rsp] */
        "cfi_asm_a_others:\n"
        "  nop\n"
        "  .cfi_restore %rbp\n"
        "cfi_asm_a_cie_rbp:\n"
        "  nop\n"
        "  .cfi_escape 0x2f, 0x06, 0x03\n" /* GNU_negative_offset_extended rbp, 3 */
        "cfi_asm_a_negative:\n"
        "  nop\n"
        "  .cfi_register %rbp, %rbx\n"
        "cfi_asm_a_register:\n"
        "  nop\n"
        "  .cfi_same_value %rbp\n"
        "  .cfi_escape 0x0f, 0x02, 0x77, 0x08\n" /* def_cfa_expression rsp+8 */
        "cfi_asm_a_cfa_expr:\n"
        "  nop\n"
        "  .cfi_def_cfa %rsp, 0x12345678\n"
        "cfi_asm_a_big:\n"
        "  nop\n"
        "  .cfi_undefined %rip\n"
        "cfi_asm_a_last:\n"
        "  nop\n"
        "  .cfi_offset %rip, -16\n"
        "cfi_asm_a_ra_moved:\n"
        "  nop\n"
        "  .cfi_restore %rip\n"
        "cfi_asm_a_ra_restored:\n"
        "  ret\n"
        "  .cfi_endproc\n"
        "cfi_asm_b:\n"
        "  .cfi_startproc\n"
        "  .cfi_signal_frame\n"
        "  nop\n"
        "cfi_asm_b_inside:\n"
        "  ret\n"
        "  .cfi_endproc\n"
        "cfi_asm_c:\n"
        "  .cfi_startproc\n"
        "  nop\n"
        "  .cfi_remember_state\n .cfi_remember_state\n .cfi_remember_state\n"
        "  .cfi_remember_state\n .cfi_remember_state\n .cfi_remember_state\n"
        "  .cfi_remember_state\n .cfi_remember_state\n .cfi_remember_state\n"
        "cfi_asm_c_deep:\n"
        "  ret\n"
        "  .cfi_endproc\n"
        ".popsection\n");

extern const char cfi_asm_a[], cfi_asm_a_pushed[], cfi_asm_a_framed[], cfi_asm_a_remembered[],
    cfi_asm_a_restored[], cfi_asm_a_others[], cfi_asm_a_cie_rbp[], cfi_asm_a_negative[],
    cfi_asm_a_register[], cfi_asm_a_cfa_expr[], cfi_asm_a_big[], cfi_asm_a_last[],
    cfi_asm_a_ra_moved[], cfi_asm_a_ra_restored[], cfi_asm_b[], cfi_asm_b_inside[], cfi_asm_c[],
    cfi_asm_c_deep[];

START_TEST(hand_written_programs)
{
    static const struct {
        const char *at;
        int rc, cfa_rbp, cfa_off, rbp_saved, rbp_off, last;
    } want[] = {
        {cfi_asm_a, 0, 0, 8, 0, 0, 0},
        {cfi_asm_a_pushed, 0, 0, 16, 1, -16, 0},
        {cfi_asm_a_framed, 0, 1, 16, 1, -16, 0},
        {cfi_asm_a_remembered, 0, 0, 8, 0, 0, 0},
        {cfi_asm_a_restored, 0, 1, 16, 1, -16, 0},
        {cfi_asm_a_others, 0, 1, 16, 1, -16, 0},
        {cfi_asm_a_cie_rbp, 0, 1, 16, 0, 0, 0},
        {cfi_asm_a_negative, 0, 1, 16, 1, 24, 0},
        {cfi_asm_a_register, -1, 0, 0, 0, 0, 0},
        {cfi_asm_a_cfa_expr, -1, 0, 0, 0, 0, 0},
        {cfi_asm_a_big, 0, 0, 0x12345678, 0, 0, 0},
        {cfi_asm_a_last, 0, 0, 0, 0, 0, 1},
        {cfi_asm_a_ra_moved, -1, 0, 0, 0, 0, 0},
        {cfi_asm_a_ra_restored, 0, 0, 0x12345678, 0, 0, 0},
        {cfi_asm_b, -1, 0, 0, 0, 0, 0},        /* signal frame ('S') */
        {cfi_asm_b_inside, -1, 0, 0, 0, 0, 0},
        {cfi_asm_c, 0, 0, 8, 0, 0, 0},         /* before the states are pushed */
        {cfi_asm_c_deep, -1, 0, 0, 0, 0, 0},   /* 9 remembered states: too deep */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        mt_cfi_rule_t r;
        memset(&r, 0, sizeof r);
        int rc = mt_cfi_find((uintptr_t)want[i].at, &r);
        ck_assert_msg(rc == want[i].rc, "label %zu: rc %d", i, rc);
        if (rc != 0)
            continue;
        ck_assert_msg(r.last == want[i].last, "label %zu: last %d", i, r.last);
        if (r.last)
            continue;
        ck_assert_msg(r.cfa_rbp == want[i].cfa_rbp && r.cfa_off == want[i].cfa_off,
                      "label %zu: cfa %s%+d", i, r.cfa_rbp ? "rbp" : "rsp", r.cfa_off);
        ck_assert_msg(r.rbp_saved == want[i].rbp_saved &&
                          (!r.rbp_saved || r.rbp_off == want[i].rbp_off),
                      "label %zu: rbp saved %d at %+d", i, r.rbp_saved, r.rbp_off);
    }
}
END_TEST

static void on_usr2(int sig)
{
    (void)sig;
}

/* __restore_rt: its CIE says 'S' (a signal frame) and its CFA is a DWARF
 * expression over the ucontext, both libunwind's job. */
START_TEST(signal_trampoline_unsupported)
{
    struct sigaction sa, got;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    ck_assert_int_eq(sigaction(SIGUSR2, &sa, NULL), 0);
    ck_assert_int_eq(sigaction(SIGUSR2, NULL, &got), 0);
    ck_assert(got.sa_restorer != NULL);
    mt_cfi_rule_t r;
    uintptr_t rt = (uintptr_t)got.sa_restorer;
    ck_assert_int_eq(mt_cfi_find(rt, &r), -1);
    ck_assert_int_eq(mt_cfi_find(rt - 1, &r), -1); /* the FDE starts one byte early */
    ck_assert_int_eq(mt_cfi_find((uintptr_t)sigaction, &r), 0);
}
END_TEST

Suite *cfi_suite(void)
{
    Suite *s = suite_create("cfi");
    TCase *t = tcase_create("rules");
    tcase_add_test(t, predicts_libunwind_through_qsort);
    tcase_add_test(t, thread_stack_ends_outermost);
    tcase_add_test(t, no_fde_no_rule);
    tcase_add_test(t, function_entry_is_rsp_plus_8);
    tcase_add_test(t, hand_written_programs);
    tcase_add_test(t, signal_trampoline_unsupported);
    suite_add_tcase(s, t);
    return s;
}
