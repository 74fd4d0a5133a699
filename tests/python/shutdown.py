# Daemon threads allocate while the interpreter shuts down.
import threading


def churn():
    while True:
        [bytearray(64) for _ in range(100)]


for _ in range(4):
    threading.Thread(target=churn, daemon=True).start()
