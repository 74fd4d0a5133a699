# Tests: one Check runner (build/test-memtrace) with every suite of
# tests/suites.def, and the fixture programs the preload tests trace.
# Fixtures are never sanitized: they run under libmemtrace.so.

TEST_SRCS := $(wildcard tests/*.c)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BIN  := $(BUILD)/test-memtrace

FIXTURE_SRCS := $(wildcard tests/fixtures/*.c)
FIXTURES     := $(FIXTURE_SRCS:tests/fixtures/%.c=$(BUILD)/fixtures/%) \
                $(patsubst tests/fixtures/%.cpp,$(BUILD)/fixtures/%,$(wildcard tests/fixtures/*.cpp))

# Frame pointers: the recorder's tests capture stacks through the test's own
# frames, which the unwinder (linked into the runner) takes for its own and
# skips by rbp.
$(BUILD)/obj/tests/%.o: PART_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null) \
	-fno-omit-frame-pointer \
	-DMT_BUILD_DIR='"$(abspath $(BUILD))"' -DMT_SOURCE_DIR='"$(abspath .)"'

$(TEST_BIN): $(TEST_OBJS) $(ANALYZER_LIB) $(TRACER_LIB) $(FORMAT_LIB)
	$(CC) $(SAN) -o $@ $^ $(ANALYZER_LDLIBS) $(TRACER_LDLIBS) \
		$$(pkg-config --libs check) -lpthread

# Fixtures: -O1 keeps the named noinline functions as real frames.
$(BUILD)/fixtures/%: tests/fixtures/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CSTD) -O1 -g $(WARN) -fno-inline-small-functions -fno-builtin $(FIXTURE_LDFLAGS) \
		-o $@ $< -lpthread -ldl

# exports its Py_Version and friends, as python3.11 does
$(BUILD)/fixtures/fakepython: FIXTURE_LDFLAGS := -rdynamic

# C++ fixtures: new/delete and mangled names, as a C++ program has them
$(BUILD)/fixtures/%: tests/fixtures/%.cpp | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O1 -g -Wall -Wextra -Werror -o $@ $<

# One plugin built twice (tests/fixtures/plugins/plug.c): 512- and 8192-byte
# frames behind the same layout.
FIXTURE_PLUGINS := $(BUILD)/fixtures/plug1.so $(BUILD)/fixtures/plug2.so
$(BUILD)/fixtures/plug%.so: tests/fixtures/plugins/plug.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CSTD) -O1 -g $(WARN) -shared -fPIC -DFRAME=$(if $(filter 1,$*),512,8192) -o $@ $<

all: $(TEST_BIN) $(FIXTURES) $(FIXTURE_PLUGINS)

check: all
	sh mk/layout.sh
	CK_DEFAULT_TIMEOUT=120 CK_VERBOSITY=normal $(TEST_BIN)
