/* The analyzer on hand-built traces (tests/tracegen.h): exact peaks, stacks,
 * leaks, copy attribution, extra copies, stalls, and every kind of bad input. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyzer/model/analyze.h"
#include "analyzer/model/blocks.h"
#include "analyzer/symbolize/frames.h"
#include "tests/helpers.h"
#include "tests/tracegen.h"

#define MiB (1024ull * 1024)
#define MS 1000000ull

static char path[4096];
static mtr_trace_t *trace;
static mtr_report_t rep;

static void new_trace(void)
{
    snprintf(path, sizeof path, "%s/t.db", th_tempdir());
    tg_open(path);
}

static uint32_t stack1(uint64_t ip) { return tg_stack(1, &ip); }

static const mtr_report_t *analyze(void)
{
    char err[1024];
    mtr_options_t opt;
    mtr_options_default(&opt);
    trace = mtr_trace_open(path, err, sizeof err);
    ck_assert_msg(trace != NULL, "%s", err);
    ck_assert_msg(mtr_analyze(trace, &opt, &rep, err, sizeof err) == 0, "%s", err);
    return &rep;
}

static uint64_t bytes_of(const mtr_stack_use_t *u, size_t n, uint32_t stack, uint64_t *count)
{
    for (size_t i = 0; i < n; i++)
        if (u[i].stack == stack) {
            *count = u[i].count;
            return u[i].bytes;
        }
    *count = 0;
    return 0;
}

START_TEST(peak_and_its_stacks)
{
    new_trace();
    uint32_t s1 = stack1(0x1001), s2 = stack1(0x2002), s3 = stack1(0x3003), s4 = stack1(0x4004);
    tg_alloc(1, 10, 0x1000, 1000, s1);
    tg_alloc(1, 20, 0x2000, 1000, s1);
    tg_alloc(1, 30, 0x3000, 5000, s2);
    tg_free(1, 40, 0x1000);
    tg_alloc(1, 50, 0x10000, 500, s3);
    tg_mmap(60, 0x700000000000, 4096, 1, s4);
    tg_mmap(65, 0x710000000000, 1 << 20, 0, s4); /* a file mapping is not memory */
    tg_munmap(70, 0x700000000000, 4096);
    tg_free(1, 80, 0x2000);
    tg_close(100, 1);
    const mtr_report_t *r = analyze();
    ck_assert_uint_eq(r->peak.total_bytes, 10596);
    ck_assert_uint_eq(r->peak.time_ns, 60);
    ck_assert_uint_eq(r->peak.heap_at_peak, 6500);
    ck_assert_uint_eq(r->peak.heap_bytes, 7000);
    ck_assert_uint_eq(r->peak.nstacks, 4);
    uint64_t c;
    ck_assert_uint_eq(r->peak.stacks[0].stack, s2);
    ck_assert_uint_eq(r->peak.stacks[0].bytes, 5000);
    ck_assert_uint_eq(bytes_of(r->peak.stacks, r->peak.nstacks, s4, &c), 4096);
    ck_assert_uint_eq(bytes_of(r->peak.stacks, r->peak.nstacks, s1, &c), 1000);
    ck_assert_uint_eq(c, 1);
    ck_assert_uint_eq(bytes_of(r->peak.stacks, r->peak.nstacks, s3, &c), 500);
    ck_assert_uint_eq(r->totals.allocations, 4);
    ck_assert_uint_eq(r->totals.frees, 2);
    ck_assert_uint_eq(r->totals.allocated_bytes, 7500);
    ck_assert_uint_eq(r->totals.mmaps, 2);
    ck_assert_uint_eq(r->totals.munmaps, 1);
    ck_assert_uint_eq(r->duration_ns, 100);
    ck_assert_str_eq(r->warning, "");
    /* the timeline holds the peak */
    uint64_t top = 0;
    for (size_t i = 0; i < r->ntimeline; i++)
        top = r->timeline[i].total > top ? r->timeline[i].total : top;
    ck_assert_uint_eq(top, 10596);
    mtr_report_free(&rep);
    mtr_trace_close(trace);
}
END_TEST

