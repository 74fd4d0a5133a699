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

WORKLOAD_CFLAGS := -fno-builtin $(shell pkg-config --cflags blosc libzstd libcurl 2>/dev/null)
$(BUILD)/obj/workloads/%.o: PART_CFLAGS := $(WORKLOAD_CFLAGS)

$(WORKLOAD_LIB): $(WORKLOAD_COMMON:%.c=$(BUILD)/obj/%.o)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/workload-write $(BUILD)/workload-read: $(BUILD)/workload-%: \
		$(BUILD)/obj/workloads/%.o $(WORKLOAD_LIB)
	$(CC) $(SAN) -o $@ $^ $(WORKLOAD_LDLIBS)

$(BUILD)/workload-accumulate: $(BUILD)/obj/workloads/accumulate.o $(WORKLOAD_LIB)
	$(CC) $(SAN) -o $@ $^

all: $(WORKLOAD_BINS)

# Plain copies under $(BUILD)/plain/, never sanitized, for running under the
# tracer: ASan's own allocator cannot run beneath an LD_PRELOAD malloc
# interposer.  Their objects sit in $(BUILD)/obj/plain/ so their -MMD files
# are picked up like every other.
WORKLOAD_PLAIN_LIB  := $(BUILD)/plain/libworkloads.a
WORKLOAD_PLAIN_BINS := $(WORKLOAD_MAINS:%=$(BUILD)/plain/workload-%)

$(BUILD)/obj/plain/workloads/%.o: workloads/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WORKLOAD_CFLAGS) -c $< -o $@

$(WORKLOAD_PLAIN_LIB): $(WORKLOAD_COMMON:%.c=$(BUILD)/obj/plain/%.o)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/plain/workload-write $(BUILD)/plain/workload-read: $(BUILD)/plain/workload-%: \
		$(BUILD)/obj/plain/workloads/%.o $(WORKLOAD_PLAIN_LIB)
	$(CC) -o $@ $^ $(WORKLOAD_LDLIBS)

$(BUILD)/plain/workload-accumulate: $(BUILD)/obj/plain/workloads/accumulate.o \
		$(WORKLOAD_PLAIN_LIB)
	$(CC) -o $@ $^

all: $(WORKLOAD_PLAIN_BINS)

# make reports: every cell of workloads/copies.tsv at the study's size, and the
# accumulator, traced; regenerates reports/ (see workloads/reports.sh).
reports: all
	BUILD=$(BUILD) bash workloads/reports.sh
