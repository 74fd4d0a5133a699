# Workloads: the Zarr write/read programs and the lazy accumulator.
