#!/bin/sh
# The main job, offline: build, import the example feed into a database in
# the build folder, and scan this machine's own root filesystem.
set -eu
cd "$(dirname "$0")/.."

scripts/install-deps.sh --build
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
build/cli/portcullis db import feed/ --db build/vulndb.sqlite
exec build/cli/portcullis scan / --db build/vulndb.sqlite "$@"
