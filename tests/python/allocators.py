# 10,000 small objects: pymalloc serves them from its arenas unless
# --python-allocators hands them to malloc one by one.
keep = [bytes(200) for _ in range(10000)]  # line 3
