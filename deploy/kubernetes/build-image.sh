#!/bin/sh
# Builds the Portcullis node installer image from the release binaries, with
# Debian's umoci, into an OCI archive (an OCI image layout in a tar file:
# what `skopeo copy oci-archive:FILE docker://REF` pushes and `podman load`
# reads).  No base image and no registry: the image is one layer holding
#  - what `meson install` puts under the prefix /usr/local (the CLI, the
#    hook, the containerd shim, the systemd units, the hooks.d file, ...);
#  - the shared libraries those programs load, found with ldd, at the paths
#    ldd names, and the dynamic loader (the hook is static already);
#  - the libraries the CLI loads lazily (lazy_dlopen() in lib/*-lazy.c:
#    libcurl, libcrypto, libarchive) with theirs, so that every verb works
#    in the image;
#  - a static pause program (pause.c) for the DaemonSet's long-running
#    container.
# Its entry point is /usr/local/bin/portcullis; the DaemonSet runs
# `portcullis install containerd --root /host --binaries` with it.
#
# Usage: build-image.sh [--builddir DIR] [--no-rebuild] [--output FILE]
#                       [--tag TAG] [--push REF [--insecure-registry]]
#   --builddir DIR  a meson build of this source configured with the prefix
#                   /usr/local (default: build-release/ in the source,
#                   configured with --buildtype=release and built here)
#   --no-rebuild    install DIR as it is built (meson install --no-rebuild)
#   --output FILE   the OCI archive (default: portcullis-VERSION.oci.tar)
#   --tag TAG       the tag inside the archive (default: the version)
#   --push REF      then copy it to a registry with skopeo
#                   (registry.example.com/portcullis:0.1.0) and make REF the
#                   image of deploy/kubernetes/kustomization.yaml
#   --insecure-registry  push without TLS verification (a registry on
#                   plain HTTP or with a self-signed certificate)
set -eu

die() { echo "build-image.sh: $*" >&2; exit 2; }

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=""
OUT=""
TAG=""
PUSH=""
REBUILD="yes"
TLS_VERIFY="true"
while [ $# -gt 0 ]; do
        case "$1" in
        --builddir) [ $# -ge 2 ] || die "--builddir needs a folder"; BUILD=$2; shift 2 ;;
        --no-rebuild) REBUILD="no"; shift ;;
        --insecure-registry) TLS_VERIFY="false"; shift ;;
        --output) [ $# -ge 2 ] || die "--output needs a file name"; OUT=$2; shift 2 ;;
        --tag) [ $# -ge 2 ] || die "--tag needs a tag"; TAG=$2; shift 2 ;;
        --push) [ $# -ge 2 ] || die "--push needs an image reference (registry/name:tag)"; PUSH=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
        esac
done

for t in umoci meson ninja ldd tar ${CC:-cc}; do
        command -v "$t" >/dev/null || die "$t is missing (Debian: apt-get install umoci meson ninja-build gcc)"
done
if [ -n "$PUSH" ]; then
        command -v skopeo >/dev/null || die "--push needs skopeo (Debian: apt-get install skopeo)"
        # registry/name:tag; the tag is after the last ':' of the last path component
        case "${PUSH##*/}" in *@*|*:) die "--push $PUSH: give registry/name:tag" ;; *:*) ;;
                *) die "--push $PUSH: give registry/name:tag (a tag after ':')" ;; esac
fi

if [ -z "$BUILD" ]; then
        BUILD=$SRC/build-release
        [ -f "$BUILD/build.ninja" ] ||
                meson setup --buildtype=release --prefix=/usr/local "$BUILD" "$SRC" >&2 ||
                die "meson setup $BUILD failed"
fi
[ -f "$BUILD/build.ninja" ] || die "$BUILD is not a meson build folder (meson setup --prefix=/usr/local $BUILD)"

# `portcullis install --binaries` copies the programs to /usr/local on the
# node and the shim has its hook's path compiled in: both are /usr/local.
prefix=$(meson introspect "$BUILD" --buildoptions |
        python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))') ||
        die "cannot read the prefix of $BUILD (meson introspect)"
[ "$prefix" = /usr/local ] ||
        die "$BUILD is configured with the prefix $prefix; the image needs /usr/local (meson configure -Dprefix=/usr/local $BUILD)"
version=$(meson introspect "$BUILD" --projectinfo |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])') ||
        die "cannot read the project version of $BUILD"
[ -n "$TAG" ] || TAG=$version
[ -n "$OUT" ] || OUT=portcullis-$version.oci.tar
case "$TAG" in *[!A-Za-z0-9_.-]*|"") die "--tag '$TAG': letters, digits, '_', '.' and '-' only" ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-image-XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
layout=$work/oci

# 1. The programs and their files, as a package would install them.
set -- --destdir "$root"
[ "$REBUILD" = yes ] || set -- "$@" --no-rebuild
meson install -C "$BUILD" --quiet "$@" >"$work/install.log" 2>&1 ||
        { tail -20 "$work/install.log" >&2; die "meson install -C $BUILD failed"; }
[ -x "$root/usr/local/bin/portcullis" ] || die "meson install put no $root/usr/local/bin/portcullis"

