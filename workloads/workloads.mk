# Workloads: the Zarr write/read programs and the lazy accumulator, real C
# programs for memtrace to trace.  -fno-builtin keeps every memcpy/memmove a
# real call into libc, where an LD_PRELOAD interposer sees it.  The shared
# modules go in an archive so workload-accumulate links none of the codecs.

WORKLOAD_MAINS  := write read accumulate
WORKLOAD_COMMON := $(filter-out $(WORKLOAD_MAINS:%=workloads/%.c),$(wildcard workloads/*.c))
WORKLOAD_LIB    := $(BUILD)/libworkloads.a
WORKLOAD_BINS   := $(WORKLOAD_MAINS:%=$(BUILD)/workload-%)
WORKLOAD_LDLIBS := $(shell pkg-config --libs blosc libzstd libcurl 2>/dev/null || \
                           echo -lblosc -lzstd -lcurl)

$(BUILD)/obj/workloads/%.o: PART_CFLAGS := -fno-builtin \
	$(shell pkg-config --cflags blosc libzstd libcurl 2>/dev/null)

$(WORKLOAD_LIB): $(WORKLOAD_COMMON:%.c=$(BUILD)/obj/%.o)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/workload-write $(BUILD)/workload-read: $(BUILD)/workload-%: \
		$(BUILD)/obj/workloads/%.o $(WORKLOAD_LIB)
	$(CC) $(SAN) -o $@ $^ $(WORKLOAD_LDLIBS)

$(BUILD)/workload-accumulate: $(BUILD)/obj/workloads/accumulate.o $(WORKLOAD_LIB)
	$(CC) $(SAN) -o $@ $^

all: $(WORKLOAD_BINS)
