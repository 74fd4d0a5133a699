#!/bin/sh
# The include rules of the tree, checked by `make check`:
#   every quoted include names its file from the top of the tree
#     (#include "tracer/capture/record.h"; "gen/..." is generated in the build);
#   format/ is the on-disk contract: it includes nothing but format/;
#   tracer/ runs inside the traced program: it includes nothing of analyzer/.
# (That only analyzer/load/ sees sqlite3.h is enforced by the build itself:
# analyzer/analyzer.mk puts mk/nosqlite/sqlite3.h first on every other
# analyzer object's include path.)
# Usage: mk/layout.sh [ROOT]; prints one line per broken rule, exits 1 if any.
set -u
root=${1:-.}
parts="format tracer analyzer tests workloads bench"
status=0
broken() {
    echo "layout: $1:$2 includes $3: $4"
    status=1
}
for part in $parts; do
    [ -d "$root/$part" ] || continue
    # file:line:target of every quoted include
    found=$(find "$root/$part" -name '*.[ch]' -exec grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' {} + |
        sed 's/^\([^:]*:[0-9]*\):.*"\([^"]*\)".*/\1:\2/' | sort -t: -k1,1 -k2,2n)
    [ -n "$found" ] || continue
    while IFS=: read -r file line target; do
        file=${file#"$root"/}
        case "$target" in
        gen/*) ;;
        */*) [ -f "$root/$target" ] || broken "$file" "$line" "$target" "no such file from the top of the tree" ;;
        *) broken "$file" "$line" "$target" "name its folder, from the top of the tree" ;;
        esac
        case "$part:$target" in
        format:format/*) ;;
        format:*) broken "$file" "$line" "$target" "format/ includes only format/" ;;
        tracer:analyzer/*) broken "$file" "$line" "$target" "tracer/ never includes analyzer/" ;;
        esac
    done <<LIST
$found
LIST
done
exit $status
