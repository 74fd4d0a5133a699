# Tracer: libmt.a (the recorder, the writer and the sink, linked by the tests
# too), libmemtrace.so (libmt.a + the hooks, SQLite and zstd linked in and
# hidden) and the launcher build/memtrace.  Never sanitized: it is preloaded.

TRACER_LIB_SRCS := $(filter-out tracer/hooks.c tracer/control.c tracer/launcher.c,\
	$(wildcard tracer/*.c))
TRACER_LIB      := $(BUILD)/libmt.a
TRACER_LDLIBS   := -lsqlite3 -lunwind -lzstd -lpthread -ldl

$(BUILD)/obj/tracer/%.o: SAN :=
$(BUILD)/obj/tracer/%.o: PART_CFLAGS := -fPIC -fvisibility=hidden -fno-omit-frame-pointer

$(TRACER_LIB): $(TRACER_LIB_SRCS:%.c=$(BUILD)/obj/%.o)
	rm -f $@ && ar rcs $@ $^

# SQLite and zstd are linked statically and hidden, so a traced program that
# uses its own SQLite (python3, sqlite3) shares no state with ours.
$(BUILD)/libmemtrace.so: $(BUILD)/obj/tracer/hooks.o $(BUILD)/obj/tracer/control.o $(TRACER_LIB) \
		$(FORMAT_PIC_LIB)
	$(CC) -shared -o $@ $^ -Wl,--exclude-libs,ALL -Wl,-z,nodelete \
		-l:libsqlite3.a -l:libzstd.a -lunwind -lpthread -ldl -lm

$(BUILD)/memtrace: $(BUILD)/obj/tracer/launcher.o $(TRACER_LIB) $(FORMAT_PIC_LIB)
	$(CC) -o $@ $^ -lsqlite3

all: $(BUILD)/libmemtrace.so $(BUILD)/memtrace
