# memtrace: `make` builds everything into build/, `make check` runs every test,
# `make demo` traces a program and prints its report, `make bench` compares speed.
# SANITIZER=address|undefined instruments everything except the preloaded library
# and the fixture programs it is tested on.

CC       ?= cc
# a sanitized build gets its own tree: objects of the two never mix
BUILD    ?= build$(if $(SANITIZER),-$(SANITIZER))
WARN     := -Wall -Wextra -Wpedantic -Werror
OPT      ?= -O2 -g
CSTD     := -std=c11 -D_GNU_SOURCE
SAN      := $(if $(SANITIZER),-fsanitize=$(SANITIZER) -fno-omit-frame-pointer)
CFLAGS   := $(CSTD) $(OPT) $(WARN) -MMD -MP -I.
PREFIX   ?= /usr/local
# where Debian's python3 looks for modules under PREFIX (the memtrace module)
# (/usr/lib/python3/dist-packages for Debian's own, /usr/local/lib/python3.X/
# dist-packages for a local one: Debian's python3 has no /usr/local/lib/python3)
PYTHON_VER = $(shell /usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PYTHON_DIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/python3/dist-packages,$(PREFIX)/lib/python$(PYTHON_VER)/dist-packages)
VERSION  := $(lastword $(shell sed -n 's/^\#define MT_TOOL_VERSION "memtrace \(.*\)"/\1/p' format/meta.h))

# Debian packages needed to build and test; mk/deps.sh installs what is missing.
DEBS := gcc make libunwind-dev libdwarf-dev libelf-dev libsqlite3-dev libblosc-dev \
        libzstd-dev libcurl4-openssl-dev check pkg-config sqlite3 python3 \
        python3-zarr python3-numcodecs nodejs npm valgrind chromium \
        gdb python3.11-dbg python3-pytest python3-pytest-xdist python3-numpy
DEPS_STAMP := $(BUILD)/.deps-installed

.PHONY: all deps check demo bench soak reports clean install uninstall
all: deps

deps: $(DEPS_STAMP)
$(DEPS_STAMP): mk/deps.sh Makefile
	@mkdir -p $(BUILD)
	@sh mk/deps.sh $(DEBS)
	@touch $@

# One rule compiles every C file; each part adds its own flags by directory.
# obj/ objects get the sanitizer; pic/ objects are for the preloaded library
# and what it shares with the launcher: position-independent, hidden, with
# frame pointers (the unwinder skips our own frames by them), never sanitized.
PIC_CFLAGS := -fPIC -fvisibility=hidden -fno-omit-frame-pointer
$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) $(PART_CFLAGS) -c $< -o $@
$(BUILD)/pic/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PIC_CFLAGS) $(PART_CFLAGS) -c $< -o $@

include format/format.mk
include tracer/tracer.mk
include analyzer/analyzer.mk
include workloads/workloads.mk
include tests/tests.mk
include bench/bench.mk

# The main job: write a 100 MiB Zarr array with blosc and read it back, each
# under the tracer, and print both reports.
DEMO_STORE := file://$(abspath $(BUILD))/demo-store
demo: all
	rm -rf $(BUILD)/demo-store
	$(BUILD)/memtrace run -f -o $(BUILD)/demo-write.db -- \
		$(BUILD)/workload-write --store $(DEMO_STORE) --codec blosc-lz4 --pipeline naive
	$(BUILD)/memtrace run -f -o $(BUILD)/demo-read.db -- \
		$(BUILD)/workload-read --store $(DEMO_STORE) --pipeline naive
	@echo; echo "==== workload-write (file store, blosc-lz4, naive) ===="
	$(BUILD)/memtrace-report $(BUILD)/demo-write.db --top 3
	@echo; echo "==== workload-read (file store, blosc-lz4, naive) ===="
	$(BUILD)/memtrace-report $(BUILD)/demo-read.db --top 3
	$(BUILD)/memtrace run -f -o $(BUILD)/demo-zarr.db -- \
		/usr/bin/python3 workloads/examples/zarr_write.py $(BUILD)/demo-store/zarr-python
	@echo; echo "==== zarr-python writing with blosc-lz4 (Debian's python3) ===="
	$(BUILD)/memtrace-report $(BUILD)/demo-zarr.db --top 3

clean:
	rm -rf $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/libmemtrace.so $(BUILD)/memtrace-sqlite.so $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(BUILD)/memtrace $(BUILD)/memtrace-report $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PYTHON_DIR)/memtrace
	install -m 0644 include/memtrace.h $(DESTDIR)$(PREFIX)/include/
	install -m 0644 python/memtrace/*.py $(DESTDIR)$(PYTHON_DIR)/memtrace/
	@# the metadata that makes `pytest --memtrace` work with no -p: pytest
	@# loads the plugin through the entry point, named as its module so that
	@# an explicit -p memtrace.pytest_plugin finds it loaded already
	install -d $(DESTDIR)$(PYTHON_DIR)/memtrace-$(VERSION).dist-info
	printf 'Metadata-Version: 2.1\nName: memtrace\nVersion: $(VERSION)\n' \
	    > $(DESTDIR)$(PYTHON_DIR)/memtrace-$(VERSION).dist-info/METADATA
	printf '[pytest11]\nmemtrace.pytest_plugin = memtrace.pytest_plugin\n' \
	    > $(DESTDIR)$(PYTHON_DIR)/memtrace-$(VERSION).dist-info/entry_points.txt

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libmemtrace.so $(DESTDIR)$(PREFIX)/lib/memtrace-sqlite.so
	rm -f $(DESTDIR)$(PREFIX)/bin/memtrace $(DESTDIR)$(PREFIX)/bin/memtrace-report
	rm -f $(DESTDIR)$(PREFIX)/include/memtrace.h
	rm -rf $(DESTDIR)$(PYTHON_DIR)/memtrace $(DESTDIR)$(PYTHON_DIR)/memtrace-$(VERSION).dist-info

-include $(shell find $(BUILD)/obj $(BUILD)/pic -name '*.d' 2>/dev/null)
