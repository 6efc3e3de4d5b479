#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Differential test: random RPM version pairs, compared by
# `portcullis vercmp --batch rpm` and by rpm itself, the reference:
#   - EVR strings ([epoch:]version[-release]) with rpm.ver(a) < / == rpm.ver(b)
#     (rpmverCmp), which is what `portcullis vercmp rpm` implements;
#   - and, for pairs without ':' or '-', rpm.vercmp(a, b) (rpmvercmp) too,
#     which must then give the same answer.
# All comparisons run in one rpm process (one Lua chunk reading the pairs).
#
#   VERCMP_SEED   generator seed (default 20240611); a failure prints it
#   VERCMP_PAIRS  number of pairs (default 6000)
#
# Exit 77 (skip) without rpm.
set -eu
export LC_ALL=C

: "${PORTCULLIS:?PORTCULLIS must name the portcullis binary}"
SEED=${VERCMP_SEED:-20240611}
PAIRS=${VERCMP_PAIRS:-6000}

if ! command -v rpm >/dev/null 2>&1; then
        echo "skip: rpm not found"
        exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rpmvercmp-diff.XXXXXX")
[ -n "${VERCMP_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT INT TERM

# One pair per line, "A B".  Park-Miller generator in plain awk arithmetic,
# so the same seed gives the same pairs with any awk.  Versions are never
# empty and hold no blanks (the batch format splits on them).
awk -v seed="$SEED" -v pairs="$PAIRS" '
function rnd(n) { state = (state * 16807) % 2147483647; return int(state / 2147483647 * n) }
function pick(s,   a, n) { n = split(s, a, " "); return a[rnd(n) + 1] }
function digits(   n, s, i, r) {
        r = rnd(100)
        n = r < 70 ? 1 + rnd(2) : r < 90 ? 3 + rnd(4) : 15 + rnd(25)   # long runs exceed 64 bits
        s = rnd(5) == 0 ? "0" : ""                                      # leading zeros
        for (i = 0; i < n; i++) s = s substr("0123456789", rnd(10) + 1, 1)
        return s
}
function letters(   n, s, i) {
        n = 1 + rnd(4)
        s = ""
        for (i = 0; i < n; i++) s = s substr("abcdefghijklmnopqrstuvwxyzABCXYZ", rnd(32) + 1, 1)
        return s
}
function sep() { return pick(". . . . _ + ~ ~ ^ ^ % , @ = .. ~~ ^~ ~^") }
function part(   s, n, i, r) {
        r = rnd(20)
        s = r == 0 ? letters() : r == 1 ? sep() : digits()
        n = rnd(6)
        for (i = 0; i < n; i++) {
                r = rnd(10)
                s = s (r < 6 ? sep() : "") (r < 8 ? digits() : letters())
        }
        if (rnd(25) == 0) s = s sprintf("%c", 128 + rnd(128)) digits()  # non-ASCII: a separator
        if (rnd(15) == 0) s = s pick("~ ^ . ~rc1 ^git1 ^20240101 a")
        return s
}
function epoch(   r) {
        r = rnd(100)
        if (r < 65) return ""
        if (r < 90) return (rnd(5) == 0 ? "0" : "") rnd(r < 80 ? 4 : 100000) ":"
        return pick(": 0: 00: 99999999999999999999: 1a: a:")
}
function version(   v, r) {
        v = epoch() part()
        r = rnd(100)
        if (r < 70) v = v "-" part() (rnd(3) == 0 ? "." pick("el9 el8_8 fc39 cm2 1.el9_2") : "")
        else if (r < 73) v = v "-"
        else if (r < 76) v = v "-" part() "-" part()
        return v
}
# A version close to v: where an off-by-one in a comparator hides.
function near(v,   r, i, c) {
        r = rnd(16)
        if (r == 0) return v "~"
        if (r == 1) return v "^"
        if (r == 2) return v ".0"
        if (r == 3) return v "-0"
        if (r == 4) return "0:" v
        if (r == 5) return v "a"
        if (r == 6) return v "0"
        if (r == 7) { i = index(v, "."); return i ? substr(v, 1, i - 1) "_" substr(v, i + 1) : v "." }
        if (r == 8) { i = match(v, /[0-9]/); return i ? substr(v, 1, i - 1) "0" substr(v, i) : v }
        if (r == 9) { i = match(v, /[1-9]/); if (!i) return v "1"
                      c = substr(v, i, 1) + (rnd(2) ? 1 : -1)
                      return substr(v, 1, i - 1) c substr(v, i + 1) }
        if (r == 10 && length(v) > 1) return substr(v, 1, length(v) - 1)
        if (r == 11) return v
        if (r == 12) { i = 1 + rnd(length(v)); return substr(v, 1, i - 1) pick("~ ^ . - : a Z 0 9") substr(v, i + 1) }
        if (r == 13) { i = index(v, "-"); return i ? substr(v, 1, i - 1) : v "-1" }
        return version()
}
BEGIN {
        state = seed % 2147483646 + 1
        for (p = 0; p < pairs; p++) {
                a = version()
                b = rnd(10) < 6 ? near(a) : version()
                if (a == "" || b == "") { p--; continue }
                if (rnd(2)) print a " " b; else print b " " a
        }
}' >"$tmp/pairs"

# rpm's answers, "<", "=" or ">" per line; for pairs without ':' or '-' a
# second column with rpm.vercmp()'s.  The chunk is a file so that rpm's
# macro expansion never sees the versions.
cat >"$tmp/cmp.lua" <<'EOF'
local function sym(c) if c < 0 then return "<" elseif c > 0 then return ">" else return "=" end end
for line in io.lines(PAIRS) do
        local a, b = line:match("^(%S+) (%S+)$")
        local x, y = rpm.ver(a), rpm.ver(b)
        local evr = (x < y) and "<" or ((x == y) and "=" or ">")
        if a:find("[:-]") or b:find("[:-]") then
                io.write(evr, "\n")
        else
                io.write(evr, " ", sym(rpm.vercmp(a, b)), "\n")
        end
end
EOF
rpm --eval "%{lua: PAIRS = '$tmp/pairs'; dofile('$tmp/cmp.lua')}" | sed '/^$/d' >"$tmp/rpm.raw"
total=$(wc -l <"$tmp/pairs")
if [ "$(wc -l <"$tmp/rpm.raw")" -ne "$total" ]; then
        echo "rpm gave $(wc -l <"$tmp/rpm.raw") answers for $total pairs"
        exit 1
fi
# rpm.vercmp() and rpm.ver() must agree wherever both apply.
if awk 'NF == 2 && $1 != $2 { bad++ } END { exit bad ? 0 : 1 }' "$tmp/rpm.raw"; then
        echo "rpm.vercmp() and rpm.ver() disagree on a pair without ':' or '-':"
        paste -d ' ' "$tmp/pairs" "$tmp/rpm.raw" | awk 'NF == 4 && $3 != $4' | head
        exit 1
fi
cut -d ' ' -f 1 "$tmp/rpm.raw" >"$tmp/rpm"
"$PORTCULLIS" vercmp --batch rpm <"$tmp/pairs" | sed 's/^error: .*/error/' >"$tmp/ours"

mismatches=$(paste -d '\t' "$tmp/pairs" "$tmp/rpm" "$tmp/ours" | awk -F '\t' '$2 != $3' | tee "$tmp/diff" | wc -l)
plain=$(awk 'NF == 2' "$tmp/rpm.raw" | wc -l)
echo "checked $total pairs against rpm $(rpm --version | cut -d ' ' -f 3) (seed $SEED): $plain also by rpm.vercmp, $mismatches mismatches"
if [ "$mismatches" -ne 0 ]; then
        echo "pair / rpm / portcullis:"
        head -n 50 "$tmp/diff"
        exit 1
fi

# The single-pair command gives the same answers (a sample, one process each).
fail=0
checked=0
paste -d ' ' "$tmp/pairs" "$tmp/rpm" | awk 'NR % 60 == 1' >"$tmp/sample"
while read -r a b want; do
        got=$("$PORTCULLIS" vercmp rpm -- "$a" "$b") || got="exit $?"
        checked=$((checked + 1))
        if [ "$got" != "$want" ]; then
                echo "MISMATCH single: '$a' '$b': want '$want', got '$got'"
                fail=1
        fi
done <"$tmp/sample"
echo "checked $checked single-pair invocations"
exit "$fail"
