#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Differential test: generated crates.io version pairs (tests/semver-pairs.py
# crates), compared by `portcullis vercmp --batch crates.io` and by the
# semver crate that Cargo uses (tests/crates-semver-ref.rs), built offline
# with cargo against Debian's librust-semver-dev (crates.io itself is not
# needed).  Cached in the build folder (CRATES_REF_DIR).
#
#   CRATESCMP_SEED   one seed instead of the fixed one plus a fresh one
#   CRATESCMP_PAIRS  pairs per seed (default 4000)
#
# Exit 77 (skip) without cargo or librust-semver-dev.
set -u
P=${PORTCULLIS:?}
HERE=$(cd "$(dirname "$0")" && pwd)
REGISTRY=/usr/share/cargo/registry
DIR=${CRATES_REF_DIR:-${PC_BUILD_ROOT:-/var/tmp/portcullis-test}/crates-semver-ref}
command -v cargo >/dev/null || { echo "skip: no cargo (Debian: cargo)"; exit 77; }
CRATE=$(ls -d "$REGISTRY"/semver-1.* 2>/dev/null | sort -V | tail -n 1)
[ -n "$CRATE" ] || { echo "skip: no semver crate in $REGISTRY (Debian: librust-semver-dev)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$HERE/differential-lib.sh"

mkdir -p "$DIR/src" "$DIR/.cargo"
cat >"$DIR/Cargo.toml" <<TOML
[package]
name = "crates-semver-ref"
version = "0.1.0"
edition = "2018"

[dependencies]
semver = "=${CRATE##*/semver-}"
TOML
cat >"$DIR/.cargo/config.toml" <<TOML
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "$REGISTRY"
TOML
cp "$HERE/crates-semver-ref.rs" "$DIR/src/main.rs"
(cd "$DIR" && cargo build --offline --release -q) >"$T/cargo.log" 2>&1 ||
        { echo "FAIL: building tests/crates-semver-ref.rs against ${CRATE##*/}:"; tail -n 20 "$T/cargo.log"; exit 1; }

echo "reference: ${CRATE##*/} (Debian librust-semver-dev), $(cargo --version)"
DIFF_FLAVOR=crates
diff_run "semver crate" crates.io "$HERE/semver-pairs.py" "${CRATESCMP_PAIRS:-4000}" 20261204 CRATESCMP_SEED \
        "$DIR/target/release/crates-semver-ref"
