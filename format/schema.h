/* The memtrace database: the one contract between tracer and analyzer.
 * The tracer writes it, the analyzer reads it, the sqlite3 shell can query it.
 * Bump MT_SCHEMA_VERSION on any change a reader must know about; readers refuse
 * a version newer than theirs. */
#ifndef MT_FORMAT_SCHEMA_H
#define MT_FORMAT_SCHEMA_H

/* 1: the first format.  2: Python frames (py_code), and what the open
 * issues of this version add.  3: alloc_batches coded "MTB2" (format/batch.c:
 * frees as references to their allocation, addresses as ranks among those
 * freed last); the tree table and meta's traced_parent, fork_realtime_ns
 * and follow (process trees; a reader without them sees one process).
 * Readers accept 1 to 3. */
#define MT_SCHEMA_VERSION 3

/* All times are CLOCK_MONOTONIC nanoseconds (meta.start_ns is the origin);
 * meta.clock says whether they were read from the vDSO ("monotonic") or from
 * the TSC scaled to it ("tsc", within about 1e-4 of the vDSO's rate).
 * All addresses are the traced process's virtual addresses.
 * A stack is a node of the stack_nodes trie: walking parent links from the
 * node gives the frames innermost first; node 0 is the empty stack.  Frame
 * addresses are return addresses (call site + 1), so symbolize ip - 1.
 *
 * meta          key/value facts about the run: the keys, their types and
 *               defaults are format/meta.h's list.
 * threads       one row per traced thread.
 * modules       the module map at the time stacks were taken, for offline
 *               symbolization: file offset of ip = ip - bias.  build_id is hex.
 * stack_nodes   the call-stack trie.
 * alloc_batches allocation events (malloc & co, free, realloc) of one thread,
 *               in time order, compressed (format/batch.h is the codec;
 *               each batch decodes on its own;
 *               format/kinds.h the kinds).
 * alloc_events a view of every allocation event (batch, tid, ts_ns, kind
 *               alloc|free|realloc, addr, size, old_addr, stack); it needs the
 *               extension: `sqlite3 run.db -cmd '.load build/memtrace-sqlite'`.
 * copies        (kinds: format/kinds.h) memcpy/memmove/mempcpy (and _chk
 *               forms) of at least copy_min
 *               bytes; realloc moves (bytes = min(old usable size, new size));
 *               remaps (schema 2): reallocs of an mmapped block that moved by
 *               mremap, copying nothing, recorded whatever their size;
 *               gathers: runs of small copies into one block of at least
 *               gather_min bytes (pieces, first piece start .. last piece end,
 *               stack and src of the first piece).  copy_ns (schema 2; NULL
 *               in older files): the time spent copying, end_ns - ts_ns for
 *               one copy, the pieces' own durations summed for a gather.
 * mappings      (kinds: format/kinds.h) mmap/munmap/mremap; anon = 1 for
 *               anonymous memory, 2 for an allocator's arena (pymalloc's:
 *               memory that many small objects share, never one buffer of
 *               the program's); meaningful on mmap rows, an munmap,
 *               mremap, mprotect or madvise applies to whatever range it
 *               covers.  mprotect rows (schema 2) carry the new prot;
 *               madvise rows (schema 2) the advice in flags.
 * py_code       one row per Python code object a stack names (format/pyframe.h):
 *               its file, qualified name, first line, and co_linetable as it
 *               was (CPython 3.11's location table), resolved offline.
 * small_copies  copies below copy_min, aggregated per thread and size class:
 *               class k holds sizes in [2^k, 2^(k+1)), class 0 also size 0.
 * regions       the program's named regions (memtrace.h, the Python module
 *               memtrace): one row per memtrace_region_begin, on its thread;
 *               they nest per thread (depth 0 outermost, parent the
 *               enclosing region's id or 0); end_ns is NULL while the
 *               region is open (or was never ended).
 * tree          (schema 3) the process tree of a `memtrace run`, written by the
 *               launcher into the top database only when the run ends (empty
 *               elsewhere; absent when the tracer was preloaded by hand): one
 *               row per database of the run, the top one first (id 1,
 *               parent 0).  parent is the row of the process image this one
 *               came from: an image of the same pid is the one it exec'd
 *               from, another pid's the one that forked it (running at
 *               meta fork_realtime_ns), or that forked the untraced child
 *               that exec'd it (meta traced_parent, under --follow exec).
 *               Rows are in start order, so a parent may follow its child.
 *               pid and ppid as the image's meta holds them; db is the
 *               file's name relative to the top database's directory
 *               (absolute when elsewhere); command, exit_kind (NULL: killed
 *               or still running when the run ended), exit_status and
 *               exit_signal from its meta (-1 unknown; the launcher's own
 *               wait for the last image of the launched pid);
 *               start_realtime_ns its meta's, which orders the rows.
 * symbols       the analyzer's symbolization cache (written by the analyzer). */

