#!/bin/bash
# make soak: the tracer's resident memory over a long run at a steady load
# (bench/soakload.c, about 1 M events/s), sampled every 10 s; natively first
# for the baseline.  After warm-up (30 s) it must stay flat: the growth from
# then to the end is printed and must be under 2 MiB (exit 1 otherwise).
#   BUILD=build SECONDS_=180 RATE=1000000 bash bench/soak.sh
set -eu
BUILD=${BUILD:-build}
SECS=${SECONDS_:-180}
RATE=${RATE:-1000000}
DIR=$(mktemp -d /tmp/memtrace-soak.XXXXXX)
trap 'rm -rf "$DIR"' EXIT

rss_kb() { awk '/^VmRSS/ {print $2}' /proc/$1/status 2>/dev/null || echo 0; }

sample() { # sample PID LABEL: RSS every 10 s until PID ends; the values in $DIR/LABEL
    local pid=$1 t=0
    : > "$DIR/$2"
    while kill -0 "$pid" 2>/dev/null; do
        sleep 10
        t=$((t + 10))
        kill -0 "$pid" 2>/dev/null || break
        r=$(rss_kb "$pid")
        echo "$t $r" >> "$DIR/$2"
        printf '%-7s %4d s  %7d KiB\n' "$2" "$t" "$r"
    done
}

"$BUILD/bench/soakload" "$RATE" 20 > /dev/null &
sample $! native
wait
"$BUILD/memtrace" run -q -o "$DIR/soak.db" -- "$BUILD/bench/soakload" "$RATE" "$SECS" > "$DIR/out" &
launcher=$!
sleep 0.5
pid=$(pgrep -P $launcher | head -1)
sample "$pid" traced
wait $launcher
cat "$DIR/out"
events=$(sqlite3 "$DIR/soak.db" "SELECT sum(count) FROM alloc_batches")
echo "events recorded: $events"
native=$(awk 'END {print $2}' "$DIR/native")
awk -v n="$native" '
    $1 >= 30 && !w { w = $2 }
    { last = $2; if ($2 > max) max = $2 }
    END {
        printf "native %d KiB; traced at 30 s %d KiB, at the end %d KiB, peak %d KiB\n", n, w, last, max
        printf "tracer after warm-up: %d KiB -> %d KiB (growth %d KiB)\n", w - n, last - n, last - w
        exit (last - w < 2048 && max - w < 2048) ? 0 : 1
    }' "$DIR/traced"
