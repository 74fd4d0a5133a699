/* The sink contract: where the writer thread puts what it decoded.  Called
 * only from the writer thread (and from init before it starts), always
 * inside the guard (capture/guard.h).  Today SQLite (sink_sqlite.c).  Functions return 0 or -1; after
 * a -1 from mt_sink_open nothing else may be called. */
#ifndef MT_SINK_H
#define MT_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "format/meta.h"

/* A stack_nodes id; 0 is the empty stack.  A struct so that it cannot be
 * mixed up with a stack-table id (capture/stacks.h). */
typedef struct mt_node_id {
    uint32_t v;
} mt_node_id_t;

/* Creates the database (mode 0600).  An existing file is an error unless
 * force (then it is replaced) or append (then it is reopened as it is). */
int mt_sink_open(const char *path, int force, int append);
int mt_sink_begin(void);
int mt_sink_commit(void);
/* Closes the database; after a clean close the file is one self-contained
 * file (no -wal beside it). */
void mt_sink_close(void);

/* 1 if fd is one the sink keeps open (the database, its -wal, its -shm).
 * Safe from any thread, no system call: the close hooks ask it. */
int mt_sink_owns_fd(int fd);
/* Our descriptors in ascending order (at most 3); returns how many. */
int mt_sink_fds(int out[3]);
/* Fork child: the parent's connection and descriptors are not ours. */
void mt_sink_abandon(void);

/* A NULL value makes the key read as absent (its default). */
void mt_sink_meta_text(mt_meta_t key, const char *value);
void mt_sink_meta_int(mt_meta_t key, int64_t value);
void mt_sink_thread(uint32_t tid, uint64_t first_ns, const char *name);
void mt_sink_module(uint32_t id, const char *path, uint64_t bias, uint64_t start, uint64_t end,
                    const char *build_id, uint64_t load_ns);
void mt_sink_stack_node(mt_node_id_t id, mt_node_id_t parent, uint64_t ip);
void mt_sink_py_code(uint64_t id, const char *filename, const char *qualname, int firstlineno,
                     const void *linetable, size_t len);
void mt_sink_alloc_batch(uint32_t tid, uint64_t first_ns, uint64_t last_ns, uint64_t count,
                         const void *blob, size_t len);
/* kind: MT_COPY_* (format/kinds.h); copy_ns: the time spent copying (a
 * gather's pieces' durations summed; end - ts for one copy) */
void mt_sink_copy(uint64_t ts, uint64_t end, uint64_t copy_ns, uint32_t tid, int kind,
                  uint64_t src, uint64_t dst, uint64_t bytes, uint64_t pieces,
                  mt_node_id_t stack);
/* kind: MT_MAP_* (format/kinds.h); arena: an allocator mapped it for its
 * objects (mappings.anon = 2) */
void mt_sink_mapping(uint64_t ts, uint32_t tid, int kind, uint64_t addr, uint64_t size,
                     uint64_t old_addr, uint64_t old_size, int prot, int flags, int fd,
                     int arena, mt_node_id_t stack);
/* A region opened (regions table; parent 0 at the outermost level), and
 * its end. */
void mt_sink_region(uint64_t id, uint32_t tid, uint64_t parent, int depth, const char *name,
                    uint64_t begin_ns);
void mt_sink_region_end(uint64_t id, uint64_t end_ns);
void mt_sink_small_copies(uint32_t tid, int size_class, uint64_t count, uint64_t bytes);

#endif
