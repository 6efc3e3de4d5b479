#!/bin/sh
# Installs what Portcullis needs on Debian 12 (as root, else through sudo):
# with --build only what building it takes, else also what the tests drive
# (real runtimes, servers, reference tools).  Runs apt-get only when
# something is missing, so a second run is instant.
set -eu

# (nettle-dev to libxml2-dev: what libarchive links against, for the
# binaries' static link of it, lib/meson.build)
PACKAGES="meson ninja-build pkg-config gcc python3
          libjansson-dev libyajl-dev libcurl4-openssl-dev libarchive-dev libsqlite3-dev libssl-dev libseccomp-dev
          libzstd-dev libdeflate-dev scdoc
          nettle-dev libacl1-dev liblzma-dev liblz4-dev libbz2-dev zlib1g-dev libxml2-dev"
# (libclang-rt-dev: libFuzzer and clang's sanitizer runtimes, for the
# fuzzing build .ci/run makes; clang only recommends it)
if [ "${1:-}" != "--build" ]; then
        PACKAGES="$PACKAGES clang libclang-rt-dev unzip dpkg rpm db5.3-util debootstrap time runc busybox-static podman uidmap containerd umoci
                  nginx openssl systemd faketime man-db bash-completion zsh
                  python3-packaging golang-go golang-golang-x-mod-dev librust-semver-dev
                  ruby php-cli php-composer-semver libmaven3-core-java default-jdk-headless
                  liblog4j2-java composer ruby-rack ruby-nokogiri python3-jsonschema chromium
                  docker-registry docker.io skopeo apache2-utils prometheus-node-exporter python3-yaml logrotate
                  python3-fusepy"
        # npm for the CVSS reference implementation below and node-semver;
        # a node that brings its own npm (NodeSource's nodejs) is kept as it
        # is, and so is a cargo installed another way.
        command -v npm >/dev/null || PACKAGES="$PACKAGES nodejs npm"
        command -v cargo >/dev/null || PACKAGES="$PACKAGES cargo"
fi

# npm packages some tests use, from the npm registry into those tests' own
# folders (each pinned by its package-lock.json): the independent CVSS
# implementation tests/cvss-differential.sh scores against, and a real .NET
# application (its deps.json) for tests/lang-inventory-text.sh, and the
# CycloneDX project's schema validator (with its ajv peers) for
# tests/cyclonedx.py.
npm_test_dir() {
        dir=$(cd "$(dirname "$0")/.." && pwd)/tests/$1
        [ ! -f "$dir/node_modules/$2/package.json" ] || return 0
        echo "installing: npm packages of $dir" >&2
        # the registry may be out of reach: the test then skips, saying so
        npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts >&2 ||
                echo "warning: npm ci in $dir failed; the tests using it will skip" >&2
}
npm_test_deps() {
        [ "${1:-}" != "--build" ] || return 0
        npm_test_dir cvss-differential ae-cvss-calculator
        npm_test_dir lang-dotnet @microsoft/sarif-multitool-linux
        npm_test_dir cyclonedx @cyclonedx/cyclonedx-library
        # Microsoft's SARIF validator for tests/report-sarif-spdx.py: a
        # self-contained .NET executable; --ignore-scripts skips the
        # package's postinstall, which only sets its execute bit.
        npm_test_dir sarif-validate @microsoft/sarif-multitool-linux
        f=$(cd "$(dirname "$0")/.." && pwd)/tests/sarif-validate/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
        [ ! -f "$f" ] || chmod u+x "$f"
}

missing=""
for p in $PACKAGES; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -z "$missing" ]; then
        npm_test_deps "${1:-}"
        exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >&2
npm_test_deps "${1:-}"
