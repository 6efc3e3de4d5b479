#!/bin/sh
# Runs one test (the arguments) with a TMPDIR of its own, removed afterwards,
# so that two test runs, or a user's scan, never see each other's temporary
# files (tests/scan-image.py counts the image reader's folders there).
# Mode 1777 like /tmp: some tests run parts as nobody.
d=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-test-XXXXXX") || exit 99
chmod 1777 "$d"
TMPDIR=$d "$@"
rc=$?
rm -rf "$d"
exit $rc
