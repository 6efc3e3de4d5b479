#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Differential test: CVSS scores and ratings from `portcullis cvss --batch
# --format json` against an independent implementation, the npm package
# ae-cvss-calculator (tests/cvss-differential/, installed there by
# scripts/install-deps.sh): every base vector of v3.0 and v3.1 (2 x 2592)
# and of v4.0 (104,976, each through the MacroVector lookup), then random
# vectors of each version with temporal/threat, environmental and
# supplemental metrics, whose scores (v3: temporal and environmental; v4:
# CVSS-BT and CVSS-BTE) are compared too.  The rating must be the
# specifications' qualitative scale applied to the reference base score,
# 0.0 being NONE.
#
#   CVSSCMP_SEED    generator seed (default 20261204); a failure prints it
#   CVSSCMP_RANDOM  random vectors per version (default 20000)
#
# Exit 77 (skip) without node or without the package installed.
set -u
P=${PORTCULLIS:?}
DIR=${PC_SOURCE_ROOT:?}/tests/cvss-differential
SEED=${CVSSCMP_SEED:-20261204}
RANDOM_N=${CVSSCMP_RANDOM:-20000}
command -v node >/dev/null || { echo "skip: no node"; exit 77; }
[ -f "$DIR/node_modules/ae-cvss-calculator/package.json" ] ||
        { echo "skip: ae-cvss-calculator not installed (scripts/install-deps.sh runs npm ci in $DIR)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

node "$DIR/reference.js" generate "$SEED" "$RANDOM_N" >"$T/vectors" || { echo "FAIL: generating vectors"; exit 1; }
"$P" cvss --batch --format json <"$T/vectors" >"$T/ours" || { echo "FAIL: portcullis cvss --batch: exit $?"; exit 1; }
if ! node "$DIR/reference.js" compare "$T/vectors" <"$T/ours"; then
        echo "(seed $SEED)"
        exit 1
fi
