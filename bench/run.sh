#!/usr/bin/env bash
# make bench: native, memtrace and heaptrack side by side, in one run.
# Prints each tool's slowdown over native (its added time as a ratio of
# heaptrack's), and the trace bytes per event.  Times are wall-clock seconds,
# best of $REPEAT runs; compare ratios measured here, never absolute times.
set -euo pipefail
BUILD=${BUILD:-build}
REPEAT=${REPEAT:-3}
CASES=${CASES:-abc} # the parts to run, marked (a), (b), (c) below
OUT=$(mktemp -d /tmp/memtrace-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
LIB=$(realpath "$BUILD/libmemtrace.so")

now() { date +%s.%N; }
# best wall time of REPEAT runs of "$@"
best() {
    local best=999999 t0 t1 d
    for _ in $(seq "$REPEAT"); do
        rm -f "$OUT"/run.* "$OUT"/ht.*
        t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
        d=$(echo "$t1 - $t0" | bc -l)
        best=$(echo "if ($d < $best) $d else $best" | bc -l)
    done
    printf '%.3f' "$best"
}

row() { # name native memtrace heaptrack mt_bytes ht_bytes events
    local n=$2 m=$3 h=$4
    printf '%-28s %8s %8s %8s %8.2fx %8.2fx %8.2f %8s %8s\n' "$1" "$n" "$m" "$h" \
        "$(echo "$m / $n" | bc -l)" "$(echo "$h / $n" | bc -l)" \
        "$(echo "($m - $n) / ($h - $n)" | bc -l)" "$5" "$6"
}

per_event() { [ "$2" -gt 0 ] && printf '%.2f' "$(echo "$1 / $2" | bc -l)" || echo "-"; }

case_run() { # name command...
    local name=$1; shift
    local n m h mtb htb ev
    n=$(best "$@")
    m=$(best env LD_PRELOAD="$LIB" MEMTRACE_OUTPUT="$OUT/run.db" MEMTRACE_FORCE=1 "$@")
    h=$(best heaptrack -o "$OUT/ht" "$@")
    # one more traced run of each to measure the trace
    rm -f "$OUT"/run.* "$OUT"/ht.*
    env LD_PRELOAD="$LIB" MEMTRACE_OUTPUT="$OUT/run.db" "$@" >/dev/null 2>&1
    heaptrack -o "$OUT/ht" "$@" >/dev/null 2>&1
    ev=$(sqlite3 "$OUT/run.db" "SELECT coalesce(sum(count),0) FROM alloc_batches")
    mtb=$(per_event "$(stat -c %s "$OUT/run.db")" "$ev")
    htb=$(per_event "$(stat -c %s "$OUT"/ht*.zst)" "$ev")
    row "$name" "$n" "$m" "$h" "$mtb" "$htb"
    cp "$OUT/run.db" "$OUT/keep-$(echo "$name" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' _).db"
    cp "$OUT"/ht*.zst "$OUT/keep-$(echo "$name" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' _).zst"
}

echo "memtrace bench: best of $REPEAT, seconds; 'added' = memtrace's added time / heaptrack's (target <= 0.5)"
printf '%-28s %8s %8s %8s %9s %9s %8s %8s %8s\n' case native memtrace heaptrack mt-slow ht-slow added mt-B/ev ht-B/ev
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
    second=$(best "$BUILD/memtrace-report" "$db")
    hp=$(best heaptrack_print "$zst")
    printf 'memtrace-report first %.3f s, again (symbols cached, best of %s) %s s; heaptrack_print %s s\n' \
        "$(echo "$t1 - $t0" | bc -l)" "$REPEAT" "$second" "$hp"
    # the HTML page of the same trace: issue target < 5 MB, load event < 2 s
    "$BUILD/memtrace-report" html "$db" -o "$OUT/page.html"
    [ -d tests/html/node_modules ] || npm ci --prefix tests/html --no-audit --no-fund >/dev/null
    printf 'html page of that trace: %s bytes; ' "$(stat -c %s "$OUT/page.html")"
    node bench/pageload.js "$OUT/page.html"
fi
