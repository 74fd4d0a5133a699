/* CPython 3.11's internal layout: the few offsets the frame walk reads.
 * They come from the DWARF of python3.11-dbg; each line gives the gdb
 * expression that prints it, and tests/test_python.c asks gdb for every
 * one against Debian's /usr/bin/python3.11 and compiles them against the
 * pyenv interpreter's internal headers.  3.12 moved f_code and 3.13 removed
 * cframe, so another version gets native stacks only (python.c checks
 * Py_Version). */
#ifndef MT_PYLAYOUT_H
#define MT_PYLAYOUT_H

#define MT_PY_VERSION_MAJOR_MINOR 0x030B0000u /* Py_Version & 0xFFFF0000 */

/* X(NAME, offset, "gdb expression") */
#define MT_PY_OFFSETS(X)                                                                  \
    X(TSTATE_CFRAME, 56, "&((PyThreadState *)0)->cframe")                                 \
    X(CFRAME_CURRENT, 8, "&((_PyCFrame *)0)->current_frame")                              \
    X(CFRAME_PREVIOUS, 16, "&((_PyCFrame *)0)->previous")                                 \
    X(FRAME_CODE, 32, "&((_PyInterpreterFrame *)0)->f_code")                              \
    X(FRAME_PREVIOUS, 48, "&((_PyInterpreterFrame *)0)->previous")                        \
    X(FRAME_PREV_INSTR, 56, "&((_PyInterpreterFrame *)0)->prev_instr")                    \
    X(FRAME_IS_ENTRY, 68, "&((_PyInterpreterFrame *)0)->is_entry")                        \
    X(FRAME_OWNER, 69, "&((_PyInterpreterFrame *)0)->owner")                              \
    X(CODE_FIRSTLINENO, 72, "&((PyCodeObject *)0)->co_firstlineno")                       \
    X(CODE_FILENAME, 112, "&((PyCodeObject *)0)->co_filename")                            \
    X(CODE_QUALNAME, 128, "&((PyCodeObject *)0)->co_qualname")                            \
    X(CODE_LINETABLE, 136, "&((PyCodeObject *)0)->co_linetable")                          \
    X(CODE_FIRSTTRACEABLE, 168, "&((PyCodeObject *)0)->_co_firsttraceable")               \
    X(CODE_ADAPTIVE, 184, "&((PyCodeObject *)0)->co_code_adaptive")                       \
    X(RUNTIME_FINALIZING, 24, "&((_PyRuntimeState *)0)->_finalizing")                     \
    X(TYPE_BASICSIZE, 32, "&((PyTypeObject *)0)->tp_basicsize")                           \
    X(TYPE_DEALLOC, 48, "&((PyTypeObject *)0)->tp_dealloc")                               \
    X(BYTES_SIZE, 16, "&((PyVarObject *)0)->ob_size")                                     \
    X(BYTES_DATA, 32, "&((PyBytesObject *)0)->ob_sval")                                   \
    X(STR_LENGTH, 16, "&((PyASCIIObject *)0)->length")                                    \
    X(STR_STATE, 32, "&((PyASCIIObject *)0)->state")                                      \
    X(STR_ASCII_DATA, 48, "sizeof(PyASCIIObject)")                                        \
    X(STR_UTF8_LENGTH, 48, "&((PyCompactUnicodeObject *)0)->utf8_length")                 \
    X(STR_UTF8, 56, "&((PyCompactUnicodeObject *)0)->utf8")                               \
    X(STR_COMPACT_DATA, 72, "sizeof(PyCompactUnicodeObject)")

enum {
#define X(name, off, expr) MT_PY_##name = off,
    MT_PY_OFFSETS(X)
#undef X
};

/* PyASCIIObject.state: interned:2, kind:3, compact:1, ascii:1, ready:1 */
#define MT_PY_STATE_KIND(s) (((s) >> 2) & 7u)
#define MT_PY_STATE_COMPACT(s) (((s) >> 5) & 1u)
#define MT_PY_STATE_ASCII(s) (((s) >> 6) & 1u)

/* _PyInterpreterFrame.owner */
#define MT_PY_OWNED_BY_GENERATOR 1

#endif
