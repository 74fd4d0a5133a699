# make bench: bench/run.sh compares native, memtrace and Debian's heaptrack.
# The benchmark programs are built like fixtures: plain, never sanitized.

BENCH_PROGS := $(BUILD)/bench/allocbench $(BUILD)/bench/ringbench $(BUILD)/bench/soakload

$(BUILD)/bench/%: bench/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CSTD) -O2 -g $(WARN) -o $@ $< -lpthread

bench: all $(BENCH_PROGS)
	@sh mk/deps.sh heaptrack bc time
	BUILD=$(BUILD) bash bench/run.sh

# make soak: three minutes at about 1 M events/s; the tracer's resident
# memory every 10 s must stay flat after warm-up (bench/soak.sh)
soak: all $(BUILD)/bench/soakload
	BUILD=$(BUILD) bash bench/soak.sh
