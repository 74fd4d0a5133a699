/* Environment settings of the tracer (see config.h).  Runs inside the traced
 * process before main, so it must not allocate through malloc. */
#include "tracer/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracer/common.h"
#include "format/kinds.h"
#include "format/meta.h"
#include "format/size.h"

mt_config_t mt_cfg;

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

static int load_size(const char *name, uint64_t def, uint64_t lo, uint64_t *out)
{
    const char *v = getenv(name);
    *out = def;
    if (!v)
        return 0;
    if (mt_parse_size(v, out) < 0 || *out < lo) {
        mt_warn("%s=%s is not a size of at least %llu bytes (like 64K or 1M); running untraced",
                name, v, (unsigned long long)lo);
        return -1;
    }
    return 0;
}

int mt_config_load(void)
{
    const char *out = getenv("MEMTRACE_OUTPUT");
    if (!out || !*out)
        out = "memtrace.%e.%p.db";
    if (out[0] == '/') {
        if (strlen(out) >= sizeof mt_cfg.output) {
            mt_warn("MEMTRACE_OUTPUT is too long; running untraced");
            return -1;
        }
        strcpy(mt_cfg.output, out);
    } else {
        char cwd[2048];
        if (!getcwd(cwd, sizeof cwd) ||
            snprintf(mt_cfg.output, sizeof mt_cfg.output, "%s/%s", cwd, out) >=
                (int)sizeof mt_cfg.output) {
            mt_warn("cannot resolve MEMTRACE_OUTPUT=%s; running untraced", out);
            return -1;
        }
    }
    const char *force = getenv("MEMTRACE_FORCE");
    mt_cfg.force = force && *force && strcmp(force, "0") != 0;
    if (load_size("MEMTRACE_COPY_MIN", (uint64_t)mt_meta_default(MT_META_COPY_MIN), 1,
                  &mt_cfg.copy_min) < 0 ||
        load_size("MEMTRACE_GATHER_MIN", (uint64_t)mt_meta_default(MT_META_GATHER_MIN), 1,
                  &mt_cfg.gather_min) < 0)
        return -1;
    uint64_t depth = (uint64_t)mt_meta_default(MT_META_MAX_DEPTH);
    const char *d = getenv("MEMTRACE_DEPTH");
    if (d && (mt_parse_size(d, &depth) < 0 || depth < 1 || depth > 256)) {
        mt_warn("MEMTRACE_DEPTH=%s is not a number from 1 to 256; running untraced", d);
        return -1;
    }
    mt_cfg.depth = (int)depth;
    const char *u = getenv("MEMTRACE_UNWIND");
    mt_cfg.unwind = u ? mt_kind_parse(MT_KINDS_UNWIND, u) : MT_UNWIND_FAST;
    if (mt_cfg.unwind < 0) {
        mt_warn("MEMTRACE_UNWIND=%s is neither fast nor libunwind; running untraced", u);
        return -1;
    }
    return 0;
}
