/* The memtrace database: the one contract between tracer and analyzer.
 * The tracer writes it, the analyzer reads it, the sqlite3 shell can query it.
 * Bump MT_SCHEMA_VERSION on any change a reader must know about; readers refuse
 * a version newer than theirs. */
#ifndef MT_SCHEMA_H
#define MT_SCHEMA_H

#define MT_SCHEMA_VERSION 1

/* All times are CLOCK_MONOTONIC nanoseconds (meta.start_ns is the origin);
 * meta.clock says whether they were read from the vDSO ("monotonic") or from
 * the TSC scaled to it ("tsc", within about 1e-4 of the vDSO's rate).
 * All addresses are the traced process's virtual addresses.
 * A stack is a node of the stack_nodes trie: walking parent links from the
 * node gives the frames innermost first; node 0 is the empty stack.  Frame
 * addresses are return addresses (call site + 1), so symbolize ip - 1.
 *
 * meta          key/value facts about the run:
 *               schema_version, tool_version, command (argv joined by spaces),
 *               exe, pid, ppid, start_realtime_ns, start_ns, end_ns, page_size,
 *               copy_min, gather_min, max_depth, unwind (fast|libunwind), clock,
 *               unwind_slow (stacks the fast unwinder handed to libunwind),
 *               exit_kind (exit|exec|_exit|signal|stopped: the program put
 *               another file at the trace's descriptor), exit_status,
 *               exit_signal, complete (1 once the tracer closed the file
 *               cleanly; absent for a killed process).
 * threads       one row per traced thread.
 * modules       the module map at the time stacks were taken, for offline
 *               symbolization: file offset of ip = ip - bias.  build_id is hex.
 * stack_nodes   the call-stack trie.
 * alloc_batches allocation events (malloc & co, free, realloc) of one thread,
 *               in time order, compressed (see tracer/batch.h for the codec).
 * alloc_events a view of every allocation event (batch, tid, ts_ns, kind
 *               alloc|free|realloc, addr, size, old_addr, stack); it needs the
 *               extension: `sqlite3 run.db -cmd '.load build/memtrace-sqlite'`.
 * copies        memcpy/memmove/mempcpy (and _chk forms) of at least copy_min
 *               bytes; realloc moves (bytes = min(old usable size, new size));
 *               gathers: runs of small copies into one block of at least
 *               gather_min bytes (pieces, first piece start .. last piece end,
 *               stack and src of the first piece).
 * mappings      mmap/munmap/mremap; anon = 1 for anonymous memory (meaningful
 *               on mmap rows; an munmap or mremap applies to whatever range
 *               it covers).
 * small_copies  copies below copy_min, aggregated per thread and size class:
 *               class k holds sizes in [2^k, 2^(k+1)), class 0 also size 0.
 * symbols       the analyzer's symbolization cache (written by the analyzer). */

#define MT_SCHEMA_SQL                                                          \
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);"            \
    "CREATE TABLE IF NOT EXISTS threads(tid INTEGER PRIMARY KEY,"              \
    " first_ns INTEGER NOT NULL, name TEXT);"                                  \
    "CREATE TABLE IF NOT EXISTS modules(id INTEGER PRIMARY KEY,"               \
    " path TEXT NOT NULL, bias INTEGER NOT NULL, start INTEGER NOT NULL,"      \
    " end INTEGER NOT NULL, build_id TEXT, load_ns INTEGER NOT NULL);"         \
    "CREATE TABLE IF NOT EXISTS stack_nodes(id INTEGER PRIMARY KEY,"           \
    " parent INTEGER NOT NULL, ip INTEGER NOT NULL);"                          \
    "CREATE TABLE IF NOT EXISTS alloc_batches(id INTEGER PRIMARY KEY,"         \
    " tid INTEGER NOT NULL, first_ns INTEGER NOT NULL,"                        \
    " last_ns INTEGER NOT NULL, count INTEGER NOT NULL,"                       \
    " data BLOB NOT NULL);"                                                    \
    "CREATE TABLE IF NOT EXISTS copies(id INTEGER PRIMARY KEY,"                \
    " ts_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, tid INTEGER NOT NULL,"  \
    " kind TEXT NOT NULL, src INTEGER NOT NULL, dst INTEGER NOT NULL,"         \
    " bytes INTEGER NOT NULL, pieces INTEGER NOT NULL, stack INTEGER NOT NULL);" \
    "CREATE TABLE IF NOT EXISTS mappings(id INTEGER PRIMARY KEY,"              \
    " ts_ns INTEGER NOT NULL, tid INTEGER NOT NULL, kind TEXT NOT NULL,"       \
    " addr INTEGER NOT NULL, size INTEGER NOT NULL, old_addr INTEGER NOT NULL," \
    " old_size INTEGER NOT NULL, prot INTEGER NOT NULL, flags INTEGER NOT NULL," \
    " fd INTEGER NOT NULL, anon INTEGER NOT NULL, stack INTEGER NOT NULL);"    \
    "CREATE TABLE IF NOT EXISTS small_copies(tid INTEGER NOT NULL,"            \
    " size_class INTEGER NOT NULL, count INTEGER NOT NULL,"                    \
    " bytes INTEGER NOT NULL, PRIMARY KEY(tid, size_class));"                  \
    "CREATE TABLE IF NOT EXISTS symbols(module INTEGER NOT NULL,"              \
    " offset INTEGER NOT NULL, depth INTEGER NOT NULL, function TEXT,"         \
    " file TEXT, line INTEGER, PRIMARY KEY(module, offset, depth));"           \
    "CREATE VIEW IF NOT EXISTS alloc_events AS SELECT * FROM mt_alloc_events;"

/* Event kinds inside alloc_batches. */
enum {
    MT_EV_ALLOC = 1,   /* addr, size, stack */
    MT_EV_FREE = 2,    /* addr */
    /* The new block of a realloc(old_addr != NULL): addr, size, stack.  The
     * old block was released by the MT_EV_FREE just before it in the same
     * thread, timed before the call, so no other thread's reuse of either
     * address can be ordered wrongly. */
    MT_EV_REALLOC = 3,
};

#endif
