/* Environment settings of the tracer (see config.h).  Runs inside the traced
 * process before main, so it must not allocate through malloc. */
#include "tracer/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format/kinds.h"
#include "format/meta.h"
#include "format/size.h"
#include "tracer/capture/unwind.h"
#include "tracer/common.h"

mt_config_t mt_cfg;

static const struct {
    const char *var, *option, *metavar, *flag;
} settings[MT_SET_COUNT] = {
#define X(name, var, option, metavar, flag) {var, option, metavar, flag},
    MT_SETTINGS(X)
#undef X
};

const char *mt_setting_var(mt_setting_t s) { return settings[s].var; }
const char *mt_setting_option(mt_setting_t s) { return settings[s].option; }
const char *mt_setting_metavar(mt_setting_t s) { return settings[s].metavar; }
const char *mt_setting_flag_value(mt_setting_t s) { return settings[s].flag; }

/* A flag's variable is on unless empty or "0". */
static int flag_on(mt_setting_t s, int absent)
{
    const char *v = getenv(settings[s].var);
    return v ? *v && strcmp(v, "0") != 0 : absent;
}

int mt_setting_by_option(const char *opt)
{
    for (int s = 0; s < MT_SET_COUNT; s++)
        if (strcmp(settings[s].option, opt) == 0)
            return s;
    return -1;
}

/* The value of a valid setting: sizes and counts in *n, unwind modes as
 * MT_UNWIND_*; -1 with the reason in why. */
static int parse(mt_setting_t s, const char *v, uint64_t *n, char *why, size_t cap)
{
    switch (s) {
    case MT_SET_COPY_MIN:
    case MT_SET_GATHER_MIN:
        if (mt_parse_size(v, n) == 0 && *n >= 1)
            return 0;
        snprintf(why, cap, "not a size of at least 1 byte (like 64K or 1M)");
        return -1;
    case MT_SET_DEPTH:
        if (mt_parse_size(v, n) == 0 && *n >= 1 && *n <= MT_MAX_DEPTH)
            return 0;
        snprintf(why, cap, "not a number from 1 to %d", MT_MAX_DEPTH);
        return -1;
    case MT_SET_UNWIND: {
        int k = mt_kind_parse(MT_KINDS_UNWIND, v);
        *n = (uint64_t)k;
        if (k >= 0)
            return 0;
        snprintf(why, cap, "neither %s nor %s", mt_kind_name(MT_KINDS_UNWIND, MT_UNWIND_FAST),
                 mt_kind_name(MT_KINDS_UNWIND, MT_UNWIND_LIBUNWIND));
        return -1;
    }
    case MT_SET_FOLLOW: {
        int k = mt_kind_parse(MT_KINDS_FOLLOW, v);
        *n = (uint64_t)k;
        if (k >= 0)
            return 0;
        snprintf(why, cap, "not %s, %s or %s", mt_kind_name(MT_KINDS_FOLLOW, MT_FOLLOW_ALL),
                 mt_kind_name(MT_KINDS_FOLLOW, MT_FOLLOW_EXEC),
                 mt_kind_name(MT_KINDS_FOLLOW, MT_FOLLOW_NONE));
        return -1;
    }
    case MT_SET_OUTPUT:
        if (v && *v)
            return 0;
        snprintf(why, cap, "empty");
        return -1;
    default:
        return 0;
    }
}

int mt_setting_check(mt_setting_t s, const char *value, char *why, size_t cap)
{
    uint64_t n;
    return parse(s, value, &n, why, cap);
}

int mt_output_expand(const char *tmpl, const char *prog, long pid, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = tmpl; *p; p++) {
        char tmp[32];
        const char *add = tmp;
        if (p[0] == '%' && p[1] == 'p') {
            snprintf(tmp, sizeof tmp, "%ld", pid);
            p++;
        } else if (p[0] == '%' && p[1] == 'e') {
            add = prog;
            p++;
        } else {
            tmp[0] = *p;
            tmp[1] = 0;
        }
        size_t l = strlen(add);
        if (n + l + 1 > cap)
            return -1;
        memcpy(out + n, add, l);
        n += l;
    }
    out[n] = 0;
    return 0;
}

static int load_output(const char *out)
{
    if (!out || !*out)
        out = MT_DEFAULT_OUTPUT;
    if (out[0] == '/') {
        if (strlen(out) >= sizeof mt_cfg.output) {
            mt_warn("%s is too long; running untraced", mt_setting_var(MT_SET_OUTPUT));
            return -1;
        }
        strcpy(mt_cfg.output, out);
        return 0;
    }
    char cwd[2048];
    if (!getcwd(cwd, sizeof cwd) ||
        snprintf(mt_cfg.output, sizeof mt_cfg.output, "%s/%s", cwd, out) >=
            (int)sizeof mt_cfg.output) {
        mt_warn("cannot resolve %s=%s; running untraced", mt_setting_var(MT_SET_OUTPUT), out);
        return -1;
    }
    return 0;
}

void mt_config_forked(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    mt_cfg.traced_parent = (long)getppid();
    mt_cfg.traced_parent_image_ns = mt_cfg.start_realtime_ns; /* the parent's, copied */
    mt_cfg.fork_realtime_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    mt_cfg.start_realtime_ns = mt_cfg.fork_realtime_ns;
}

int mt_config_load(void)
{
    if (load_output(getenv(mt_setting_var(MT_SET_OUTPUT))) < 0)
        return -1;
    mt_cfg.force = flag_on(MT_SET_FORCE, 0);
    const char *tp = getenv(MT_ENV_TRACED_PARENT);
    char *end = NULL;
    mt_cfg.traced_parent = tp ? strtol(tp, &end, 10) : -1;
    mt_cfg.traced_parent_image_ns = end && *end == ':' ? strtoll(end + 1, NULL, 10) : -1;
    mt_cfg.fork_realtime_ns = -1;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    mt_cfg.start_realtime_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    mt_cfg.python = flag_on(MT_SET_PYTHON, 1);
    /* before main, so the interpreter reads it when it starts */
    if (flag_on(MT_SET_PYTHON_ALLOCATORS, 0))
        setenv("PYTHONMALLOC", "malloc", 1);
    uint64_t v[MT_SET_COUNT] = {
        [MT_SET_COPY_MIN] = (uint64_t)mt_meta_default(MT_META_COPY_MIN),
        [MT_SET_GATHER_MIN] = (uint64_t)mt_meta_default(MT_META_GATHER_MIN),
        [MT_SET_DEPTH] = (uint64_t)mt_meta_default(MT_META_MAX_DEPTH),
        [MT_SET_UNWIND] = MT_UNWIND_FAST,
        [MT_SET_FOLLOW] = MT_FOLLOW_ALL,
    };
    for (int s = 0; s < MT_SET_COUNT; s++) {
        const char *value = getenv(settings[s].var);
        if (!settings[s].metavar || s == MT_SET_OUTPUT)
            continue; /* read above */
        char why[128];
        if (value && parse((mt_setting_t)s, value, &v[s], why, sizeof why) < 0) {
            mt_warn("%s=%s is %s; running untraced", settings[s].var, value, why);
            return -1;
        }
    }
    mt_cfg.copy_min = v[MT_SET_COPY_MIN];
    mt_cfg.gather_min = v[MT_SET_GATHER_MIN];
    mt_cfg.depth = (int)v[MT_SET_DEPTH];
    mt_cfg.unwind = (int)v[MT_SET_UNWIND];
    mt_cfg.follow = (int)v[MT_SET_FOLLOW];
    return 0;
}