START_TEST(leaks_grouped_by_stack)
{
    new_trace();
    uint32_t a = stack1(0xa), b = stack1(0xb);
    for (int i = 0; i < 3; i++)
        tg_alloc(1, 10 + i, 0x1000 + i * 0x100, 100, a);
    tg_alloc(2, 20, 0x9000, 7000, b);
    tg_alloc(2, 21, 0x9800, 3000, b);
    tg_alloc(2, 22, 0xa000, 50, b);
    tg_free(1, 30, 0xa000); /* freed by another thread */
    tg_close(40, 1);
    const mtr_report_t *r = analyze();
    ck_assert_uint_eq(r->nleaks, 2);
    ck_assert_uint_eq(r->leaks[0].stack, b);
    ck_assert_uint_eq(r->leaks[0].bytes, 10000);
    ck_assert_uint_eq(r->leaks[0].count, 2);
    ck_assert_uint_eq(r->leaks[1].stack, a);
    ck_assert_uint_eq(r->leaks[1].bytes, 300);
    ck_assert_uint_eq(r->leaks[1].count, 3);
    ck_assert_uint_eq(r->leaked_bytes, 10300);
    mtr_report_free(&rep);
    mtr_trace_close(trace);
}
END_TEST

START_TEST(copies_attributed_to_allocations)
{
    new_trace();
    uint32_t sa = stack1(0xa), sb = stack1(0xb), sc = stack1(0xc), sm = stack1(0xd);
    tg_alloc(1, 10, 0x100000, MiB, sa);
    tg_alloc(1, 20, 0x300000, MiB + 16, sb);
    tg_mmap(25, 0x7f0000000000, 2 * MiB, 1, sm);
    tg_copy(1, 30, 100, MT_COPY_MEMCPY, 0x100000, 0x300010, MiB, 1, sc);
    tg_copy(1, 40, 100, MT_COPY_MEMMOVE, 0x7f0000001000, 0x100000, 512 * 1024, 1, sc);
    tg_copy(1, 50, 100, MT_COPY_MEMCPY, 0x7ffc00000000, 0x100000, 256 * 1024, 1, sc); /* stack */
    tg_close(60, 1);
    const mtr_report_t *r = analyze();
    ck_assert_uint_eq(r->ncopies, 3);
    const mtr_copy_t *c = &r->copies[0]; /* largest first */
    ck_assert_int_eq(c->kind, MT_COPY_MEMCPY);
    ck_assert_uint_eq(c->bytes, MiB);
    ck_assert(c->from.known && c->to.known);
    ck_assert_uint_eq(c->from.stack, sa);
    ck_assert_uint_eq(c->to.stack, sb);
    ck_assert_uint_eq(c->to.addr, 0x300000);
    ck_assert_uint_eq(c->stack, sc);
    c = &r->copies[1];
    ck_assert_int_eq(c->kind, MT_COPY_MEMMOVE);
    ck_assert_int_eq(c->from.mapping, MTR_MAP_ANON);
    ck_assert_uint_eq(c->from.stack, sm);
    ck_assert_uint_eq(c->to.stack, sa);
    ck_assert(!r->copies[2].from.known);
    ck_assert_uint_eq(r->totals.copies, 3);
    ck_assert_uint_eq(r->totals.copied_bytes, MiB + 768 * 1024);
    mtr_report_free(&rep);
    mtr_trace_close(trace);
}
END_TEST

