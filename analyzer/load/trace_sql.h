/* For load/'s own files: the SQLite handle behind a trace.  It names the
 * type without including sqlite3.h, so this header could be included from
 * anywhere; only load/ may, and only load/ can call SQLite on the handle
 * (every other part is built with mk/nosqlite, see analyzer/analyzer.mk). */
#ifndef MTR_LOAD_TRACE_SQL_H
#define MTR_LOAD_TRACE_SQL_H

#include "analyzer/load/trace.h"

struct sqlite3;

struct sqlite3 *mtr_trace_sql(const mtr_trace_t *t);
/* 0 when the file could only be opened read-only: nothing is cached there. */
int mtr_trace_writable(const mtr_trace_t *t);

#endif
