# Analyzer: libmtr.a (every analyzer/ source but cli/main.c) and the thin CLI
# build/memtrace-report.  Tests link the library and call it directly.
#   load/       reads the database (the only part that sees SQLite)
#   symbolize/  stack ids to frames: DWARF, ELF symbols, the frames cache
#   model/      the analysis: plain C data
#   report/     text, JSON and HTML
#   cli/        the subcommands and their one option parser

ANALYZER_SRCS   := $(filter-out analyzer/cli/main.c,$(wildcard analyzer/*.c analyzer/*/*.c))
ANALYZER_OBJS   := $(ANALYZER_SRCS:%.c=$(BUILD)/obj/%.o)
ANALYZER_LIB    := $(BUILD)/libmtr.a
ANALYZER_LDLIBS := -lsqlite3 -ldwarf -lelf -lzstd -lm -lstdc++

include analyzer/report/html.mk

# Only load/ sees SQLite: every other analyzer object finds
# mk/nosqlite/sqlite3.h before the real one, and its #error stops the build.
ANALYZER_NOSQLITE_OBJS := $(BUILD)/obj/analyzer/cli/main.o \
                          $(filter-out $(BUILD)/obj/analyzer/load/%,$(ANALYZER_OBJS))
$(ANALYZER_NOSQLITE_OBJS): PART_CFLAGS += -Imk/nosqlite

$(ANALYZER_LIB): $(ANALYZER_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/memtrace-report: $(BUILD)/obj/analyzer/cli/main.o $(ANALYZER_LIB) $(FORMAT_LIB)
	$(CC) $(SAN) -o $@ $^ $(ANALYZER_LDLIBS)

ifneq ($(wildcard analyzer/cli/main.c),)
all: $(BUILD)/memtrace-report
endif
