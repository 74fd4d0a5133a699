# A worker thread copies with the GIL released (ctypes) while the main
# thread sleeps: the copy's stack must hold the worker's frames, not main's.
import ctypes
import threading
import time

N = 1 << 20
src = ctypes.create_string_buffer(N)
dst = ctypes.create_string_buffer(N)


def work():
    ctypes.memmove(dst, src, N)  # line 13


t = threading.Thread(target=work)
t.start()
time.sleep(0.3)  # line 18
t.join()
