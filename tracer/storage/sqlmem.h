/* The memory of the tracer's own SQLite, apart from the program's heap:
 * in a forked child, SQLite's work in the heap it shares with the parent
 * copied a page at each first write, and a fresh heap faulted its pages in
 * one by one; here they come in populated chunks.  It also keeps the
 * tracer from shaping the program's heap.  Used by sink_sqlite.c only. */
#ifndef MT_STORAGE_SQLMEM_H
#define MT_STORAGE_SQLMEM_H

/* Before SQLite's first use in the process (sqlite3_config). */
void mt_sqlmem_install(void);
/* Fork child: start afresh, leaving the parent's blocks untouched. */
void mt_sqlmem_after_fork_child(void);

#endif
