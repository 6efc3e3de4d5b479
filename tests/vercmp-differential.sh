#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Differential test: random Debian version pairs, compared by
# `portcullis vercmp --batch deb` and by `dpkg --compare-versions`, which is
# the reference.  Every pair must give the same <, = or >, and a version that
# dpkg rejects (exit 2) must be an error for portcullis too.
#
#   VERCMP_SEED   generator seed (default 20240611); a failure prints it
#   VERCMP_PAIRS  number of pairs (default 6000)
#
# Exit 77 (skip) without dpkg.
set -eu
# Versions may hold any byte; text tools must not decode them.
export LC_ALL=C

: "${PORTCULLIS:?PORTCULLIS must name the portcullis binary}"
SEED=${VERCMP_SEED:-20240611}
PAIRS=${VERCMP_PAIRS:-6000}

if ! command -v dpkg >/dev/null 2>&1; then
        echo "skip: dpkg not found"
        exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vercmp-diff.XXXXXX")
[ -n "${VERCMP_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT INT TERM

# One pair per line, "A B".  Park-Miller generator in plain awk arithmetic
# (products stay below 2^53), so the same seed gives the same pairs with any
# awk.  Versions never contain blanks, are never empty and never
# "<unknown>": dpkg's command line treats those as special, not as versions.
awk -v seed="$SEED" -v pairs="$PAIRS" '
function rnd(n) { state = (state * 16807) % 2147483647; return int(state / 2147483647 * n) }
function pick(s,   a, n) { n = split(s, a, " "); return a[rnd(n) + 1] }
function digits(   n, s, i, r) {
        r = rnd(100)
        n = r < 70 ? 1 + rnd(2) : r < 90 ? 3 + rnd(4) : 15 + rnd(25)   # long runs exceed 64 bits
        s = rnd(6) == 0 ? "0" : ""                                      # leading zeros
        for (i = 0; i < n; i++) s = s substr("0123456789", rnd(10) + 1, 1)
        return s
}
function letters(   n, s, i) {
        n = 1 + rnd(4)
        s = ""
        for (i = 0; i < n; i++) s = s substr("abcdefghijklmnopqrstuvwxyzABCXYZ", rnd(32) + 1, 1)
        return s
}
function piece(seps,   r) {
        r = rnd(10)
        if (r < 5) return digits()
        if (r < 8) return letters()
        return pick(seps)
}
# A colon in upstream is only valid after an explicit epoch.
function upstream(colon,   s, n, i, r, seps) {
        r = rnd(40)
        s = r == 0 ? letters() : r == 1 ? "~" : digits()                # dpkg warns, still compares
        seps = colon ? ". + ~ - :" : ". + ~ -"
        n = rnd(7)
        for (i = 0; i < n; i++) s = s pick(". . . + ~ ~ " seps) piece(seps)
        if (rnd(30) == 0)                                               # dpkg warns, still compares
                s = s (rnd(3) ? pick("@ _ % = , ^ \\ \"") : sprintf("%c", 128 + rnd(128))) digits()
        return s
}
function revision(   s, n, i) {
        s = rnd(8) == 0 ? letters() : digits()
        n = rnd(4)
        for (i = 0; i < n; i++) s = s pick(". + ~ ubuntu deb bpo") piece(". + ~")
        if (rnd(40) == 0) s = s pick("_ : @")                           # dpkg warns
        return s
}
function epoch(   r) {
        r = rnd(100)
        if (r < 70) return ""
        if (r < 93) return (rnd(5) == 0 ? "00" : "") rnd(r < 85 ? 10 : 100000) ":"
        return pick("0: 1: 00: +1: -0: 2147483647: 0002147483647: 2147483648: -1: : a: 1a: 99999999999999999999:")
}
function version(   v, r, e) {
        e = epoch()
        v = e upstream(e != "" || rnd(20) == 0)
        if (rnd(2)) v = v "-" revision()
        r = rnd(60)                                                     # errors for dpkg
        if (r == 0) v = v "-"
        else if (r == 1) v = pick("0 1 12") ":"
        else if (r == 2) v = "-" revision()
        return v
}
# A version close to v: the cases where an off-by-one in a comparator hides.
function near(v,   r, i, c) {
        r = rnd(14)
        if (r == 0) return v "~"
        if (r == 1) return v "0"
        if (r == 2) return v ".0"
        if (r == 3) return v "-0"
        if (r == 4) return "0:" v
        if (r == 5) return v "+"
        if (r == 6) return v "a"
        if (r == 7) { i = index(v, "."); return i ? substr(v, 1, i - 1) "+" substr(v, i + 1) : v "~~" }
        if (r == 8) { i = match(v, /[0-9]/); return i ? substr(v, 1, i - 1) "0" substr(v, i) : v }
        if (r == 9) { i = match(v, /[1-9]/); if (!i) return v "1"
                      c = substr(v, i, 1) + (rnd(2) ? 1 : -1)
                      return substr(v, 1, i - 1) c substr(v, i + 1) }
        if (r == 10) return substr(v, 1, length(v) - 1)
        if (r == 11) return v
        if (r == 12) { i = 1 + rnd(length(v)); return substr(v, 1, i - 1) pick("~ . + a Z 0 9") substr(v, i + 1) }
        return version()
}
BEGIN {
        state = seed % 2147483646 + 1
        for (p = 0; p < pairs; p++) {
                a = version()
                b = rnd(10) < 5 ? near(a) : version()
                if (a == "" || b == "") { p--; continue }
                if (rnd(2)) print a " " b; else print b " " a
        }
}' >"$tmp/pairs"

# The reference: dpkg exits 0 when the relation holds, 1 when not, 2 when a
# version is invalid ("--" so that versions may start with '-').
dpkg_cmp() {
        rc=0
        dpkg --compare-versions -- "$1" lt "$2" 2>/dev/null || rc=$?
        case $rc in
        0) echo "<"; return ;;
        2) echo "error"; return ;;
        esac
        rc=0
        dpkg --compare-versions -- "$1" gt "$2" 2>/dev/null || rc=$?
        case $rc in
        0) echo ">" ;;
        1) echo "=" ;;
        *) echo "dpkg-exit-$rc" ;;
        esac
}

