# Analyzer: libmtr.a (every analyzer/*.c but main.c) and the thin CLI
# build/memtrace-report.  Tests link the library and call it directly.

ANALYZER_SRCS   := $(filter-out analyzer/main.c,$(wildcard analyzer/*.c))
ANALYZER_OBJS   := $(ANALYZER_SRCS:%.c=$(BUILD)/obj/%.o)
ANALYZER_LIB    := $(BUILD)/libmtr.a
ANALYZER_LDLIBS := -lsqlite3 -ldwarf -lelf -lzstd -lm -lstdc++

include analyzer/html.mk

$(ANALYZER_LIB): $(ANALYZER_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/memtrace-report: $(BUILD)/obj/analyzer/main.o $(ANALYZER_LIB) $(FORMAT_LIB)
	$(CC) $(SAN) -o $@ $^ $(ANALYZER_LDLIBS)

ifneq ($(wildcard analyzer/main.c),)
all: $(BUILD)/memtrace-report
endif
