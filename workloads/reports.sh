#!/usr/bin/env bash
# make reports: traces every cell of workloads/copies.tsv at the study's size
# (100 MiB of float64 in one chunk) and the accumulator, then replaces reports/
# with each run's text report and a README.md laid out like the study's tables.
# The traces (.db) stay in a temporary directory: they are large.  Numbers come
# from `memtrace-report --json`, read with the sqlite3 shell's JSON functions.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SIZE=100 # MiB, one chunk, as in the study
MEMTRACE=$BUILD/memtrace
REPORT=$BUILD/memtrace-report
PLAIN=$BUILD/plain # never sanitized: these run under the preloaded tracer
TABLE=workloads/copies.tsv
S3RVER=tests/s3/node_modules/s3rver/bin/s3rver.js
BUCKET=memtrace

WORK=$(mktemp -d /tmp/memtrace-reports.XXXXXX)
OUT=$WORK/reports # the new reports/, moved into place only when complete
S3PID=
cleanup() {
    if [ -n "$S3PID" ]; then kill "$S3PID" 2>/dev/null || true; wait "$S3PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$OUT" "$WORK/s3"

# ---- s3rver on 127.0.0.1, as tests/s3server.c starts it ----

[ -e "$S3RVER" ] || npm ci --prefix tests/s3 --no-audit --no-fund --loglevel=error
node "$S3RVER" -d "$WORK/s3" -a 127.0.0.1 -p 0 -s --configure-bucket "$BUCKET" \
    >"$WORK/s3rver.log" 2>&1 &
S3PID=$!
port=
for _ in $(seq 300); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/s3rver.log")
    [ -n "$port" ] && break
    kill -0 "$S3PID" 2>/dev/null || break
    sleep 0.1
done
[ -n "$port" ] || { echo "s3rver did not start:" >&2; cat "$WORK/s3rver.log" >&2; exit 1; }
export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=S3RVER \
    AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1

# ---- one traced run: NAME.txt (and NAME.html) in reports/, NAME.json kept aside ----

html=yes
trace() { # NAME COMMAND...
    local name=$1
    shift
    echo "  $name" >&2
    # </dev/null: the matrix loop below reads the table on stdin
    "$MEMTRACE" run -f -o "$WORK/$name.db" -- "$@" </dev/null >"$WORK/$name.out"
    "$REPORT" "$WORK/$name.db" >"$OUT/$name.txt"
    "$REPORT" "$WORK/$name.db" --json --ungrouped >"$WORK/$name.json"
    # HTML: the one place the HTML report is made; cells link to it only when
    # this memtrace-report has the html command and it worked for every run.
    if [ "$html" = yes ] && ! "$REPORT" html "$WORK/$name.db" -o "$OUT/$name.html" 2>/dev/null; then
        html=no
    fi
}

# json NAME PATH: one value of NAME's JSON report ('$.extra_copies').
json() {
    [ -s "$WORK/$1.json" ] || { echo "no report $WORK/$1.json" >&2; exit 1; }
    sqlite3 :memory: "SELECT json_extract(readfile('$WORK/$1.json'), '$2')"
}

# ---- the matrix ----

store_url() { # STORE NAME
    if [ "$1" = s3 ]; then echo "s3://$BUCKET/$2"; else echo "file://$WORK/stores/$2"; fi
}

declare -A expected written
echo "tracing every cell of $TABLE at $SIZE MiB" >&2
while IFS=$'\t' read -r dir store codec pipeline copies; do
    case $dir in '#'* | '') continue ;; esac
    cell=$dir-$store-$codec-$pipeline
    expected[$cell]=$copies
    if [ "$dir" = write ]; then
        trace "$cell" "$PLAIN/workload-write" --store "$(store_url "$store" "$cell")" \
            --size "$SIZE" --codec "$codec" --pipeline "$pipeline"
    else
        # written once, untraced, for both read pipelines
        src=$(store_url "$store" "array-$store-$codec")
        if [ -z "${written[$src]:-}" ]; then
            "$PLAIN/workload-write" --store "$src" --size "$SIZE" --codec "$codec" \
                </dev/null >/dev/null
            written[$src]=1
        fi
        trace "$cell" "$PLAIN/workload-read" --store "$src" --pipeline "$pipeline"
    fi
done <"$TABLE"

# "[2](cell.txt) · 300.0 MiB · 0.52 s"; a count other than the table's is bold
# with the table's beside it.
cell_md() { # CELL
    local c=$1 n want link
    [ -n "${expected[$c]:-}" ] || { echo "-"; return; }
    n=$(json "$c" '$.extra_copies')
    want=${expected[$c]}
    link="[$n]($c.txt)"
    [ "$n" = "$want" ] || link="**[$n]($c.txt)** (table: $want)"
    [ "$html" = yes ] && link="$link ([html]($c.html))"
    printf '%s · %.1f MiB · %.2f s' "$link" \
        "$(echo "$(json "$c" '$.peak.total_bytes') / 1048576" | bc -l)" \
        "$(echo "$(json "$c" '$.duration_ns') / 1000000000" | bc -l)"
}

