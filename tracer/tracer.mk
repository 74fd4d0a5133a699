# Tracer: libmt.a (capture, buffer and storage: everything but the hooks,
# linked by the tests too), libmemtrace.so (libmt.a + the hooks, SQLite and
# zstd linked in and hidden) and the launcher build/memtrace.  Built as pic/
# objects: never sanitized, it is preloaded.

TRACER_HOOK_SRCS := $(wildcard tracer/hooks/*.c)
TRACER_LIB_SRCS  := $(wildcard tracer/*.c tracer/capture/*.c tracer/buffer/*.c tracer/storage/*.c)
TRACER_LIB       := $(BUILD)/libmt.a
TRACER_LDLIBS    := -lsqlite3 -lunwind -lzstd -lpthread -ldl

$(TRACER_LIB): $(TRACER_LIB_SRCS:%.c=$(BUILD)/pic/%.o)
	rm -f $@ && ar rcs $@ $^

# SQLite and zstd are linked statically and hidden, so a traced program that
# uses its own SQLite (python3, sqlite3) shares no state with ours.
$(BUILD)/libmemtrace.so: $(TRACER_HOOK_SRCS:%.c=$(BUILD)/pic/%.o) $(TRACER_LIB) $(FORMAT_PIC_LIB)
	$(CC) -shared -o $@ $^ -Wl,--exclude-libs,ALL -Wl,-z,nodelete -Wl,-z,now \
		-l:libsqlite3.a -l:libzstd.a -lunwind -lpthread -ldl -lm

$(BUILD)/memtrace: $(patsubst %.c,$(BUILD)/pic/%.o,$(wildcard tracer/launcher/*.c)) $(TRACER_LIB) $(FORMAT_PIC_LIB)
	$(CC) -o $@ $^ -lsqlite3

all: $(BUILD)/libmemtrace.so $(BUILD)/memtrace

# A new database's first pages: the empty schema as C arrays (mk/schema_image.c)
# in $(BUILD)/gen/schema_image.h, which sink_sqlite.c includes as
# "gen/schema_image.h" with -I$(BUILD) on that object alone.
SCHEMA_IMAGE := $(BUILD)/gen/schema_image.h

$(BUILD)/gen/schema_image: mk/schema_image.c format/schema.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CSTD) -O2 $(WARN) -I. -o $@ $< -lsqlite3

$(SCHEMA_IMAGE): $(BUILD)/gen/schema_image
	$< > $@.tmp && mv $@.tmp $@

$(BUILD)/pic/tracer/storage/sink_sqlite.o: $(SCHEMA_IMAGE)
$(BUILD)/pic/tracer/storage/sink_sqlite.o: PART_CFLAGS += -I$(BUILD)
