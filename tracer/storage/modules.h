/* The module map: which file is loaded where, with its GNU build-id, so the
 * analyzer can symbolize offline.  Used by the writer thread only. */
#ifndef MT_MODULES_H
#define MT_MODULES_H

#include <stdint.h>

/* Forgets every known module (a new database needs them all again). */
void mt_modules_reset(void);
/* 1 if ip lies in a module already written to the sink. */
int mt_modules_known(uint64_t ip);
/* Scans the loaded modules and writes the new ones to the sink. */
void mt_modules_scan(uint64_t now);

#endif
