# Dumps every code object of the standard library for the linetable test:
# per code object, a line "firstlineno linetable-hex" and a line of the
# line of each code unit as co_positions() gives it (0 for none).
import os
import warnings
import sys
import sysconfig
import types

out = open(sys.argv[1], "w")
root = sysconfig.get_paths()["stdlib"]
codes = 0
warnings.simplefilter("ignore")


def dump(co):
    global codes
    codes += 1
    lines = [str(p[0] or 0) for p in co.co_positions()]
    out.write(f"{co.co_firstlineno} {co.co_linetable.hex() or '-'}\n{' '.join(lines) or '-'}\n")
    for c in co.co_consts:
        if isinstance(c, types.CodeType):
            dump(c)


for d, _, files in os.walk(root):
    if "site-packages" in d or "test" in d.split(os.sep):
        continue
    for f in sorted(files):
        if not f.endswith(".py"):
            continue
        try:
            src = open(os.path.join(d, f), "rb").read()
            dump(compile(src, f, "exec"))
        except (SyntaxError, ValueError, UnicodeDecodeError):
            pass
print(codes)