START_TEST(extra_copies_payload_alone)
{
    new_trace();
    tg_alloc(1, 5, 0x10000, MiB, stack1(0x1)); /* before: the baseline */
    tg_alloc(1, 10, 0x7f0000000000, 100 * MiB, stack1(0x2));
    tg_close(20, 1);
    const mtr_report_t *r = analyze();
    ck_assert_uint_eq(r->payload_bytes, 100 * MiB);
    ck_assert_uint_eq(r->baseline_bytes, MiB);
    ck_assert_int_eq(r->extra_copies, 0);
    ck_assert_uint_eq(r->nbuffers, 1);
    mtr_report_free(&rep);
    mtr_trace_close(trace);
}
END_TEST

START_TEST(extra_copies_payload_plus_one_copy)
{
    new_trace();
    uint32_t arr = stack1(0x1), bytes = stack1(0x2), cp = stack1(0x3);
    tg_alloc(1, 10, 0x7f0000000000, 100 * MiB, arr);
    tg_alloc(1, 20, 0x7f1000000000, 100 * MiB, bytes);
    tg_copy(1, 30, 5 * MS, MT_COPY_MEMCPY, 0x7f0000000000, 0x7f1000000000, 100 * MiB, 1, cp);
    tg_free(1, 40 * MS, 0x7f1000000000);
    tg_close(50 * MS, 1);
    const mtr_report_t *r = analyze();
    ck_assert_int_eq(r->extra_copies, 1);
    ck_assert_uint_eq(r->peak.total_bytes, 200 * MiB);
    ck_assert_uint_eq(r->nbuffers, 2);
    ck_assert_uint_eq(r->buffers[1].stack, bytes);
    ck_assert_uint_eq(r->buffers[1].nfill, 1);
    const mtr_copy_t *fill = &r->fills[r->buffers[1].first_fill];
    ck_assert_uint_eq(fill->from.stack, arr);
    ck_assert_uint_eq(fill->stack, cp);
    mtr_report_free(&rep);
    mtr_trace_close(trace);
}
END_TEST

/* Extra copies count copies of the payload, not large buffers: a 60 MiB
 * block the program filled itself is none, the same block filled by a
 * 60 MiB copy is one. */
START_TEST(extra_copies_of_the_payload_only)
{
    for (int copied = 0; copied < 2; copied++) {
        new_trace();
        uint32_t arr = stack1(0x1), own = stack1(0x2), cp = stack1(0x3);
        tg_alloc(1, 10, 0x7f0000000000, 100 * MiB, arr);
        tg_alloc(1, 20, 0x7f1000000000, 60 * MiB, own);
        if (copied)
            tg_copy(1, 30, MS, MT_COPY_MEMCPY, 0x7f0000000000, 0x7f1000000000, 60 * MiB, 1, cp);
        tg_close(50 * MS, 1);
        const mtr_report_t *r = analyze();
        ck_assert_uint_eq(r->peak.total_bytes, 160 * MiB);
        ck_assert_uint_eq(r->nbuffers, 2);
        ck_assert_int_eq(r->extra_copies, copied);
        mtr_report_free(&rep);
        mtr_trace_close(trace);
    }
}
END_TEST

START_TEST(extra_copies_small_blocks_joined)
{
    new_trace();
    uint32_t arr = stack1(0x1), recv = stack1(0x2), join = stack1(0x3), gat = stack1(0x4);
    tg_alloc(1, 10, 0x7f0000000000, 100 * MiB, arr);
    uint64_t t = 100;
    for (int i = 0; i < 1600; i++)
        tg_alloc(1, t++, 0x600000000000 + (uint64_t)i * 0x20000, 64 * 1024, recv);
    tg_alloc(1, t++, 0x7f1000000000, 100 * MiB, join);
    tg_copy(1, t++, 1000, MT_COPY_GATHER, 0x600000000000, 0x7f1000000000, 100 * MiB, 1600, gat);
    t += 1000;
    for (int i = 0; i < 1600; i++)
        tg_free(1, t++, 0x600000000000 + (uint64_t)i * 0x20000);
    tg_close(t + 10, 1);
    const mtr_report_t *r = analyze();
    ck_assert_int_eq(r->extra_copies, 2);
    ck_assert_uint_eq(r->peak.total_bytes, 300 * MiB);
    ck_assert_uint_eq(r->nbuffers, 3);
    int groups = 0;
    for (size_t i = 0; i < r->nbuffers; i++)
        if (r->buffers[i].group) {
            groups++;
            ck_assert_uint_eq(r->buffers[i].stack, recv);
            ck_assert_uint_eq(r->buffers[i].count, 1600);
            ck_assert_uint_eq(r->buffers[i].bytes, 100 * MiB);
        } else if (r->buffers[i].stack == join) {
            ck_assert_uint_eq(r->buffers[i].nfill, 1);
            ck_assert_int_eq(r->fills[r->buffers[i].first_fill].kind, MT_COPY_GATHER);
        }
    ck_assert_int_eq(groups, 1);
    mtr_report_free(&rep);
    mtr_trace_close(trace);
}
END_TEST

