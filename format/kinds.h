/* Every kind the database stores, each list written once and expanded
 * wherever it is needed: the enum, the name stored or shown, the parser.
 *   alloc events  alloc_batches' kind column (a number) and alloc_events' kind
 *   copies        copies.kind (text)
 *   mappings      mappings.kind (text)
 *   exits         meta.exit_kind (text): how the traced process ended
 *   unwind, clock meta.unwind and meta.clock (text)
 *   follow        meta.follow (text): which children the run traced */
#ifndef MT_FORMAT_KINDS_H
#define MT_FORMAT_KINDS_H

/* X(NAME, "name"): numbered from 1 in this order (0 is no event). */
#define MT_ALLOC_KINDS(X)                                                      \
    X(ALLOC, "alloc")     /* addr, size, stack */                              \
    X(FREE, "free")       /* addr */                                           \
    /* The new block of a realloc(old_addr != NULL): addr, size, stack.  The   \
     * old block was released by the free just before it in the same thread,   \
     * timed before the call, so no other thread's reuse of either address     \
     * can be ordered wrongly. */                                              \
    X(REALLOC, "realloc")

#define MT_COPY_KINDS(X)                                                       \
    X(MEMCPY, "memcpy")                                                        \
    X(MEMMOVE, "memmove")                                                      \
    X(MEMPCPY, "mempcpy")                                                      \
    X(REALLOC, "realloc") /* a realloc that moved its block */                 \
    X(GATHER, "gather")   /* a run of small copies into one large block */     \
    /* a realloc of an mmapped block that moved: glibc serves it with mremap,  \
     * so the pages moved and no byte was copied (schema 2) */                 \
    X(REMAP, "remap")

/* mprotect (schema 2): prot is the range's new protection; PROT_NONE
 * makes it reserved address space, not memory.  madvise (schema 2): flags
 * is the advice (MADV_DONTNEED, MADV_FREE, MADV_REMOVE: the others change
 * nothing a trace holds). */
#define MT_MAP_KINDS(X)                                                        \
    X(MMAP, "mmap") X(MUNMAP, "munmap") X(MREMAP, "mremap")                    \
    X(MPROTECT, "mprotect") X(MADVISE, "madvise")

#define MT_EXIT_KINDS(X)                                                       \
    X(EXIT, "exit")       /* exit() or return from main */                     \
    X(EXEC, "exec")       /* the image was replaced */                         \
    X(IMMEDIATE, "_exit") /* _exit or _Exit: no destructors ran */             \
    X(SIGNAL, "signal")   /* killed; meta.exit_signal says by which */         \
    X(STOPPED, "stopped") /* the program put another file at the trace's descriptor */

/* meta.unwind: the unwinder that took the stacks (MEMTRACE_UNWIND); the
 * first is the default. */
#define MT_UNWIND_MODES(X) X(FAST, "fast") X(LIBUNWIND, "libunwind")

/* meta.clock: what stamped the events (see tracer/capture/clock.h). */
#define MT_CLOCKS(X) X(MONOTONIC, "monotonic") X(TSC, "tsc")

/* meta.follow: which processes of the tree are traced (MEMTRACE_FOLLOW,
 * launcher --follow); the first is the default. */
#define MT_FOLLOW_MODES(X)                                                     \
    X(ALL, "all")   /* every forked child and every exec'd program */          \
    X(EXEC, "exec") /* exec'd programs; a fork that does not exec is not */    \
    X(NONE, "none") /* the launched process only, through its own execs */

enum {
    MT_EV_NONE,
#define X(name, str) MT_EV_##name,
    MT_ALLOC_KINDS(X)
#undef X
    MT_EV_END
};
enum {
#define X(name, str) MT_COPY_##name,
    MT_COPY_KINDS(X)
#undef X
    MT_COPY_KIND_COUNT
};
enum {
#define X(name, str) MT_MAP_##name,
    MT_MAP_KINDS(X)
#undef X
    MT_MAP_KIND_COUNT
};
enum {
#define X(name, str) MT_EXIT_##name,
    MT_EXIT_KINDS(X)
#undef X
    MT_EXIT_KIND_COUNT
};

enum {
#define X(name, str) MT_UNWIND_##name,
    MT_UNWIND_MODES(X)
#undef X
    MT_UNWIND_MODE_COUNT
};
enum {
#define X(name, str) MT_CLOCK_##name,
    MT_CLOCKS(X)
#undef X
    MT_CLOCK_COUNT
};
enum {
#define X(name, str) MT_FOLLOW_##name,
    MT_FOLLOW_MODES(X)
#undef X
    MT_FOLLOW_MODE_COUNT
};

typedef enum mt_kind_list {
    MT_KINDS_ALLOC,
    MT_KINDS_COPY,
    MT_KINDS_MAP,
    MT_KINDS_EXIT,
    MT_KINDS_UNWIND,
    MT_KINDS_CLOCK,
    MT_KINDS_FOLLOW,
} mt_kind_list_t;

/* The stored name of a kind of a list; NULL for a value out of range. */
const char *mt_kind_name(mt_kind_list_t list, int kind);
/* A stored name back to its kind; -1 for a name the list does not hold. */
int mt_kind_parse(mt_kind_list_t list, const char *name);

#endif
