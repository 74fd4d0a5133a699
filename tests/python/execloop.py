# 20 functions made by exec, each freed before the next: their code objects
# reuse addresses, and each allocation must name its own function.
import gc

for i in range(20):
    exec(f"def fn_{i}():\n    return bytearray({(1 << 20) + 4096 * i})\nfn_{i}()\n", {})
    gc.collect()
