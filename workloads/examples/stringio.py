# The demo until the Zarr workloads land: CPython 3.11's StringIO keeps each
# write as a reference and joins 100,000 of them at once (see
# shared/seeds: "The first 99,999 writes are free").
from io import StringIO

s = StringIO()
for _ in range(250000):
    s.write("a" * 100)
print(len(s.getvalue()), "characters written")
