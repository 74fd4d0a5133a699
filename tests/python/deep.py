# A 1 MiB copy three Python calls deep (tests/test_python.c names each line).
import sys

N = 1 << 20


def third(buf):
    return bytes(buf)  # line 8: the copy


def second(buf):
    return third(buf)  # line 12


def first():
    buf = bytearray(N)
    return second(buf)  # line 17


first()  # line 20
