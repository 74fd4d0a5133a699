/* A validating skip over JSON values is all the parsing needed: members are
 * found by skipping the ones before them. */
#include "workloads/json.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Nesting limit: metadata is two levels deep; this stops runaway recursion on
 * a hostile file. */
#define MAX_DEPTH 32

static const char *ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static const char *skip_string(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && !*++p)
            return NULL;
    return *p == '"' ? p + 1 : NULL;
}

static const char *skip_value(const char *p, int depth);

static const char *skip_container(const char *p, int depth, char close)
{
    p = ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        p = ws(p);
        if (close == '}') {
            if (*p != '"' || !(p = skip_string(p)))
                return NULL;
            p = ws(p);
            if (*p++ != ':')
                return NULL;
        }
        if (!(p = skip_value(p, depth + 1)))
            return NULL;
        p = ws(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}

static const char *skip_value(const char *p, int depth)
{
    if (depth > MAX_DEPTH)
        return NULL;
    p = ws(p);
    switch (*p) {
    case '{': return skip_container(p, depth, '}');
    case '[': return skip_container(p, depth, ']');
    case '"': return skip_string(p);
    case 't': return strncmp(p, "true", 4) ? NULL : p + 4;
    case 'f': return strncmp(p, "false", 5) ? NULL : p + 5;
    case 'n': return strncmp(p, "null", 4) ? NULL : p + 4;
    default: {
        const char *q = p;
        while (*q && strchr("+-0123456789.eE", *q))
            q++;
        return q > p ? q : NULL;
    }
    }
}

const char *wl_json_member(const char *obj, const char *key)
{
    const char *p = ws(obj);
    if (*p != '{')
        return NULL;
    p = ws(p + 1);
    size_t klen = strlen(key);
    while (*p == '"') {
        const char *name = p + 1, *end = skip_string(p);
        if (!end)
            return NULL;
        p = ws(end);
        if (*p++ != ':')
            return NULL;
        p = ws(p);
        if ((size_t)(end - 1 - name) == klen && strncmp(name, key, klen) == 0)
            return p;
        if (!(p = skip_value(p, 1)))
            return NULL;
        p = ws(p);
        if (*p != ',')
            return NULL;
        p = ws(p + 1);
    }
    return NULL;
}

int wl_json_is_null(const char *v)
{
    return v && strncmp(ws(v), "null", 4) == 0;
}

int wl_json_string(const char *v, char *out, size_t cap)
{
    if (!v || *(v = ws(v)) != '"')
        return -1;
    const char *end = strchr(v + 1, '"');
    if (!end || memchr(v + 1, '\\', (size_t)(end - v - 1)) || (size_t)(end - v - 1) >= cap)
        return -1;
    size_t len = (size_t)(end - v - 1);
    for (size_t i = 0; i < len; i++)
        out[i] = v[1 + i];
    out[len] = '\0';
    return 0;
}

int wl_json_u64(const char *v, uint64_t *out)
{
    if (!v || !isdigit((unsigned char)*(v = ws(v))))
        return -1;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || strchr(".eE", *end))
        return -1;
    *out = n;
    return 0;
}

int wl_json_u64_single(const char *v, uint64_t *out)
{
    if (!v || *(v = ws(v)) != '[')
        return -1;
    const char *p = ws(v + 1);
    if (wl_json_u64(p, out) < 0)
        return -1;
    while (isdigit((unsigned char)*p))
        p++;
    return *ws(p) == ']' ? 0 : -1;
}
