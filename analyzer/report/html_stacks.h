/* The HTML page's tables of frames and stacks: each distinct frame, module
 * and stack goes into the page once and is referred to by index, which keeps
 * a page with thousands of stacks small.  Used by html.c and html_flame.c. */
#ifndef MTR_REPORT_HTML_STACKS_H
#define MTR_REPORT_HTML_STACKS_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/report/jsonw.h"
#include "analyzer/symbolize/frames.h"

/* Frames kept per stack in the stacks table (tooltips and tables); the
 * flamegraph uses every frame. */
#define MTR_HTML_STACK_DEPTH 48

typedef struct mtr_hstacks mtr_hstacks_t;

mtr_hstacks_t *mtr_hstacks_new(mtr_frames_t *f);
void mtr_hstacks_free(mtr_hstacks_t *t);
/* The frames of stack `stack`, outermost first, as frame indices; *frames
 * stays valid until the next call.  Frame indices are internal: the page
 * holds only the frames passed to mtr_hstacks_use. */
size_t mtr_hstacks_path(mtr_hstacks_t *t, uint32_t stack, const uint32_t **frames);
/* What the flamegraph merges frames on: the function and its module (another
 * line of the same function is the same node).  Index into no table. */
uint32_t mtr_hstacks_func(const mtr_hstacks_t *t, uint32_t frame);
/* The page's index of frame `frame` (added to the page's frame table). */
uint32_t mtr_hstacks_use(mtr_hstacks_t *t, uint32_t frame);
/* The stacks-table index of stack `stack`. */
uint32_t mtr_hstacks_stack(mtr_hstacks_t *t, uint32_t stack);
/* Writes "frames", "modules" and "stacks" as keys of the current object:
 *   frames:  [[function|null, file|null, line, module index|-1, offset], ...]
 *   modules: [path, ...]
 *   stacks:  [[frame index, ... innermost first], ...] */
void mtr_hstacks_write(mtr_hstacks_t *t, mtr_jsonw_t *w);

#endif
