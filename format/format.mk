# Format: the on-disk contract (schema, kinds, meta keys, batch codec, size
# parsing), built twice because both sides link it: libmtformat-pic.a for
# the preloaded library and the launcher (position-independent, hidden,
# never sanitized) and libmtformat.a for the analyzer and the tests (built
# with SANITIZER like them).  memtrace-sqlite.so is the sqlite3 shell's
# extension behind the alloc_events view.

FORMAT_SRCS    := $(filter-out format/sqlext.c,$(wildcard format/*.c))
FORMAT_LIB     := $(BUILD)/libmtformat.a
FORMAT_PIC_LIB := $(BUILD)/libmtformat-pic.a

$(FORMAT_LIB): $(FORMAT_SRCS:%.c=$(BUILD)/obj/%.o)
	rm -f $@ && ar rcs $@ $^

$(FORMAT_PIC_LIB): $(FORMAT_SRCS:%.c=$(BUILD)/pic/%.o)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/memtrace-sqlite.so: $(BUILD)/pic/format/sqlext.o $(FORMAT_PIC_LIB)
	$(CC) -shared -o $@ $^ -Wl,--exclude-libs,ALL -l:libzstd.a

all: $(BUILD)/memtrace-sqlite.so
