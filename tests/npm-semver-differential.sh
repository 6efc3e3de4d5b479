#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Differential test: generated npm version pairs (tests/semver-pairs.py npm),
# compared by `portcullis vercmp --batch npm` and by node-semver, the
# `semver` package from the npm registry, read as npm reads an installed
# package.json (@npmcli/package-json: valid(v, loose), then compare with
# loose): valid(A, {loose: true}) && valid(B, ...) ? compare(A, B, ...) : error.
#
# The package is installed once into the build folder (NODE_SEMVER_DIR,
# default $PC_BUILD_ROOT/node-semver) with npm, pinned to SEMVER_VERSION.
#
#   NPMCMP_SEED   one seed instead of the fixed one plus a fresh one
#   NPMCMP_PAIRS  pairs per seed (default 4000)
#
# Exit 77 (skip) without node, or without npm and the package.
set -u
P=${PORTCULLIS:?}
HERE=$(dirname "$0")
SEMVER_VERSION=7.8.6
DIR=${NODE_SEMVER_DIR:-${PC_BUILD_ROOT:-/var/tmp/portcullis-test}/node-semver}
command -v node >/dev/null || { echo "skip: no node (Debian: nodejs)"; exit 77; }
if [ ! -f "$DIR/node_modules/semver/package.json" ] ||
   ! grep -q "\"version\": \"$SEMVER_VERSION\"" "$DIR/node_modules/semver/package.json"; then
        command -v npm >/dev/null || { echo "skip: no npm to install semver@$SEMVER_VERSION"; exit 77; }
        mkdir -p "$DIR"
        npm install --prefix "$DIR" --no-audit --no-fund --no-save --silent "semver@$SEMVER_VERSION" >/dev/null 2>&1 ||
                { echo "skip: npm install semver@$SEMVER_VERSION failed (registry unreachable?)"; exit 77; }
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/differential-lib.sh"

cat >"$T/ref.js" <<'JSEOF'
const semver = require(process.argv[2]);
const opts = { loose: true };
const out = [];
for (const line of require('fs').readFileSync(0, 'latin1').split('\n')) {
        if (!line)
                continue;
        const [a, b] = line.split(' ');
        if (semver.valid(a, opts) === null || semver.valid(b, opts) === null) {
                out.push('error');
                continue;
        }
        const c = semver.compare(a, b, opts);
        out.push(c < 0 ? '<' : c > 0 ? '>' : '=');
}
console.log(out.join('\n'));
JSEOF

echo "reference: node-semver $SEMVER_VERSION (node $(node --version))"
DIFF_FLAVOR=npm
diff_run "node-semver" npm "$HERE/semver-pairs.py" "${NPMCMP_PAIRS:-4000}" 20261204 NPMCMP_SEED \
        node "$T/ref.js" "$DIR/node_modules/semver"
