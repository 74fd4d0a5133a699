#!/bin/bash
# make soak: the tracer's resident memory over a long run at a steady load
# (bench/soakload.c, about 1 M events/s), sampled every 10 s; natively first
# for the baseline.  After warm-up (30 s) it must stay flat: the mean of the
# last third of the samples may exceed the mean of the first third by less
# than 2 MiB (exit 1 otherwise); single samples swing by a few MiB as batches
# fill and are written.
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
    $1 >= 30 { t[k] = $1; r[k++] = $2; if ($2 > max) max = $2; if (!min || $2 < min) min = $2 }
    END {
        third = int(k / 3); if (third < 1) third = 1
        for (i = 0; i < third; i++) { a += r[i]; b += r[k - 1 - i] }
        a /= third; b /= third
        printf "native %d KiB; traced after warm-up %d-%d KiB (%d samples)\n", n, min, max, k
        printf "tracer: first third %.0f KiB, last third %.0f KiB (growth %.0f KiB)\n", a - n, b - n, b - a
        exit b - a < 2048 ? 0 : 1
    }' "$DIR/traced"
