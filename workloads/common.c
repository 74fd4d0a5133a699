/* One-line errors and option parsing for the workload programs. */
#include "workloads/common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "workload";

void wl_set_prog(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    prog = slash ? slash + 1 : argv0;
}

void wl_error(const char *fmt, ...)
{
    /* Format into one buffer and write once, so the line cannot be split or
     * carry a stray newline from a library message. */
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "%s: %s\n", prog, line);
}

int wl_parse_opts(int argc, char **argv, const wl_opt_t *opts, size_t nopts)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        const wl_opt_t *o = NULL;
        for (size_t k = 0; k < nopts && !o; k++)
            if (strlen(opts[k].name) == len && strncmp(opts[k].name, arg, len) == 0)
                o = &opts[k];
        if (!o) {
            wl_error("unknown argument '%s'", arg);
            return -1;
        }
        if (eq) {
            *o->value = eq + 1;
        } else if (i + 1 < argc) {
            *o->value = argv[++i];
        } else {
            wl_error("%s needs a value", o->name);
            return -1;
        }
    }
    return 0;
}

int wl_parse_u64(const char *s, const char *what, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-') {
        wl_error("%s: '%s' is not a non-negative integer", what, s);
        return -1;
    }
    *out = v;
    return 0;
}

int wl_parse_mib_elems(const char *s, const char *what, uint64_t *elems)
{
    char *end;
    errno = 0;
    double mib = strtod(s, &end);
    /* 1 TiB is far beyond any test machine and keeps the product exact. */
    if (errno || end == s || *end || !(mib > 0) || mib > 1024.0 * 1024.0) {
        wl_error("%s: '%s' is not a size in MiB", what, s);
        return -1;
    }
    uint64_t n = (uint64_t)(mib * WL_MIB / 8.0 + 0.5);
    if (n == 0) {
        wl_error("%s: %s MiB is less than one 8-byte element", what, s);
        return -1;
    }
    *elems = n;
    return 0;
}