# Two halves in parallel; dpkg's start-up is most of the run time.
total=$(wc -l <"$tmp/pairs")
half=$(( (total + 1) / 2 ))
split -l "$half" "$tmp/pairs" "$tmp/part."
for part in "$tmp"/part.*; do
        while read -r a b; do dpkg_cmp "$a" "$b"; done <"$part" >"$part.dpkg" &
done
wait

"$PORTCULLIS" vercmp --batch deb <"$tmp/pairs" | sed 's/^error: .*/error/' >"$tmp/ours"
cat "$tmp"/part.*.dpkg >"$tmp/dpkg"

mismatches=$(paste -d '\t' "$tmp/pairs" "$tmp/dpkg" "$tmp/ours" | awk -F '\t' '$2 != $3' | tee "$tmp/diff" | wc -l)
errors=$(grep -c '^error$' "$tmp/dpkg" || true)
echo "checked $total pairs against dpkg (seed $SEED): $errors invalid for dpkg, $mismatches mismatches"
if [ "$mismatches" -ne 0 ]; then
        echo "pair / dpkg / portcullis:"
        head -n 50 "$tmp/diff"
        exit 1
fi

# The single-pair command: same answer, exit 0, and exit 2 with a message
# naming the version where dpkg errors.  A sample, one process per pair.
fail=0
checked=0
paste -d ' ' "$tmp/pairs" "$tmp/dpkg" | awk 'NR % 40 == 1 || $3 == "error"' | head -n 150 >"$tmp/sample"
while read -r a b want; do
        set +e
        got=$("$PORTCULLIS" vercmp deb "$a" "$b" 2>"$tmp/stderr")
        rc=$?
        set -e
        checked=$((checked + 1))
        if [ "$want" = error ]; then
                if [ "$rc" -ne 2 ] || [ -n "$got" ] || ! grep -q "invalid Debian version" "$tmp/stderr"; then
                        echo "MISMATCH single: '$a' '$b': want exit 2 and a message, got exit $rc '$got'"
                        fail=1
                fi
        elif [ "$rc" -ne 0 ] || [ "$got" != "$want" ]; then
                echo "MISMATCH single: '$a' '$b': want '$want', got exit $rc '$got'"
                fail=1
        fi
done <"$tmp/sample"
echo "checked $checked single-pair invocations"
exit "$fail"
