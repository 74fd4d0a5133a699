/* The report for a person: human numbers, the biggest things first. */
#ifndef MTR_REPORT_TEXT_H
#define MTR_REPORT_TEXT_H

#include <stdint.h>
#include <stdio.h>

#include "analyzer/model/analyze.h"
#include "analyzer/symbolize/frames.h"
#include "format/size.h"

/* top: at most this many stacks and copies per list (0: all); grouped:
 * copies and stalls as groups (model/groups.h), else one by one. */
void mtr_text_report(FILE *out, const mtr_report_t *r, mtr_frames_t *f, size_t top, int grouped);
/* "1.25 s", "3.4 ms", "12 us". */
const char *mtr_human_ns(uint64_t ns, char *buf);
/* Prints a stack indented, innermost first, at most depth frames. */
void mtr_text_stack(FILE *out, mtr_frames_t *f, uint32_t stack, const char *indent, int depth);
/* "function (file:line)" or "module+0xoffset" for the most telling frame. */
const char *mtr_text_where(mtr_frames_t *f, uint32_t stack, char *buf, size_t cap);

#endif
