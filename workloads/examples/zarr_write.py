# zarr-python writes a 64 MiB array to a DirectoryStore with blosc-lz4, as a
# zarr user would; the report shows which of zarr's lines copy it.
import sys

import numpy as np
import zarr
from numcodecs import Blosc

path = sys.argv[1] if len(sys.argv) > 1 else "demo.zarr"
data = np.arange(8 << 20, dtype="float64")
z = zarr.open(path, mode="w", shape=data.shape, chunks=(2 << 20,), dtype=data.dtype,
              compressor=Blosc(cname="lz4", clevel=1))
z[:] = data
print(z.nchunks, "chunks written to", path)