START_TEST(like_fills_merged)
{
    new_trace();
    uint32_t arr = stack1(0x1), dst = stack1(0x2), cp = stack1(0x3), other = stack1(0x4);
    tg_alloc(1, 10, 0x7f0000000000, 100 * MiB, arr);
    tg_alloc(1, 20, 0x7f1000000000, 100 * MiB, dst);
    /* a codec's way: many like copies, plus one from elsewhere */
    for (uint64_t i = 0; i < 4; i++)
        tg_copy(1, 30 + i * 10, 5, MT_COPY_MEMCPY, 0x7f0000000000 + i * 16 * MiB,
                0x7f1000000000 + i * 16 * MiB, 16 * MiB, 1, cp);
    tg_copy(1, 100, 5, MT_COPY_MEMCPY, 0x7f0000000000, 0x7f1000000000 + 64 * MiB, 16 * MiB, 1, other);
    tg_close(200, 1);
    const mtr_report_t *r = analyze();
    ck_assert_uint_eq(r->ncopies, 5);
    const mtr_peak_buffer_t *b = &r->buffers[1];
    ck_assert_uint_eq(b->stack, dst);
    ck_assert_uint_eq(b->nfill, 2);
    const mtr_copy_t *f = &r->fills[b->first_fill];
    ck_assert_uint_eq(f->stack, cp);
    ck_assert_uint_eq(f->pieces, 4);
    ck_assert_uint_eq(f->bytes, 64 * MiB);
    ck_assert_uint_eq(f->duration_ns, 20);
    ck_assert_uint_eq(f->ts, 30);
    ck_assert_uint_eq(r->fills[b->first_fill + 1].stack, other);
    mtr_report_free(&rep);
    mtr_trace_close(trace);
}
END_TEST

static int count_stalls(const mtr_report_t *r, int kind)
{
    int n = 0;
    for (size_t i = 0; i < r->nstalls; i++)
        n += r->stalls[i].kind == kind;
    return n;
}

START_TEST(stall_large_copy)
{
    new_trace();
    uint32_t s = stack1(0x5);
    tg_alloc(1, 10, 0x7f0000000000, 10 * MiB, s);
    tg_alloc(1, 20, 0x7f1000000000, 10 * MiB, s);
    tg_copy(1, 30, 6 * MS, MT_COPY_MEMCPY, 0x7f0000000000, 0x7f1000000000, 10 * MiB, 1, s);
    tg_copy(1, 10 * MS, 4 * MS, MT_COPY_MEMCPY, 0x7f0000000000, 0x7f1000000000, 10 * MiB, 1, s);
    tg_close(20 * MS, 1);
    const mtr_report_t *r = analyze();
    ck_assert_uint_eq(r->nstalls, 1);
    ck_assert_int_eq(r->stalls[0].kind, MTR_STALL_LARGE_COPY);
    ck_assert_uint_eq(r->stalls[0].ts, 30);
    ck_assert_uint_eq(r->stalls[0].duration_ns, 6 * MS);
    ck_assert_uint_eq(r->stalls[0].bytes, 10 * MiB);
    mtr_report_free(&rep);
    mtr_trace_close(trace);
}
END_TEST

