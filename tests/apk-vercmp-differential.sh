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
# parts without leading zeros, no hash.  They do include what apk-tools
# 2.x accepts and current apk-tools rejects: a letter followed by a number
# ("1.9.5p2-r0", "1.0a1.2", "1.0a1b2"), as real Alpine packages carry.
#
# About one version in ten is invalid in a way both reject (two letters in
# a row, '.' right after a letter, a letter after a suffix).  Validity is
# compared with `apk version -c`; a pair with an invalid version must be
# an error naming that version, and the other pairs must order the same.
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

def dots(v):
    for _ in range(rnd.randrange(4)):
        v += "." + dotted()
    return v

# A letter, in a third of the cases followed by a number and maybe more
# dotted parts and letters (apk-tools 2.x: "1.9.5p2", "1.0a1.2", "1.0a1b2").
def letters(v):
    while rnd.random() < .25:
        v += rnd.choice("abcpz")
        if rnd.random() < .6:
            break
        v = dots(v + num())
    return v

# Forms both apk-tools and we reject.
def broken(v):
    r = rnd.randrange(3)
    if r == 0:
        return v + rnd.choice("ap") + rnd.choice("bp") + (num() if rnd.random() < .5 else "")
    if r == 1:
        return v + rnd.choice("ap") + "." + dotted()
    return v + "_p" + num() + rnd.choice("ap")

def version():
    v = letters(dots(num()))
    if rnd.random() < .1:
        v = broken(v)
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
    r = rnd.randrange(9)
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
    if r == 7 and "_" not in base and base[-1].isdigit():
        return base + "p" + rnd.choice(["1", "2", "10"]) + tail
    return version()

for _ in range(int(sys.argv[2])):
    a = version()
    b = near(a) if rnd.random() < .5 else version()
    print(a, b)
EOF

# Validity: apk version -c prints the invalid ones.
tr ' ' '\n' <"$T/pairs" | sort -u >"$T/versions"
xargs "${APK[@]}" version -c <"$T/versions" | sort -u >"$T/apk-invalid"
awk '{ print $1, $1 }' "$T/versions" | "$P" vercmp --batch apk >"$T/ours-check"
paste -d ' ' "$T/versions" "$T/ours-check" | awk '$2 == "error:" { print $1 }' | sort -u >"$T/ours-invalid"
n_versions=$(wc -l <"$T/versions")
n_invalid=$(wc -l <"$T/apk-invalid")
if ! cmp -s "$T/apk-invalid" "$T/ours-invalid"; then
        echo "FAIL: validity differs (< apk-tools only, > portcullis only):"
        diff "$T/apk-invalid" "$T/ours-invalid" | head -n 50
        exit 1
fi
grep -q 'p[0-9]' "$T/versions" || { echo "FAIL: the generator made no letter followed by a number"; exit 1; }

# Order, and the error for a pair with an invalid version naming it.
while read -r a b; do "${APK[@]}" version -t "$a" "$b"; done <"$T/pairs" >"$T/apk"
"$P" vercmp --batch apk <"$T/pairs" >"$T/ours"
total=$(wc -l <"$T/pairs")
[ "$(wc -l <"$T/apk")" -eq "$total" ] && [ "$(wc -l <"$T/ours")" -eq "$total" ] ||
        { echo "FAIL: $total pairs but $(wc -l <"$T/apk") apk and $(wc -l <"$T/ours") portcullis results"; exit 1; }
paste -d '\t' "$T/pairs" "$T/apk" "$T/ours" | awk -F '\t' -v invalid="$T/apk-invalid" '
        BEGIN { while ((getline v < invalid) > 0) bad[v] = 1 }
        {
                split($1, p, " ")
                if (p[1] in bad || p[2] in bad) {
                        v = p[1] in bad ? p[1] : p[2]
                        if (index($3, "error: invalid Alpine version '\''" v "'\''") != 1)
                                print $0 "\t(expected an error naming " v ")"
                        next
                }
                if ($2 != $3)
                        print
        }' >"$T/diff"
mismatches=$(wc -l <"$T/diff")
echo "checked $total pairs and $n_versions versions ($n_invalid invalid) against apk-tools 2.10.4 (seed $SEED): $mismatches mismatches"
if [ "$mismatches" -ne 0 ]; then
        echo "pair / apk / portcullis:"
        head -n 50 "$T/diff"
        exit 1
fi
