/* The location table (see pyline.h; CPython's Objects/locations.md): a run
 * of entries, each a first byte 1cccclll (code c, covering l + 1 code
 * units) and what the code says follows:
 *   15      no location
 *   14      line delta (signed varint), end line, column, end column (varints)
 *   13      line delta (signed varint), no columns
 *   10..12  line delta c - 10, then a column byte and an end column byte
 *   0..9    the same line, one byte of columns
 * Varints are 6 bits a byte, least significant first, 0x40 meaning more. */
#include "analyzer/symbolize/pyline.h"

#include <limits.h>

typedef struct {
    const uint8_t *p, *end;
} reader_t;

static uint64_t varint(reader_t *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; r->p < r->end && shift < 64; shift += 6) {
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x3F) << shift;
        if (!(b & 0x40))
            break;
    }
    return v;
}

static int64_t svarint(reader_t *r)
{
    uint64_t v = varint(r), mag = v >> 1;
    if (mag > (uint64_t)INT_MAX + 1) /* damaged; the caller stops at the line */
        mag = (uint64_t)INT_MAX + 1;
    return v & 1 ? -(int64_t)mag : (int64_t)mag;
}

int mtr_pyline(const uint8_t *table, size_t len, int firstlineno, int64_t lasti)
{
    if (lasti < 0)
        return firstlineno;
    reader_t r = {table, table + len};
    int64_t line = firstlineno, at = 0;
    while (r.p < r.end) {
        uint8_t first = *r.p++;
        if (!(first & 0x80))
            return 0; /* not an entry's first byte: damaged */
        int code = (first >> 3) & 15;
        int64_t units = (first & 7) + 1, delta = 0;
        int located = code != 15;
        if (code == 14) {
            delta = svarint(&r);
            varint(&r);
            varint(&r);
            varint(&r);
        } else if (code == 13) {
            delta = svarint(&r);
        } else if (code >= 10 && code <= 12) {
            delta = code - 10;
            r.p += r.end - r.p >= 2 ? 2 : r.end - r.p;
        } else if (code < 10) {
            r.p += r.p < r.end;
        }
        line += delta;
        if (line < -(int64_t)INT_MAX || line > INT_MAX)
            return 0; /* no real table goes there: damaged */
        if (lasti < at + units)
            return located && line > 0 ? (int)line : 0;
        at += units;
    }
    return 0;
}
