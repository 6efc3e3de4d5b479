#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Differential test: random apk version pairs, compared by
# `portcullis vercmp --batch apk` and by apk-tools itself, `apk version -t`,
# run from trivy's Alpine 3.11 test image (apk-tools 2.10.4) through the
# image's own musl loader.
#
# apk-tools 2.10 predates the rules apk-tools' current test/version.data
# states (and test-version-apk checks line by line): it reads a dotted part
# with leading zeros as a negative count of zeros, which makes
# "1.0_rc1" > "1.0" but "1.0" < "1.0_rc1" (not antisymmetric), and it has
# no ~hash.  The pairs therefore stay in the grammar both agree on: dotted
# parts without leading zeros, no letter followed by digits, no hash.
#
#   APKCMP_SEED   generator seed (default 20240611); a failure prints it
#   APKCMP_PAIRS  number of pairs (default 1500)
#
# Exit 77 (skip) without the image, python3, tar, or on a non-x86_64 host.
set -u
P=${PORTCULLIS:?}
DATA=${PC_SHARED_DATA:-}
IMAGE=$DATA/rootfs/trivy/alpine-311.tar.gz
SEED=${APKCMP_SEED:-20240611}
PAIRS=${APKCMP_PAIRS:-1500}
[ -f "$IMAGE" ] || { echo "skip: $IMAGE not found"; exit 77; }
[ "$(uname -m)" = x86_64 ] || { echo "skip: the image's apk is x86_64"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT

mkdir "$T/image" "$T/rootfs"
tar -xzf "$IMAGE" -C "$T/image" || { echo "FAIL: unpack $IMAGE"; exit 1; }
for layer in "$T"/image/*/layer.tar; do
        tar -xf "$layer" -C "$T/rootfs" --no-same-owner --no-same-permissions --exclude 'dev/*' ||
                { echo "FAIL: unpack $layer"; exit 1; }
done
R=$T/rootfs
APK=("$R/lib/ld-musl-x86_64.so.1" --library-path "$R/lib:$R/usr/lib" "$R/sbin/apk" --root "$R")
[ "$("${APK[@]}" version -t 1.0 1.1 2>/dev/null)" = "<" ] || { echo "skip: the image's apk does not run here"; exit 77; }

python3 - "$SEED" "$PAIRS" >"$T/pairs" <<'EOF'
import random, sys

rnd = random.Random(int(sys.argv[1]))
SUFFIXES = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"]

def num():
    return str(rnd.choice([0, 1, 2, 9, 10, 11, 99, 100, rnd.randrange(1, 100000)]))

def dotted():
    return str(rnd.choice([1, 2, 3, 9, 10, 12, rnd.randrange(1, 1000)]))

def version():
    v = num()
    for _ in range(rnd.randrange(4)):
        v += "." + dotted()
    if rnd.random() < .2:
        v += rnd.choice("abcz")
    for _ in range(rnd.choice([0, 0, 0, 1, 1, 2])):
        v += "_" + rnd.choice(SUFFIXES) + (num() if rnd.random() < .5 else "")
    if rnd.random() < .5:
        v += "-r" + num()
    return v

# A version close to v: where an off-by-one in a comparator hides.  Only
# valid versions: what goes after a revision goes before it.
def near(v):
    base, sep, rev = v.partition("-r")
    tail = sep + rev
    r = rnd.randrange(8)
    if r == 0 and "_" not in base and not base[-1].isalpha():
        return base + ".1" + tail
    if r == 1:
        return base + "_p1" + tail
    if r == 2:
        return base + "_rc1" + tail
    if r == 3:
        return base + "-r" + str(int(rev or 0) + 1)
    if r == 4 and "_" not in base and not base[-1].isalpha():
        return base + "a" + tail
    if r == 5 and "." in base and "_" not in base and not base[-1].isalpha():
        return base.rsplit(".", 1)[0] + tail
    if r == 6:
        return v
    return version()

for _ in range(int(sys.argv[2])):
    a = version()
    b = near(a) if rnd.random() < .5 else version()
    print(a, b)
EOF

while read -r a b; do "${APK[@]}" version -t "$a" "$b"; done <"$T/pairs" >"$T/apk"
"$P" vercmp --batch apk <"$T/pairs" >"$T/ours"
total=$(wc -l <"$T/pairs")
mismatches=$(paste -d '\t' "$T/pairs" "$T/apk" "$T/ours" | awk -F '\t' '$2 != $3' | tee "$T/diff" | wc -l)
echo "checked $total pairs against apk-tools 2.10.4 (seed $SEED): $mismatches mismatches"
if [ "$mismatches" -ne 0 ] || [ "$(wc -l <"$T/apk")" -ne "$total" ]; then
        echo "pair / apk / portcullis:"
        head -n 50 "$T/diff"
        exit 1
fi
