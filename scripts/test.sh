#!/bin/sh
# Builds and runs every test (unit, CLI, fuzz-corpus replay, the real
# debootstrap scan).  Extra arguments go to 'meson test'.
set -eu
cd "$(dirname "$0")/.."

scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
exec meson test -C build --print-errorlogs "$@"
