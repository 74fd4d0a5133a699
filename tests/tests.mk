# Tests: one Check runner (build/test-memtrace) with every suite of
# tests/suites.def, and the fixture programs the preload tests trace.
# Fixtures are never sanitized: they run under libmemtrace.so.

TEST_SRCS := $(wildcard tests/*.c)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BIN  := $(BUILD)/test-memtrace

FIXTURE_SRCS := $(wildcard tests/fixtures/*.c)
FIXTURES     := $(FIXTURE_SRCS:tests/fixtures/%.c=$(BUILD)/fixtures/%)

$(BUILD)/obj/tests/%.o: PART_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null) \
	-DMT_BUILD_DIR='"$(abspath $(BUILD))"' -DMT_SOURCE_DIR='"$(abspath .)"'

$(TEST_BIN): $(TEST_OBJS) $(ANALYZER_LIB) $(TRACER_LIB)
	$(CC) $(SAN) -o $@ $^ $(ANALYZER_LDLIBS) $(TRACER_LDLIBS) \
		$$(pkg-config --libs check) -lpthread

# Fixtures: -O1 keeps the named noinline functions as real frames.
$(BUILD)/fixtures/%: tests/fixtures/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CSTD) -O1 -g $(WARN) -fno-inline-small-functions -fno-builtin -o $@ $< -lpthread -ldl

all: $(TEST_BIN) $(FIXTURES)

check: all
	CK_DEFAULT_TIMEOUT=120 CK_VERBOSITY=normal $(TEST_BIN)