/* X(table, required, "columns"): required tables must exist for a reader
 * to accept a file; symbols is the analyzer's own, made when it first
 * writes there. */
#define MT_TABLES(X)                                                                       \
    X(meta, 1, "key TEXT PRIMARY KEY, value")                                              \
    X(threads, 1, "tid INTEGER PRIMARY KEY, first_ns INTEGER NOT NULL, name TEXT")         \
    X(modules, 1,                                                                          \
      "id INTEGER PRIMARY KEY, path TEXT NOT NULL, bias INTEGER NOT NULL,"                 \
      " start INTEGER NOT NULL, end INTEGER NOT NULL, build_id TEXT,"                      \
      " load_ns INTEGER NOT NULL")                                                         \
    X(stack_nodes, 1,                                                                      \
      "id INTEGER PRIMARY KEY, parent INTEGER NOT NULL, ip INTEGER NOT NULL")              \
    X(alloc_batches, 1,                                                                    \
      "id INTEGER PRIMARY KEY, tid INTEGER NOT NULL, first_ns INTEGER NOT NULL,"           \
      " last_ns INTEGER NOT NULL, count INTEGER NOT NULL, data BLOB NOT NULL")             \
    X(copies, 1,                                                                           \
      "id INTEGER PRIMARY KEY, ts_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,"           \
      " tid INTEGER NOT NULL, kind TEXT NOT NULL, src INTEGER NOT NULL,"                   \
      " dst INTEGER NOT NULL, bytes INTEGER NOT NULL, pieces INTEGER NOT NULL,"            \
      " stack INTEGER NOT NULL, copy_ns INTEGER")                                          \
    X(mappings, 1,                                                                         \
      "id INTEGER PRIMARY KEY, ts_ns INTEGER NOT NULL, tid INTEGER NOT NULL,"              \
      " kind TEXT NOT NULL, addr INTEGER NOT NULL, size INTEGER NOT NULL,"                 \
      " old_addr INTEGER NOT NULL, old_size INTEGER NOT NULL, prot INTEGER NOT NULL,"      \
      " flags INTEGER NOT NULL, fd INTEGER NOT NULL, anon INTEGER NOT NULL,"               \
      " stack INTEGER NOT NULL")                                                           \
    X(small_copies, 1,                                                                     \
      "tid INTEGER NOT NULL, size_class INTEGER NOT NULL, count INTEGER NOT NULL,"         \
      " bytes INTEGER NOT NULL, PRIMARY KEY(tid, size_class)")                             \
    X(py_code, 0,                                                                          \
      "id INTEGER PRIMARY KEY, filename TEXT NOT NULL, qualname TEXT NOT NULL,"            \
      " firstlineno INTEGER NOT NULL, linetable BLOB NOT NULL")                            \
    X(symbols, 0,                                                                          \
      "module INTEGER NOT NULL, offset INTEGER NOT NULL, depth INTEGER NOT NULL,"          \
      " function TEXT, file TEXT, line INTEGER, PRIMARY KEY(module, offset, depth)")      \
    X(regions, 0,                                                                          \
      "id INTEGER PRIMARY KEY, tid INTEGER NOT NULL, parent INTEGER NOT NULL,"             \
      " depth INTEGER NOT NULL, name TEXT NOT NULL, begin_ns INTEGER NOT NULL,"            \
      " end_ns INTEGER")                                                                  \
    X(tree, 0,                                                                             \
      "id INTEGER PRIMARY KEY, parent INTEGER NOT NULL, pid INTEGER NOT NULL,"             \
      " ppid INTEGER NOT NULL, db TEXT NOT NULL, command TEXT, exit_kind TEXT,"            \
      " exit_status INTEGER NOT NULL, exit_signal INTEGER NOT NULL,"                       \
      " start_realtime_ns INTEGER NOT NULL")

/* The view over the extension's eponymous table (format/sqlext.c). */
#define MT_ALLOC_EVENTS_VTAB "mt_alloc_events"

#define MT_TABLE_DDL_(name, required, cols) "CREATE TABLE IF NOT EXISTS " #name "(" cols ");"
/* The whole schema, idempotent: every table, then the alloc_events view. */
#define MT_SCHEMA_SQL                                                                      \
    MT_TABLES(MT_TABLE_DDL_)                                                               \
    "CREATE VIEW IF NOT EXISTS alloc_events AS SELECT * FROM " MT_ALLOC_EVENTS_VTAB ";"

#endif
