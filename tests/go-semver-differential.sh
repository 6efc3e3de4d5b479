#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Differential test: generated Go module version pairs (tests/semver-pairs.py
# go: 'v' or not, shorthands, pseudo-versions, +incompatible), compared by
# `portcullis vercmp --batch go` and by golang.org/x/mod/semver
# (tests/go-semver-ref.go, built with Debian's golang-go against Debian's
# golang-golang-x-mod-dev in GOPATH mode, offline).
#
#   GOCMP_SEED   one seed instead of the fixed one plus a fresh one
#   GOCMP_PAIRS  pairs per seed (default 4000)
#
# Exit 77 (skip) without go or x/mod.
set -u
P=${PORTCULLIS:?}
HERE=$(dirname "$0")
GOPATH_DEB=/usr/share/gocode
command -v go >/dev/null || { echo "skip: no go (Debian: golang-go)"; exit 77; }
[ -d "$GOPATH_DEB/src/golang.org/x/mod/semver" ] ||
        { echo "skip: no $GOPATH_DEB/src/golang.org/x/mod/semver (Debian: golang-golang-x-mod-dev)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/differential-lib.sh"

mkdir "$T/goref"
cp "$HERE/go-semver-ref.go" "$T/goref/main.go"
(cd "$T/goref" && GO111MODULE=off GOPATH=$GOPATH_DEB GOCACHE=$T/gocache GOFLAGS= go build -o "$T/go-semver-ref" .) ||
        { echo "FAIL: building tests/go-semver-ref.go"; exit 1; }

echo "reference: golang.org/x/mod/semver (Debian golang-golang-x-mod-dev $(dpkg-query -W -f='${Version}' golang-golang-x-mod-dev 2>/dev/null), $(go version))"
DIFF_FLAVOR=go
diff_run "x/mod/semver" go "$HERE/semver-pairs.py" "${GOCMP_PAIRS:-4000}" 20261204 GOCMP_SEED "$T/go-semver-ref"
