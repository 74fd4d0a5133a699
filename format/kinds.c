/* The names of the kind lists (see kinds.h). */
#include "format/kinds.h"

#include <string.h>

#define NAME_(name, str) str,
static const char *const alloc_names[] = {NULL, MT_ALLOC_KINDS(NAME_)};
static const char *const copy_names[] = {MT_COPY_KINDS(NAME_)};
static const char *const map_names[] = {MT_MAP_KINDS(NAME_)};
static const char *const exit_names[] = {MT_EXIT_KINDS(NAME_)};
static const char *const unwind_names[] = {MT_UNWIND_MODES(NAME_)};
static const char *const clock_names[] = {MT_CLOCKS(NAME_)};
static const char *const follow_names[] = {MT_FOLLOW_MODES(NAME_)};
#undef NAME_

#define LIST_(a) {a, (int)(sizeof a / sizeof a[0])}
static const struct {
    const char *const *names;
    int n;
} lists[] = {
    [MT_KINDS_ALLOC] = LIST_(alloc_names),   [MT_KINDS_COPY] = LIST_(copy_names),
    [MT_KINDS_MAP] = LIST_(map_names),       [MT_KINDS_EXIT] = LIST_(exit_names),
    [MT_KINDS_UNWIND] = LIST_(unwind_names), [MT_KINDS_CLOCK] = LIST_(clock_names),
    [MT_KINDS_FOLLOW] = LIST_(follow_names),
};
#undef LIST_

const char *mt_kind_name(mt_kind_list_t list, int kind)
{
    if ((unsigned)list >= sizeof lists / sizeof lists[0] || kind < 0 || kind >= lists[list].n)
        return NULL;
    return lists[list].names[kind];
}

int mt_kind_parse(mt_kind_list_t list, const char *name)
{
    if ((unsigned)list >= sizeof lists / sizeof lists[0] || !name)
        return -1;
    for (int k = 0; k < lists[list].n; k++)
        if (lists[list].names[k] && strcmp(lists[list].names[k], name) == 0)
            return k;
    return -1;
}