START_TEST(stall_accumulator_flush_recurs)
{
    new_trace();
    uint32_t buf = stack1(0x6), flush = stack1(0x7), other = stack1(0x8);
    /* two flushes by the same code, each into a block allocated for it */
    tg_alloc(1, 1 * MS, 0x7f0000000000, 100 * MiB, buf);
    tg_copy(1, 1 * MS + 10000, 30 * MS, MT_COPY_GATHER, 0x1000, 0x7f0000000000, 100 * MiB, 100000, flush);
    tg_alloc(1, 100 * MS, 0x7f1000000000, 200 * MiB, buf);
    tg_copy(1, 100 * MS + 10000, 60 * MS, MT_COPY_GATHER, 0x1000, 0x7f1000000000, 200 * MiB, 100000,
            flush);
    /* not flushes: too few pieces; and a long-lived buffer filled later */
    tg_alloc(1, 300 * MS, 0x7f2000000000, 2 * MiB, other);
    tg_copy(1, 300 * MS + 100, 1 * MS, MT_COPY_GATHER, 0x1000, 0x7f2000000000, 2 * MiB, 500, other);
    tg_alloc(1, 310 * MS, 0x7f3000000000, 2 * MiB, other);
    tg_copy(1, 900 * MS, 1 * MS, MT_COPY_GATHER, 0x1000, 0x7f3000000000, 2 * MiB, 5000, other);
    tg_close(1000 * MS, 1);
    const mtr_report_t *r = analyze();
    ck_assert_int_eq(count_stalls(r, MTR_STALL_FLUSH), 2);
    ck_assert_int_eq(count_stalls(r, MTR_STALL_LARGE_COPY), 0);
    const mtr_stall_t *a = &r->stalls[0], *b = &r->stalls[1];
    ck_assert_uint_eq(a->pieces, 100000);
    ck_assert_uint_eq(a->alloc_stack, buf);
    ck_assert_uint_eq(a->stack, flush);
    ck_assert_uint_eq(a->occurrence, 1);
    ck_assert_uint_eq(b->occurrence, 2);
    ck_assert_uint_eq(b->recurrences, 2);
    ck_assert_uint_eq(b->period_ns, 99 * MS);
    /* the streaks: from the start, then from the end of the first flush */
    ck_assert_uint_eq(a->quiet_ns, 1 * MS + 10000);
    ck_assert_uint_eq(b->quiet_ns, 100 * MS + 10000 - (1 * MS + 10000 + 30 * MS));
    ck_assert(b->growth > 1.99 && b->growth < 2.01);
    mtr_report_free(&rep);
    mtr_trace_close(trace);
}
END_TEST

/* A moving realloc as the tracer records it: the copy, timed, then the
 * free and the new block. */
static void moved(uint32_t tid, uint64_t *t, uint64_t *addr, uint64_t old_size, uint64_t size,
                  uint64_t copy_ns, uint32_t stack)
{
    uint64_t to = *addr + 0x1000000;
    tg_copy(tid, *t, copy_ns, MT_COPY_REALLOC, *addr, to, old_size < size ? old_size : size, 1,
            stack);
    tg_realloc(tid, *t, *addr, to, size, stack);
    *addr = to;
    *t += copy_ns + 10;
}