# 2. Shared libraries: each at the path ldd resolves it to (the loader's
# default search path finds it there), and the libraries the CLI dlopen()s.
copy_file() {  # copy_file PATH: the file PATH names (symlinks followed) to the same path in the image
        [ -e "$root$1" ] && return 0
        mkdir -p "$root$(dirname "$1")"
        cp -L "$1" "$root$1"
}
copy_deps() {  # copy_deps FILE: the libraries FILE needs; none for a static program
        ldd "$1" >"$work/ldd.txt" 2>/dev/null || return 0
        # "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)"
        awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' "$work/ldd.txt" >"$work/libs.txt"
        if grep -q 'not found' "$work/ldd.txt"; then
                die "$1 needs libraries ldd does not find: $(grep 'not found' "$work/ldd.txt" | tr -s ' \t\n' ' ')"
        fi
        while read -r lib; do copy_file "$lib"; done <"$work/libs.txt"
}
find "$root" -type f -perm -u+x >"$work/programs.txt"
while read -r f; do copy_deps "$f"; done <"$work/programs.txt"
# The lazily loaded ones are named where the build's sources load them:
# lazy_dlopen("libcurl.so.4", ...) in lib/*-lazy.c.
build_src=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["directories"]["source"])' \
        "$BUILD/meson-info/meson-info.json") || die "cannot read the source folder of $BUILD (meson-info.json)"
lazy=$(cat "$build_src"/lib/*.c | grep -o 'lazy_dlopen("[^"]*"' | cut -d'"' -f2 | sort -u)
[ -n "$lazy" ] || die "no lazy_dlopen(\"SONAME\", ...) found in $build_src/lib/*.c"
for soname in $lazy; do
        lib=$(ldconfig -p | awk -v n="$soname" '$1 == n && $NF ~ /^\// { print $NF; exit }')
        [ -n "$lib" ] || die "$soname is not installed; the CLI loads it when a command needs it (lib/*-lazy.c)"
        copy_file "$lib"
        copy_deps "$lib"
done

# 3. The pause program and a /tmp.
"${CC:-cc}" -static -O2 -s -o "$root/usr/local/libexec/portcullis/pause" "$HERE/pause.c" ||
        die "cannot link $HERE/pause.c statically (Debian: libc6-dev)"
mkdir -p "$root/tmp"
chmod 1777 "$root/tmp"

# 4. The image: one layer, the CLI as entry point.
revision=$(git -C "$SRC" rev-parse HEAD 2>/dev/null || echo unknown)
# The time of the image and of its files: SOURCE_DATE_EPOCH, else the last
# commit's, else meson.build's (a release tarball).
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$SRC" log -1 --format=%ct 2>/dev/null || stat -c %Y "$SRC/meson.build" 2>/dev/null || date +%s)}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
img=$layout:$TAG
# The layer's bytes depend only on the files: every time stamp is $created.
find "$root" -exec touch -h -d "$created" {} +
umoci init --layout "$layout"
umoci new --image "$img"
umoci insert --image "$img" --history.created "$created" \
        --history.created_by "deploy/kubernetes/build-image.sh (meson install, ldd, pause.c)" "$root" /
umoci config --image "$img" --created "$created" --history.created "$created" \
        --config.entrypoint /usr/local/bin/portcullis --config.cmd --help --config.workingdir / \
        --config.user 0:0 --config.env PATH=/usr/local/bin:/usr/bin:/bin \
        --config.label org.opencontainers.image.title=portcullis \
        --config.label org.opencontainers.image.description="Portcullis node installer: portcullis install containerd --root /host --binaries" \
        --config.label org.opencontainers.image.version="$version" \
        --config.label org.opencontainers.image.revision="$revision" \
        --config.label org.opencontainers.image.licenses=Apache-2.0
umoci gc --layout "$layout"
tar -C "$layout" --sort=name --owner=0 --group=0 --numeric-owner --mtime="$created" -cf "$OUT.tmp" . ||
        die "cannot write $OUT"
mv "$OUT.tmp" "$OUT"
echo "wrote $OUT (OCI archive, tag $TAG, $(du -k "$OUT" | cut -f1) KiB)"

# What the node needs besides the programs --binaries copies: the libraries
# of the CLI and the shim (the hook is static).
needs=$(for f in "$root/usr/local/bin/"*; do ldd "$f" 2>/dev/null; done |
        awk '$2 == "=>" { print $1 }' | sort -u | tr '\n' ' ')
echo "the node needs these libraries for the CLI and the shim: $needs(and, loaded when a command needs them: $(echo "$lazy" | tr '\n' ' ' | sed 's/ $//'))"

if [ -n "$PUSH" ]; then
        skopeo copy --dest-tls-verify="$TLS_VERIFY" "oci-archive:$OUT:$TAG" "docker://$PUSH" || die "skopeo copy to $PUSH failed"
        name=${PUSH%:*}
        tag=${PUSH##*:}
        # What `kustomize edit set image portcullis=REF` does.
        sed -i "s|^\(    newName:\).*|\1 $name|; s|^\(    newTag:\).*|\1 \"$tag\"|" "$HERE/kustomization.yaml"
        echo "pushed $PUSH; $HERE/kustomization.yaml now names it: kubectl apply -k $HERE"
fi
