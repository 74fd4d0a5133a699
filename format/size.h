/* Sizes as people write them, for every setting and option that takes one
 * (MEMTRACE_COPY_MIN, memtrace run --copy-min, memtrace-report --max-peak):
 * "123", "64K", "1M", "2G", also "64KiB" and "1MB"; K, M and G are powers
 * of 1024.  Runs inside the traced process: no allocation. */
#ifndef MT_FORMAT_SIZE_H
#define MT_FORMAT_SIZE_H

#include <stdint.h>

/* 0 and *out set, or -1 on anything else (out of range, trailing text). */
int mt_parse_size(const char *s, uint64_t *out);

/* The one way sizes are shown, by every report, the gate and the HTML
 * page's script (which follows the same rule): 1024-based, three
 * significant digits, "512 B", "1.50 KiB", "12.3 MiB", "148 MiB".  Returns
 * buf, which holds at least MT_SIZE_TEXT bytes. */
#define MT_SIZE_TEXT 32
const char *mt_size_text(uint64_t n, char *buf);

#endif