START_TEST(stall_realloc_growth)
{
    new_trace();
    uint32_t lin = stack1(0x9), dbl = stack1(0xa), list = stack1(0xb), quick = stack1(0xc);
    /* linear growth by 64 KiB, moving every time: quadratic copying, 1 ms a move */
    uint64_t addr = 0x100000, t = 10;
    tg_alloc(1, t++, addr, 64 * 1024, lin);
    for (uint64_t k = 2; k <= 20; k++)
        moved(1, &t, &addr, (k - 1) * 64 * 1024, k * 64 * 1024, 1 * MS, lin);
    /* doubling growth copies about its final size once: not a stall */
    uint64_t d = 0x100000000000;
    tg_alloc(2, t++, d, 64 * 1024, dbl);
    for (int k = 1; k <= 9; k++)
        moved(2, &t, &d, (64ull * 1024) << (k - 1), (64ull * 1024) << k, 1 * MS, dbl);
    /* CPython's list_resize: 1/8 more each time, copying 8 times its final
     * size in all, still amortized linear: not a stall */
    uint64_t l = 0x200000000000, size = 64 * 1024;
    tg_alloc(3, t++, l, size, list);
    for (int k = 0; k < 40; k++, size += size / 8)
        moved(3, &t, &l, size, size + size / 8, 1 * MS, list);
    /* quadratic, but 20 moves of 0.1 ms: no measurable stall */
    uint64_t q = 0x300000000000;
    tg_alloc(4, t++, q, 64 * 1024, quick);
    for (uint64_t k = 2; k <= 21; k++)
        moved(4, &t, &q, (k - 1) * 64 * 1024, k * 64 * 1024, MS / 10, quick);
    tg_close(t + 100, 1);
    const mtr_report_t *r = analyze();
    ck_assert_int_eq(count_stalls(r, MTR_STALL_REALLOC_GROWTH), 1);
    const mtr_stall_t *s = &r->stalls[0];
    ck_assert_uint_eq(s->pieces, 19);
    ck_assert_uint_eq(s->bytes, 190ull * 64 * 1024); /* 64K x (1 + 2 + ... + 19) */
    ck_assert_uint_eq(s->block_size, 20ull * 64 * 1024);
    ck_assert_uint_eq(s->stack, lin);
    ck_assert_uint_eq(s->duration_ns, 19 * MS); /* the moves' copying, not the chain's span */
    mtr_report_free(&rep);
    mtr_trace_close(trace);
}
END_TEST

/* ---- bad input ---- */

static void expect_open_error(const char *file, const char *words)
{
    char err[1024] = "";
    mtr_trace_t *d = mtr_trace_open(file, err, sizeof err);
    ck_assert_msg(d == NULL, "%s opened", file);
    ck_assert_msg(strstr(err, words) != NULL, "'%s' lacks '%s'", err, words);
    ck_assert_ptr_null(strchr(err, '\n'));
}

static void write_file(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
}

START_TEST(bad_input_refused_with_one_line)
{
    char *dir = th_tempdir(), p[4200];
    snprintf(p, sizeof p, "%s/missing.db", dir);
    expect_open_error(p, "No such file");
    snprintf(p, sizeof p, "%s/empty.db", dir);
    write_file(p, "");
    expect_open_error(p, "empty");
    snprintf(p, sizeof p, "%s/text.db", dir);
    write_file(p, "this is not a database at all, just some text\n");
    expect_open_error(p, "not an SQLite database");
    snprintf(p, sizeof p, "%s/other.db", dir);
    sqlite3 *s;
    sqlite3_open(p, &s);
    sqlite3_exec(s, "CREATE TABLE foo(x); INSERT INTO foo VALUES(1);", NULL, NULL, NULL);
    sqlite3_close(s);
    expect_open_error(p, "not a memtrace trace");
    snprintf(path, sizeof path, "%s/newer.db", dir);
    tg_open(path);
    tg_meta_int(MT_META_SCHEMA_VERSION, 99);
    tg_close(1, 1);
    expect_open_error(path, "schema version 99");
}
END_TEST

static void big_trace(void)
{
    new_trace();
    uint32_t s = stack1(0x42);
    for (uint64_t i = 0; i < 200000; i++) {
        tg_alloc(1 + i % 3, 10 * i, 0x100000 + i * 0x40, 48 + i % 1000, s);
        if (i % 2)
            tg_free(1 + i % 3, 10 * i + 5, 0x100000 + i * 0x40);
    }
    tg_close(3000000, 1);
}

