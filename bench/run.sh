#!/usr/bin/env bash
# make bench: native, memtrace and heaptrack side by side, in one run.
# Each case runs the three in turn, $REPEAT times (alternating, so a slow
# minute of the machine hits all three alike), and prints the medians of
# wall time and of CPU time (user + sys of the whole process tree, which
# varies less here than wall time), each tool's added time as a ratio of
# heaptrack's, and the trace bytes per event.  Compare ratios measured in
# one run, never absolute times.
set -euo pipefail
BUILD=${BUILD:-build}
REPEAT=${REPEAT:-5}
CASES=${CASES:-abcr} # the parts to run, marked (a), (b), (c), (r) below
OUT=$(mktemp -d /tmp/memtrace-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
LIB=$(realpath "$BUILD/libmemtrace.so")

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ratio() { echo "$1 $2 $3" | awk '{ if ($3 - $1 > 0) printf "%.2f", ($2 - $1) / ($3 - $1); else print "-" }'; }

# one run of "$@": "wall cpu" seconds, output thrown away
timed() {
    /usr/bin/time -f '%e %U %S' -o "$OUT/time" "$@" >/dev/null 2>&1 || true
    awk '{printf "%s %.3f\n", $1, $2 + $3}' "$OUT/time"
}

per_event() { [ "$2" -gt 0 ] && printf '%.2f' "$(echo "$1 / $2" | bc -l)" || echo "-"; }

case_run() { # name command...
    local name=$1; shift
    : >"$OUT/n"; : >"$OUT/m"; : >"$OUT/h"
    for _ in $(seq "$REPEAT"); do
        rm -f "$OUT"/run.* "$OUT"/ht.*
        timed "$@" >>"$OUT/n"
        timed env LD_PRELOAD="$LIB" MEMTRACE_OUTPUT="$OUT/run.db" MEMTRACE_FORCE=1 "$@" >>"$OUT/m"
        timed heaptrack -o "$OUT/ht" "$@" >>"$OUT/h"
    done
    local nw nc mw mc hw hc ev mtb htb
    nw=$(cut -d' ' -f1 "$OUT/n" | median); nc=$(cut -d' ' -f2 "$OUT/n" | median)
    mw=$(cut -d' ' -f1 "$OUT/m" | median); mc=$(cut -d' ' -f2 "$OUT/m" | median)
    hw=$(cut -d' ' -f1 "$OUT/h" | median); hc=$(cut -d' ' -f2 "$OUT/h" | median)
    ev=$(sqlite3 "$OUT/run.db" "SELECT coalesce(sum(count),0) FROM alloc_batches")
    mtb=$(per_event "$(stat -c %s "$OUT/run.db")" "$ev")
    htb=$(per_event "$(cat "$OUT"/ht*.zst | wc -c)" "$ev")
    printf '%-30s %6s %6s %6s %6s %6s %6s %7s %7s %7s %7s\n' "$name" "$nw" "$mw" "$hw" "$nc" "$mc" "$hc" \
        "$(ratio "$nw" "$mw" "$hw")" "$(ratio "$nc" "$mc" "$hc")" "$mtb" "$htb"
    cp "$OUT/run.db" "$OUT/keep-$(echo "$name" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' _).db"
    cp "$OUT"/ht*.zst "$OUT/keep-$(echo "$name" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' _).zst"
}

echo "memtrace bench: medians of $REPEAT alternating runs; seconds of wall and of CPU (user+sys)"
echo "'added' = memtrace's added time / heaptrack's (wall, cpu)"
printf '%-30s %6s %6s %6s %6s %6s %6s %7s %7s %7s %7s\n' case n-wall m-wall h-wall n-cpu m-cpu h-cpu \
    added-w added-c mt-B/ev ht-B/ev
# (r) the ring benchmark (bench/ringbench.c): live blocks of random sizes,
# some freed by another thread; then cc1 on a generated file and zarr-python,
# programs nobody here wrote.
if [[ $CASES == *r* ]]; then
    case_run "ring 10M pairs, 1 thread" "$BUILD/bench/ringbench" 10000000 1
    case_run "ring 10M pairs, 2 threads" "$BUILD/bench/ringbench" 10000000 2
    case_run "ring 8M pairs, 8 threads" "$BUILD/bench/ringbench" 8000000 8
    python3 - "$OUT/big.c" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    for i in range(1700):
        a, b = random.randint(1, 99), random.randint(1, 99)
        f.write(f"int f{i}(int x) {{\n    int s = {a};\n    for (int k = 0; k < x; k++)\n"
                f"        s = s * {b} + k;\n    return s;\n}}\n")
PY
    cc1=$(gcc -print-prog-name=cc1)
    case_run "cc1 -O2, 10k-line file" "$cc1" -quiet -O2 "$OUT/big.c" -o "$OUT/big.s"
    case_run "zarr-python write 64M blosc" /usr/bin/python3 workloads/examples/zarr_write.py \
        "$OUT/zarr-store"
fi
# (a) allocation-heavy programs: the tracer's cost per event.
if [[ $CASES == *a* ]]; then
    case_run "alloc 10M pairs, 1 thread" "$BUILD/bench/allocbench" 10000000 1
    case_run "alloc 10M pairs, 2 threads" "$BUILD/bench/allocbench" 10000000 2
    json="import json; [json.dumps({'a': list(range(100))}) for _ in range(200000)]"
    case_run "python3 json.dumps x200k" /usr/bin/python3 -c "$json"
    # the same without Python frames: what taking them costs
    case_run "  same, --native-only" env MEMTRACE_PYTHON=0 /usr/bin/python3 -c "$json"
fi

# (c) the workload programs at the study's size (100 MiB, one chunk, naive
# blosc-lz4 on a file store): few allocations, large copies.  The plain builds,
# which run under the tracer in any build.  The read reads what the write's
# runs left in the store.
if [[ $CASES == *c* ]]; then
    store=file://$OUT/store
    case_run "zarr write 100M blosc naive" "$BUILD/plain/workload-write" --store "$store" \
        --size 100 --codec blosc-lz4 --pipeline naive
    case_run "zarr read 100M blosc naive" "$BUILD/plain/workload-read" --store "$store" \
        --pipeline naive
fi

# (b) the analyzer on the 2-thread trace of (a).
if [[ $CASES == *a* && $CASES == *b* ]]; then
    echo
    echo "report of the 2-thread trace (20 M events): memtrace-report vs heaptrack_print"
    db="$OUT/keep-alloc_10m_pairs__2_threads.db"
    zst="$OUT/keep-alloc_10m_pairs__2_threads.zst"
    t0=$(now); "$BUILD/memtrace-report" "$db" >/dev/null; t1=$(now) # symbolizes, fills the cache
    second=$(for _ in $(seq "$REPEAT"); do timed "$BUILD/memtrace-report" "$db"; done | cut -d' ' -f1 | median)
    hp=$(for _ in $(seq "$REPEAT"); do timed heaptrack_print "$zst"; done | cut -d' ' -f1 | median)
    printf 'memtrace-report first %.3f s, again (symbols cached, median of %s) %s s; heaptrack_print %s s\n' \
        "$(echo "$t1 - $t0" | bc -l)" "$REPEAT" "$second" "$hp"
    # the HTML page of the same trace: issue target < 5 MB, load event < 2 s
    "$BUILD/memtrace-report" html "$db" -o "$OUT/page.html"
    [ -d tests/html/node_modules ] || npm ci --prefix tests/html --no-audit --no-fund >/dev/null
    printf 'html page of that trace: %s bytes; ' "$(stat -c %s "$OUT/page.html")"
    node bench/pageload.js "$OUT/page.html"
fi
