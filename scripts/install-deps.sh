#!/bin/sh
# Installs what Portcullis needs on Debian 12 (as root, else through sudo):
# with --build only what building it takes, else also what the tests drive
# (real runtimes, servers, reference tools).  Runs apt-get only when
# something is missing, so a second run is instant.
set -eu

PACKAGES="meson ninja-build pkg-config gcc python3
          libjansson-dev libcurl4-openssl-dev libarchive-dev libsqlite3-dev libssl-dev libseccomp-dev
          libzstd-dev"
if [ "${1:-}" != "--build" ]; then
        PACKAGES="$PACKAGES clang unzip dpkg rpm debootstrap time runc busybox-static podman containerd umoci
                  nginx openssl systemd faketime"
fi

missing=""
for p in $PACKAGES; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >&2
