#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Differential test: generated PyPI version pairs (tests/pep440-pairs.py),
# compared by `portcullis vercmp --batch pypi` and by python3-packaging's
# packaging.version.Version (Debian's python3-packaging), the reference pip
# and PyPI use.  InvalidVersion must be our error too.
#
#   PEP440_SEED   one seed instead of the fixed one plus a fresh one
#   PEP440_PAIRS  pairs per seed (default 4000)
#
# Exit 77 (skip) without a python3 that has packaging.
set -u
P=${PORTCULLIS:?}
HERE=$(dirname "$0")
PY=""
for py in /usr/bin/python3 python3; do
        if "$py" -c 'import packaging.version' 2>/dev/null; then
                PY=$py
                break
        fi
done
[ -n "$PY" ] || { echo "skip: no python3 with packaging (Debian: python3-packaging)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/differential-lib.sh"

cat >"$T/ref.py" <<'PYEOF'
import sys
from packaging.version import InvalidVersion, Version

out = []
for line in sys.stdin.buffer.read().decode("utf-8").split("\n"):
    if not line:
        continue
    a, b = line.split(" ")
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:
        out.append("error")
        continue
    out.append("<" if va < vb else ">" if va > vb else "=")
print("\n".join(out))
PYEOF

echo "reference: packaging $("$PY" -c 'import packaging; print(packaging.__version__)') ($PY)"
diff_run "packaging.version" pypi "$HERE/pep440-pairs.py" "${PEP440_PAIRS:-4000}" 20261204 PEP440_SEED "$PY" "$T/ref.py"