START_TEST(truncated_and_corrupt_traces_fail)
{
    big_trace();
    FILE *f = fopen(path, "r+b");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    ck_assert_int_gt(size, 32768);
    /* damage the middle of the file: pages of the allocation batches */
    fseek(f, size / 2, SEEK_SET);
    for (int i = 0; i < 4096; i++)
        fputc(0xa5, f);
    fclose(f);
    /* the header and the schema are intact: the file opens, and its
     * replay stops at the first malformed page it reads */
    char err[1024] = "", want[4200];
    mtr_options_t opt;
    mtr_options_default(&opt);
    trace = mtr_trace_open(path, err, sizeof err);
    ck_assert_msg(trace != NULL, "%s", err);
    ck_assert_int_eq(mtr_analyze(trace, &opt, &rep, err, sizeof err), -1);
    mtr_trace_close(trace);
    snprintf(want, sizeof want,
             "%s: damaged trace (reading mappings: database disk image is malformed)", path);
    ck_assert_str_eq(err, want);

    /* cut in half, the file is refused as it is opened */
    big_trace();
    ck_assert_int_eq(truncate(path, size / 2), 0);
    err[0] = 0;
    ck_assert_ptr_null(mtr_trace_open(path, err, sizeof err));
    snprintf(want, sizeof want, "%s: corrupt database: database disk image is malformed", path);
    ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(empty_and_killed_traces_report_with_warning)
{
    new_trace();
    tg_close(10, 1);
    const mtr_report_t *r = analyze();
    ck_assert_uint_eq(r->totals.events, 0);
    ck_assert_uint_eq(r->peak.total_bytes, 0);
    ck_assert_int_eq(r->extra_copies, 0);
    ck_assert_ptr_nonnull(strstr(r->warning, "no events"));
    mtr_report_free(&rep);
    mtr_trace_close(trace);

    new_trace();
    tg_alloc(1, 10, 0x1000, 64, stack1(0x1));
    tg_close(20, 0);
    r = analyze();
    ck_assert_uint_eq(r->totals.allocations, 1);
    ck_assert_ptr_nonnull(strstr(r->warning, "incomplete"));
    mtr_report_free(&rep);
    mtr_trace_close(trace);
}
END_TEST

START_TEST(cli_exit_codes)
{
    char out[256];
    char *missing[] = {MT_BUILD_DIR "/memtrace-report", "/nonexistent/x.db", NULL};
    int st = th_run(missing, NULL, out, sizeof out);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    char *usage[] = {MT_BUILD_DIR "/memtrace-report", "--bogus", NULL};
    st = th_run(usage, NULL, out, sizeof out);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    new_trace();
    tg_alloc(1, 10, 0x1000, 64, stack1(0x1));
    tg_close(20, 1);
    char *ok[] = {MT_BUILD_DIR "/memtrace-report", path, "--json", NULL};
    char json[65536];
    st = th_run(ok, NULL, json, sizeof json);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_ptr_nonnull(strstr(json, "\"allocations\":1,"));
    ck_assert_ptr_nonnull(strstr(json, "\"extra_copies\":0,"));
}
END_TEST

START_TEST(fixture_stacks_symbolized)
{
    char *dir = th_tempdir();
    snprintf(path, sizeof path, "%s/run.db", dir);
    char *argv[] = {FIXTURE("alloc1000"), NULL};
    int st = th_trace(path, argv, NULL, 0);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    const mtr_report_t *r = analyze();
    /* 500 of the 1000 KiB blocks are still live at the end */
    ck_assert_uint_ge(r->nleaks, 1);
    ck_assert_uint_eq(r->leaks[0].bytes, 500 * 1024);
    ck_assert_uint_eq(r->leaks[0].count, 500);
    mtr_frames_t *f = mtr_frames_open(trace);
    const mtr_sframe_t *fr;
    size_t n = mtr_frames_get(f, r->leaks[0].stack, &fr);
    size_t i = 0;
    while (i < n && (!fr[i].function || strcmp(fr[i].function, "fixture_alloc_kib") != 0))
        i++;
    ck_assert_msg(i < n, "fixture_alloc_kib not in the stack");
    ck_assert_ptr_nonnull(strstr(fr[i].file, "alloc1000.c"));
    ck_assert_int_eq(fr[i].line, 9);
    ck_assert_str_eq(fr[i + 1].function, "main");
    ck_assert_int_eq(fr[i + 1].line, 20);
    mtr_frames_close(f);
    /* the second look comes from the cache the first one wrote */
    sqlite3 *sql = th_open(path);
    ck_assert_int_gt(th_int(sql, "SELECT count(*) FROM symbols WHERE function = "
                                 "'fixture_alloc_kib' AND line = 9"), 0);
    sqlite3_close(sql);
    f = mtr_frames_open(trace);
    n = mtr_frames_get(f, r->leaks[0].stack, &fr);
    ck_assert_str_eq(fr[i].function, "fixture_alloc_kib");
    ck_assert_int_eq(fr[i].line, 9);
    mtr_frames_close(f);
    mtr_report_free(&rep);
    mtr_trace_close(trace);
}
END_TEST

START_TEST(cxx_names_demangled)
{
    char *dir = th_tempdir();
    snprintf(path, sizeof path, "%s/run.db", dir);
    char *argv[] = {FIXTURE("cxxfix"), NULL};
    int st = th_trace(path, argv, NULL, 0);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    const mtr_report_t *r = analyze();
    mtr_frames_t *f = mtr_frames_open(trace);
    int found = 0;
    for (size_t k = 0; k < r->nleaks && !found; k++) {
        const mtr_sframe_t *fr;
        size_t n = mtr_frames_get(f, r->leaks[k].stack, &fr);
        for (size_t i = 0; i < n; i++)
            if (fr[i].function && strcmp(fr[i].function, "ns::Widget::add(int)") == 0) {
                found = 1;
                ck_assert_uint_eq(r->leaks[k].count, 100); /* the 100 strings */
            }
    }
    ck_assert_msg(found, "ns::Widget::add(int) not among the leak stacks");
    mtr_frames_close(f);
    mtr_report_free(&rep);
    mtr_trace_close(trace);
}
END_TEST

Suite *analyze_suite(void)
{
    Suite *s = suite_create("analyze");
    TCase *t = tcase_create("synthetic");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, peak_and_its_stacks);
    tcase_add_test(t, leaks_grouped_by_stack);
    tcase_add_test(t, copies_attributed_to_allocations);
    tcase_add_test(t, extra_copies_payload_alone);
    tcase_add_test(t, extra_copies_payload_plus_one_copy);
    tcase_add_test(t, extra_copies_small_blocks_joined);
    tcase_add_test(t, extra_copies_of_the_payload_only);
    tcase_add_test(t, like_fills_merged);
    tcase_add_test(t, stall_large_copy);
    tcase_add_test(t, stall_accumulator_flush_recurs);
    tcase_add_test(t, stall_realloc_growth);
    tcase_add_test(t, bad_input_refused_with_one_line);
    tcase_add_test(t, truncated_and_corrupt_traces_fail);
    tcase_add_test(t, empty_and_killed_traces_report_with_warning);
    tcase_add_test(t, cli_exit_codes);
    suite_add_tcase(s, t);
    TCase *fx = tcase_create("fixtures");
    tcase_set_timeout(fx, 60);
    tcase_add_test(fx, fixture_stacks_symbolized);
    tcase_add_test(fx, cxx_names_demangled);
    suite_add_tcase(s, fx);
    return s;
}