table() { # DIRECTION CODEC1 CODEC2 HEADER1 HEADER2
    local store pipeline first
    echo "| Store | Pipeline | $4 | $5 |"
    echo "|-------|----------|----|----|"
    for store in file s3; do
        first=$store
        for pipeline in naive zero-copy; do
            echo "| $first | $pipeline | $(cell_md "$1-$store-$2-$pipeline") | $(cell_md "$1-$store-$3-$pipeline") |"
            first=
        done
    done
}

# ---- the accumulator ----

echo "tracing the accumulator" >&2
ACCU_RUNS=(accumulate-accu accumulate-realloc)
declare -A accu_args=(
    [accumulate-accu]="--chunk 100 --writes 250000 --flush-every 100000"
    [accumulate-realloc]="--chunk 4096 --writes 25600 --grow realloc --step 1048576"
)
for run in "${ACCU_RUNS[@]}"; do
    # shellcheck disable=SC2086 # the arguments are words
    trace "$run" "$PLAIN/workload-accumulate" ${accu_args[$run]}
done

stalls_md() { # RUN: one row per stall kind
    local rows
    rows=$(sqlite3 -separator ' | ' :memory: "SELECT '| [$1]($1.txt)', json_extract(value, '$.kind'),
        count(*), sum(json_extract(value, '$.pieces')),
        printf('%.2f MiB', sum(json_extract(value, '$.bytes')) / 1048576.0) || ' |'
        FROM json_each(readfile('$WORK/$1.json'), '$.stalls') GROUP BY 2 ORDER BY 2")
    echo "${rows:-| [$1]($1.txt) | none | 0 | 0 | 0 |}"
}

# ---- reports/README.md ----

{
    echo "# Reports"
    echo
    echo "Generated by \`make reports\` (workloads/reports.sh); do not edit, rerun it."
    echo "Each cell of \`workloads/copies.tsv\` traced with \`memtrace run\`: a Zarr v2"
    echo "array of $SIZE MiB of random float64 in one chunk, written or read by"
    echo "\`workload-write\` / \`workload-read\` (a read is traced on its own, after an"
    echo "untraced write).  A cell shows the extra copies \`memtrace-report\` finds"
    echo "(linking to the run's report), the peak (heap plus anonymous mappings) and"
    echo "the traced run's time.  A count that differs from \`copies.tsv\` is bold,"
    echo "the table's beside it.  $(uname -sr), $(nproc) cores, $(date -u +%Y-%m-%d)."
    echo
    echo "## Writes"
    echo
    table write none blosc-lz4 Uncompressed "Compressed (blosc-lz4)"
    echo
    echo "The other codecs:"
    echo
    table write blosc-zstd zstd blosc-zstd zstd
    echo
    echo "## Reads"
    echo
    table read none blosc-lz4 Uncompressed "Compressed (blosc-lz4)"
    echo
    echo "The other codecs:"
    echo
    table read blosc-zstd zstd blosc-zstd zstd
    echo
    echo "## Accumulator"
    echo
    echo "\`workload-accumulate\`: CPython's lazy StringIO join (accu) and a buffer"
    echo "grown by realloc, with the stalls \`memtrace-report\` detects (pieces of a"
    echo "realloc-growth are its moves; past glibc's mmap threshold a move is an mremap,"
    echo "a remap that copies nothing, so the realloc run's stalls are its gathers)."
    echo
    echo "| Run | Arguments | Peak | Time |"
    echo "|-----|-----------|------|------|"
    for run in "${ACCU_RUNS[@]}"; do
        printf '| [%s](%s.txt) | `%s` | %.1f MiB | %.2f s |\n' "$run" "$run" "${accu_args[$run]}" \
            "$(echo "$(json "$run" '$.peak.total_bytes') / 1048576" | bc -l)" \
            "$(echo "$(json "$run" '$.duration_ns') / 1000000000" | bc -l)"
    done
    echo
    echo "| Run | Stall kind | Count | Pieces | Bytes |"
    echo "|-----|------------|-------|--------|-------|"
    for run in "${ACCU_RUNS[@]}"; do
        stalls_md "$run"
    done
} >"$OUT/README.md"

[ "$html" = yes ] || rm -f "$OUT"/*.html
mkdir -p reports
rm -f reports/*.txt reports/*.html reports/README.md # what an earlier run made
mv "$OUT"/* reports/
echo "reports/README.md regenerated ($(find reports -type f | wc -l) files)" >&2
