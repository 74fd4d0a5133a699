/* The option parser and the usage lines (see options.h), both expanded
 * from MTR_CLI_OPTIONS, so an option cannot be parsed one way and shown
 * another. */
#include "analyzer/cli/options.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/size.h"

#define PROG "memtrace-report"

/* The C type each kind of value is stored as: a row whose field has
 * another type does not compile. */
#define TYPE_FLAG int
#define TYPE_COUNT uint64_t
#define TYPE_SIZE uint64_t
#define TYPE_REAL double
#define TYPE_PERCENT double
#define TYPE_PATH const char *
#define X(name, option, value, metavar, least, field)                                       \
    _Static_assert(_Generic(((mtr_cli_args_t *)0)->field, TYPE_##value: 1, default: 0),     \
                   option " is stored in a field of another type");
MTR_CLI_OPTIONS(X)
#undef X

static const struct {
    const char *option, *metavar;
    mtr_cli_value_t value;
    uint64_t least;
    size_t offset;
} options[MTR_OPTS] = {
#define X(name, option, value, metavar, least, field)                                       \
    {option, metavar, MTR_VAL_##value, least, offsetof(mtr_cli_args_t, field)},
    MTR_CLI_OPTIONS(X)
#undef X
};

int mtr_cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

const char *mtr_cli_option_name(int i, const char **metavar)
{
    *metavar = options[i].metavar;
    return options[i].option;
}

int mtr_cli_usage(const mtr_cli_cmd_t *cmd)
{
    fprintf(stderr, "usage: " PROG " %s %s", cmd->name, cmd->paths);
    for (int i = 0; i < MTR_OPTS; i++) {
        uint64_t bit = 1ull << i;
        if (!(cmd->takes & bit))
            continue;
        int optional = !(cmd->needs & bit);
        fprintf(stderr, " %s%s%s%s%s", optional ? "[" : "", options[i].option,
                options[i].metavar ? " " : "", options[i].metavar ? options[i].metavar : "",
                optional ? "]" : "");
    }
    fputc('\n', stderr);
    return 2;
}

static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* A non-negative finite number; "10%" is accepted for percentages. */
static int parse_real(const char *s, int pct, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    if (pct && end != s && *end == '%')
        end++;
    return end != s && !*end && !errno && isfinite(*out) && *out >= 0 ? 0 : -1;
}

/* Stores option i's value v into a; 0, or 2 after printing the error. */
static int set(mtr_cli_args_t *a, int i, const char *v)
{
    void *field = (char *)a + options[i].offset;
    const char *opt = options[i].option;
    uint64_t n;
    double d;
    switch (options[i].value) {
    case MTR_VAL_FLAG:
        *(int *)field = 1;
        return 0;
    case MTR_VAL_PATH:
        *(const char **)field = v;
        return 0;
    case MTR_VAL_COUNT:
        if (parse_count(v, &n) < 0 || n < options[i].least)
            return mtr_cli_fail("%s %s: not a count", opt, v);
        *(uint64_t *)field = n;
        return 0;
    case MTR_VAL_SIZE:
        if (mt_parse_size(v, &n) < 0 || n < options[i].least)
            return mtr_cli_fail("%s %s: not a size (like 150M, 1G or bytes)", opt, v);
        *(uint64_t *)field = n;
        return 0;
    case MTR_VAL_REAL:
    case MTR_VAL_PERCENT: {
        int pct = options[i].value == MTR_VAL_PERCENT;
        if (parse_real(v, pct, &d) < 0 || d < (double)options[i].least)
            return pct ? mtr_cli_fail("%s %s: not a percentage (like 10)", opt, v)
                       : mtr_cli_fail("%s %s: not a number", opt, v);
        *(double *)field = d;
        return 0;
    }
    }
    return 0;
}

static int find(const char *arg)
{
    for (int i = 0; i < MTR_OPTS; i++)
        if (strcmp(arg, options[i].option) == 0)
            return i;
    return -1;
}

int mtr_cli_parse(const mtr_cli_cmd_t *cmd, int argc, char **argv, mtr_cli_args_t *a)
{
    memset(a, 0, sizeof *a);
    a->top = MTR_CLI_TOP;
    mtr_options_default(&a->analysis);
    for (int k = 1; k < argc; k++) {
        const char *arg = argv[k];
        if (arg[0] != '-' || !arg[1]) { /* "-" is a path, as in most tools */
            if (a->npaths == cmd->npaths)
                return mtr_cli_usage(cmd);
            a->paths[a->npaths++] = arg;
            continue;
        }
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            mtr_cli_help(cmd);
            return MTR_CLI_DONE;
        }
        int i = find(arg);
        if (i < 0 || !(cmd->takes & (1ull << i)))
            return mtr_cli_fail("unknown option %s (--help lists the options)", arg);
        if (options[i].value != MTR_VAL_FLAG && k + 1 >= argc)
            return mtr_cli_fail("%s needs a value", arg);
        if (set(a, i, options[i].value == MTR_VAL_FLAG ? NULL : argv[++k]) != 0)
            return 2;
        a->given |= 1ull << i;
    }
    if (a->npaths != cmd->npaths || (a->given & cmd->needs) != cmd->needs)
        return mtr_cli_usage(cmd);
    return 0;
}
