#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Differential test for NuGet versions, on the part of NuGet's order that
# SemVer 2.0 defines: random SemVer 2.0 pairs (lower-case labels, numbers
# within 32 bits, build metadata) compared by `portcullis vercmp --batch
# nuget` and by node-semver's compare(), the npm registry's semver package.
# No .NET runs on our machines, so NuGet's own NuGet.Versioning is not the
# reference here: four-part versions, case-insensitive labels, leading
# zeros and 32-bit limits are table-tested from its documented rules in
# tests/test-version-lang2.c.
#
#   VERCMP_SEED   generator seed (default: the date); a failure prints it
#   VERCMP_PAIRS  number of pairs (default 8000)
#
# Exit 77 (skip) without node or semver.
set -eu
export LC_ALL=C

: "${PORTCULLIS:?PORTCULLIS must name the portcullis binary}"
SEED=${VERCMP_SEED:-$(date +%Y%m%d)}
PAIRS=${VERCMP_PAIRS:-8000}

if ! command -v node >/dev/null 2>&1; then
        echo "skip: node not found"
        exit 77
fi
# semver installed from the npm registry (npm install -g semver), else the
# copy npm itself carries.
root=$(npm root -g 2>/dev/null || echo /usr/lib/node_modules)
NODE_PATH="$root:$root/npm/node_modules${NODE_PATH:+:$NODE_PATH}"
export NODE_PATH
if ! node -e 'require("semver")' 2>/dev/null; then
        echo "skip: the semver package is not installed (npm install -g semver)"
        exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nuget-diff.XXXXXX")
[ -n "${VERCMP_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT INT TERM

awk -v seed="$SEED" -v pairs="$PAIRS" '
function rnd(n) { state = (state * 16807) % 2147483647; return int(state / 2147483647 * n) }
function pick(s,   a, n) { n = split(s, a, " "); return a[rnd(n) + 1] }
function number(   r) {
        r = rnd(100)
        if (r < 10) return pick("0 1 2147483647 2147483646 10 99")
        return r < 80 ? rnd(10) : rnd(r < 95 ? 1000 : 2147483647)
}
function label(   r) {
        r = rnd(10)
        if (r < 4) return number()
        return pick("alpha beta rc pre a b z x-y a-1 1a 0a rc-1 beta2 alpha10 preview zzz dev 1- a--b")
}
function version(   v, n, i) {
        v = number() "." number() "." number()
        if (rnd(2)) {
                v = v "-" label()
                n = rnd(4)
                for (i = 0; i < n; i++) v = v "." label()
        }
        if (rnd(6) == 0) v = v "+" pick("build.1 sha.0abc 001 meta-data x")
        return v
}
function near(v,   r, i) {
        r = rnd(10)
        if (r == 0) return v ".0"
        if (r == 1) return v "-alpha"
        if (r == 2) return v (index(v, "-") ? "." : "-") label()
        if (r == 3) { i = index(v, "+"); return i ? substr(v, 1, i - 1) : v "+build" }
        if (r == 4) { i = index(v, "-"); return i ? substr(v, 1, i - 1) : v }
        if (r == 5) return v
        return version()
}
BEGIN {
        state = seed % 2147483646 + 1
        for (p = 0; p < pairs; p++) {
                a = version()
                b = rnd(10) < 6 ? near(a) : version()
                # near() may add a fourth part ("1.2.3.0"): that is no SemVer
                if (split(a, x, /[-+]/) && split(x[1], y, ".") != 3) { p--; continue }
                if (split(b, x, /[-+]/) && split(x[1], y, ".") != 3) { p--; continue }
                if (rnd(2)) print a " " b; else print b " " a
        }
}' >"$tmp/pairs"

cat >"$tmp/cmp.js" <<'JS'
const semver = require("semver");
const lines = require("fs").readFileSync(0, "utf8").split("\n").filter((l) => l);
const out = [];
for (const line of lines) {
        const [a, b] = line.split(" ");
        if (!semver.valid(a) || !semver.valid(b)) {
                out.push("invalid");
                continue;
        }
        const c = semver.compare(a, b);
        out.push(c < 0 ? "<" : c > 0 ? ">" : "=");
}
process.stdout.write(out.join("\n") + "\n");
JS
node "$tmp/cmp.js" <"$tmp/pairs" >"$tmp/ref"
. "$(dirname "$0")/differential-lib.sh"
if grep -q '^invalid$' "$tmp/ref"; then
        echo "the generator made versions that node-semver calls invalid:"
        paste -d ' ' "$tmp/pairs" "$tmp/ref" | grep ' invalid$' | head
        exit 1
fi
pairs_check "$tmp" nuget node-semver "SemVer 2.0 pairs against node-semver $(node -p 'require("semver/package.json").version') (seed $SEED)"
pairs_single "$tmp" NuGet
