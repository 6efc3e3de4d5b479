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
