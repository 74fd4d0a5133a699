/* Shared by the three workload programs: the one error line a failing run
 * prints, "--name value" option parsing and size arguments.  Errors are printed
 * where they happen and only passed up as -1, so a failure prints one line. */
#ifndef WL_COMMON_H
#define WL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define WL_MIB (1024.0 * 1024.0)

void wl_set_prog(const char *argv0);
void wl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One accepted option; *value stays as it was (the default) when absent. */
typedef struct {
    const char *name; /* with the leading "--" */
    const char **value;
} wl_opt_t;

/* Accepts "--name value" and "--name=value"; returns 0 or -1 (error printed). */
int wl_parse_opts(int argc, char **argv, const wl_opt_t *opts, size_t nopts);

/* A size in MiB ("100", "0.25") as a whole number of 8-byte elements. */
int wl_parse_mib_elems(const char *s, const char *what, uint64_t *elems);
int wl_parse_u64(const char *s, const char *what, uint64_t *out);

#endif
