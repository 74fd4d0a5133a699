#!/bin/sh
# Installs the Debian packages the build and the tests need, only those missing.
# Usage: mk/deps.sh PACKAGE...   (root runs apt-get directly, others through sudo)
set -eu
missing=""
for p in "$@"; do
    # node and npm may come from another packaging (e.g. nodejs bundling npm)
    case "$p" in nodejs|npm) command -v "${p%js}" >/dev/null 2>&1 && continue ;; esac
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "memtrace: installing Debian packages:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
