/* The meta keys' table (see meta.h). */
#include "format/meta.h"

#include <stddef.h>

enum { INT, TEXT };

static const struct {
    const char *key;
    int type;
    int64_t def;
} keys[MT_META_COUNT] = {
#define X(name, key, type, def) {key, type, def},
    MT_META_KEYS(X)
#undef X
};

static int valid(mt_meta_t k) { return (unsigned)k < MT_META_COUNT; }

const char *mt_meta_key(mt_meta_t k) { return valid(k) ? keys[k].key : NULL; }
int mt_meta_is_text(mt_meta_t k) { return valid(k) && keys[k].type == TEXT; }
int64_t mt_meta_default(mt_meta_t k) { return valid(k) ? keys[k].def : 0; }
