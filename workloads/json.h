/* Just enough JSON to read Zarr v2 metadata (.zarray, .zattrs) written by this
 * program or by zarr-python: find a member of an object, read a string, an
 * integer or a one-element integer array.  Values are pointers into the
 * NUL-terminated text; nothing is allocated. */
#ifndef WL_JSON_H
#define WL_JSON_H

#include <stddef.h>
#include <stdint.h>

/* The value of member `key` of the object at `obj`, or NULL when `obj` is not
 * an object, is malformed, or has no such member. */
const char *wl_json_member(const char *obj, const char *key);

int wl_json_is_null(const char *v);
/* 0 on success; -1 if v is not a string without escapes that fits in cap. */
int wl_json_string(const char *v, char *out, size_t cap);
int wl_json_u64(const char *v, uint64_t *out);
/* [n] with exactly one element, as the shape of a 1-D array. */
int wl_json_u64_single(const char *v, uint64_t *out);

#endif
