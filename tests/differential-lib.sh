# SPDX-License-Identifier: Apache-2.0
# Sourced by the differential version tests: pairs from a generator with a
# fixed seed and a fresh one, compared by `portcullis vercmp --batch` and
# by a reference that prints "<", "=", ">" or "error" per pair.
#
#   diff_run NAME ECOSYSTEM GENERATOR PAIRS FIXED_SEED SEED_VAR REFERENCE...
#
# DIFF_FLAVOR, when set, is the generator's first argument.
# The fresh seed is printed; SEED_VAR=N reruns with N as the only seed.
# Our "error: MESSAGE" counts as "error"; an error message must name the
# version ('...').  Exits 1 on any mismatch, listing the first 50.

diff_run() {
        local name=$1 eco=$2 gen=$3 pairs=$4 fixed=$5 seedvar=$6 seeds fresh total mismatches
        shift 6
        fresh=${!seedvar:-}
        if [ -n "$fresh" ]; then
                seeds=$fresh
        else
                fresh=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
                seeds="$fixed $fresh"
        fi
        : >"$T/pairs"
        for s in $seeds; do
                python3 "$gen" ${DIFF_FLAVOR:+"$DIFF_FLAVOR"} "$s" "$pairs" >>"$T/pairs" || { echo "FAIL: generator (seed $s)"; exit 1; }
        done
        "$@" <"$T/pairs" >"$T/ref" || { echo "FAIL: the reference ($name) failed"; exit 1; }
        "$P" vercmp --batch "$eco" <"$T/pairs" >"$T/ours.raw" || { echo "FAIL: portcullis vercmp --batch $eco"; exit 1; }
        if grep '^error:' "$T/ours.raw" | grep -v "version '" | head -n 5 | grep -q .; then
                echo "FAIL: error messages that don't name the version:"
                grep '^error:' "$T/ours.raw" | grep -v "version '" | head -n 5
                exit 1
        fi
        sed 's/^error:.*/error/' "$T/ours.raw" >"$T/ours"
        total=$(wc -l <"$T/pairs")
        mismatches=$(paste -d '\t' "$T/pairs" "$T/ref" "$T/ours" | awk -F '\t' '$2 != $3' | tee "$T/diff" | wc -l)
        echo "checked $total $eco pairs against $name (seeds $seeds; rerun with $seedvar=N):" \
             "$(grep -c '^[<=>]$' "$T/ref") ordered, $(grep -c '^error$' "$T/ref") invalid," \
             "$mismatches mismatches"
        if [ "$mismatches" -ne 0 ] || [ "$(wc -l <"$T/ref")" -ne "$total" ] || [ "$(wc -l <"$T/ours")" -ne "$total" ]; then
                echo "pair / $name / portcullis:"
                head -n 50 "$T/diff" | cat -A
                exit 1
        fi
}

# For the tests that generate pairs themselves (awk) into DIR/pairs and ask
# their reference into DIR/ref:
#
#   pairs_check DIR ECO REFERENCE WHAT
#
# compares `portcullis vercmp --batch ECO` with the reference, prints
# "checked N WHAT: M mismatches" and exits 1 on any (listing the first 40).
pairs_check() {
        local dir=$1 eco=$2 ref=$3 what=$4 total mismatches
        "$PORTCULLIS" vercmp --batch "$eco" <"$dir/pairs" | sed 's/^error: .*/error/' >"$dir/ours"
        total=$(wc -l <"$dir/pairs")
        if [ "$(wc -l <"$dir/ref")" -ne "$total" ]; then
                echo "$ref gave $(wc -l <"$dir/ref") answers for $total pairs"
                exit 1
        fi
        mismatches=$(paste -d '\t' "$dir/pairs" "$dir/ref" "$dir/ours" | awk -F '\t' '$2 != $3' | tee "$dir/diff" | wc -l)
        echo "checked $total $what: $mismatches mismatches"
        if [ "$mismatches" -ne 0 ]; then
                echo "pair / $ref / portcullis:"
                head -n 40 "$dir/diff"
                exit 1
        fi
}

#   pairs_single DIR OSV_NAME [AWK_CONDITION]
#
# every 100th pair (those matching the condition) through the single-pair
# command under the OSV name: the same answers; exits with 1 on a mismatch.
pairs_single() {
        local dir=$1 name=$2 cond=${3:-1} fail=0 checked=0 a b want got
        paste -d ' ' "$dir/pairs" "$dir/ref" | awk "NR % 100 == 1 && ($cond)" >"$dir/sample"
        while read -r a b want; do
                got=$("$PORTCULLIS" vercmp "$name" -- "$a" "$b") || got="exit $?"
                checked=$((checked + 1))
                if [ "$got" != "$want" ]; then
                        echo "MISMATCH single: '$a' '$b': want '$want', got '$got'"
                        fail=1
                fi
        done <"$dir/sample"
        echo "checked $checked single-pair invocations"
        exit "$fail"
}
