#!/usr/bin/python3
"""Reference side of the workloads interop tests: Debian's zarr-python 2.13 and
numcodecs 0.11 check what workload-write stored, and store arrays for
workload-read.  The seeded values are computed here independently with numpy,
from the same definition as workloads/rng.c:

    bits[i] = splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15),
              exponent 0x7ff folded to 0x3ff (no inf/NaN)
    checksum = sum(bits[i] * (2i + 1)) mod 2**64

Run with /usr/bin/python3 (the distribution's interpreter, which has zarr).

  zarr_tool.py check DIR
      open DIR with zarr, compare every element with the seeded values, print
      "elements=N chunk_elements=C codec=NAME seed=S checksum=0x..."; exit 1 on
      any difference.
  zarr_tool.py write DIR ELEMENTS CHUNK_ELEMENTS CODEC SEED
      write the seeded values with zarr; print the same line.
"""
import sys

import numpy as np
import zarr
from numcodecs import Blosc, Zstd

GOLDEN = 0x9E3779B97F4A7C15


def seeded_bits(seed, n):
    u = np.uint64
    i = np.arange(1, n + 1, dtype=u)
    with np.errstate(over="ignore"):
        z = u(seed) + i * u(GOLDEN)
        z = (z ^ (z >> u(30))) * u(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> u(27))) * u(0x94D049BB133111EB)
    z ^= z >> u(31)
    special = ((z >> u(52)) & u(0x7FF)) == u(0x7FF)
    z[special] ^= u(1 << 62)
    return z


def checksum(bits):
    u = np.uint64
    weights = np.arange(len(bits), dtype=u) * u(2) + u(1)
    with np.errstate(over="ignore"):
        return int((bits * weights).sum(dtype=u))


def compressor(name):
    if name == "none":
        return None
    if name in ("blosc-lz4", "blosc-zstd"):
        return Blosc(cname=name.split("-")[1], clevel=5, shuffle=Blosc.SHUFFLE)
    if name == "zstd":
        return Zstd(level=1)
    raise SystemExit(f"zarr_tool: unknown codec {name!r}")


def codec_name(comp):
    if comp is None:
        return "none"
    cfg = comp.get_config()
    if cfg["id"] == "blosc":
        return "blosc-" + cfg["cname"]
    return cfg["id"]


def report(z, seed, bits):
    print(f"elements={z.shape[0]} chunk_elements={z.chunks[0]} "
          f"codec={codec_name(z.compressor)} seed={seed} "
          f"checksum=0x{checksum(bits):016x}")


def check(path):
    z = zarr.open_array(path, mode="r")
    seed = int(z.attrs["memtrace_seed"])
    if z.dtype != np.dtype("<f8") or z.ndim != 1:
        raise SystemExit(f"zarr_tool: {path}: expected 1-D <f8, got {z.ndim}-D {z.dtype}")
    bits = z[:].view("<u8")
    expected = seeded_bits(seed, z.shape[0])
    bad = np.flatnonzero(bits != expected)
    if bad.size:
        i = int(bad[0])
        raise SystemExit(f"zarr_tool: {path}: element {i} is 0x{int(bits[i]):016x}, "
                         f"expected 0x{int(expected[i]):016x}")
    report(z, seed, bits)


def write(path, n, chunk, codec, seed):
    n, chunk, seed = int(n), int(chunk), int(seed)
    z = zarr.open_array(path, mode="w", shape=(n,), chunks=(chunk,), dtype="<f8",
                        compressor=compressor(codec), fill_value=0.0)
    bits = seeded_bits(seed, n)
    z[:] = bits.view("<f8")
    z.attrs["memtrace_seed"] = seed
    report(z, seed, bits)


def main(argv):
    if len(argv) == 3 and argv[1] == "check":
        check(argv[2])
    elif len(argv) == 7 and argv[1] == "write":
        write(*argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
