#!/bin/sh
# The include rules of the tree, checked by `make check`:
#   format/ is the on-disk contract: it includes nothing but format/;
#   tracer/ runs inside the traced program: it includes nothing of analyzer/.
# Usage: mk/layout.sh [ROOT]; prints one line per broken rule, exits 1 if any.
set -u
root=${1:-.}
status=0
for part in format tracer; do
    [ -d "$root/$part" ] || continue
    # file:line:target of every quoted include
    found=$(find "$root/$part" -name '*.[ch]' -exec grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' {} + |
        sed 's/^\([^:]*:[0-9]*\):.*"\([^"]*\)".*/\1:\2/')
    [ -n "$found" ] || continue
    while IFS=: read -r file line target; do
        file=${file#"$root"/}
        case "$part:$target" in
        format:format/*) ;;
        format:*) echo "layout: $file:$line includes $target: format/ includes only format/"; status=1 ;;
        tracer:analyzer/*) echo "layout: $file:$line includes $target: tracer/ never includes analyzer/"; status=1 ;;
        esac
    done <<LIST
$found
LIST
done
exit $status
