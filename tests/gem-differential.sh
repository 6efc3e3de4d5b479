#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Differential test: random RubyGems version pairs, compared by
# `portcullis vercmp --batch gem` and by Ruby's own Gem::Version#<=>
# (Debian's ruby), invalid versions included (both must refuse them).
#
#   VERCMP_SEED   generator seed (default: the date); a failure prints it
#   VERCMP_PAIRS  number of pairs (default 8000)
#
# Exit 77 (skip) without ruby.
set -eu
export LC_ALL=C

: "${PORTCULLIS:?PORTCULLIS must name the portcullis binary}"
SEED=${VERCMP_SEED:-$(date +%Y%m%d)}
PAIRS=${VERCMP_PAIRS:-8000}

if ! command -v ruby >/dev/null 2>&1; then
        echo "skip: ruby not found (scripts/install-deps.sh installs it)"
        exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gem-diff.XXXXXX")
[ -n "${VERCMP_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT INT TERM

awk -v seed="$SEED" -v pairs="$PAIRS" '
function rnd(n) { state = (state * 16807) % 2147483647; return int(state / 2147483647 * n) }
function pick(s,   a, n) { n = split(s, a, " "); return a[rnd(n) + 1] }
function digits(   n, s, i, r) {
        r = rnd(100)
        if (r < 10) return pick("0 00 000 01 007 0000000000000000000000")
        n = r < 75 ? 1 : r < 92 ? 2 + rnd(3) : 15 + rnd(15)     # past 64 bits too
        s = ""
        for (i = 0; i < n; i++) s = s substr("0123456789", rnd(10) + 1, 1)
        return s
}
function word() { return pick("a b c z A Z pre rc rc1 RC alpha beta beta2 dev pre1 x1y 1a a1 ALPHA Beta") }
function part() { return rnd(10) < 7 ? digits() : word() }
function noise(   n, s, i, cs) {
        cs = "0123456789...--aAzZ_+"
        n = 1 + rnd(10)
        s = ""
        for (i = 0; i < n; i++) s = s substr(cs, rnd(length(cs)) + 1, 1)
        return s
}
function version(   v, n, i) {
        if (rnd(15) == 0) return noise()
        v = digits()
        n = rnd(5)
        for (i = 0; i < n; i++) v = v "." part()
        if (rnd(5) == 0) {
                v = v "-" part()
                n = rnd(3)
                for (i = 0; i < n; i++) v = v (rnd(3) ? "." : "-") part()
        }
        return v
}
function near(v,   r, i) {
        r = rnd(12)
        if (r == 0) return v ".0"
        if (r == 1) return v ".0.0"
        if (r == 2) return v ".a"
        if (r == 3) return v "-1"
        if (r == 4) return v pick(".pre .rc1 .1 -rc.1 .a.0 .0.a")
        if (r == 5) { i = index(v, "-"); return i ? substr(v, 1, i - 1) ".pre." substr(v, i + 1) : v ".pre" }
        if (r == 6) { i = match(v, /[0-9]/); return i ? substr(v, 1, i - 1) "0" substr(v, i) : v }
        if (r == 7 && length(v) > 1) return substr(v, 1, length(v) - 1)
        if (r == 8) return toupper(v)
        if (r == 9) return v
        if (r == 10) { i = 1 + rnd(length(v)); return substr(v, 1, i - 1) pick(". - 0 a") substr(v, i) }
        return version()
}
BEGIN {
        state = seed % 2147483646 + 1
        print "1.0.a 1.0"; print "1.0.0 1"; print "1.0.a.0 1.0.a"; print "1.0-rc1 1.0.pre.rc1"; print "1.a 1.b"
        print "1.0.A 1.0.a"; print "1.0a 1.0.a"; print "01.2 1.2"; print "1.0.0.a.1.0 1.a.1"; print "1.0b1 1.0.b.1"
        print "1..0 1.0"; print "1.0- 1.0"; print "-1 1"; print "a 1"
        for (p = 0; p < pairs; p++) {
                a = version()
                b = rnd(10) < 6 ? near(a) : version()
                if (a == "" || b == "") { p--; continue }
                if (rnd(2)) print a " " b; else print b " " a
        }
}' >"$tmp/pairs"

cat >"$tmp/cmp.rb" <<'RUBY'
require "rubygems"
STDOUT.sync = false
STDIN.each_line do |line|
  a, b = line.chomp.split(" ", 2)
  if Gem::Version.correct?(a) && Gem::Version.correct?(b)
    c = Gem::Version.new(a) <=> Gem::Version.new(b)
    puts(c < 0 ? "<" : c > 0 ? ">" : "=")
  else
    puts "error"
  end
end
RUBY
ruby "$tmp/cmp.rb" <"$tmp/pairs" >"$tmp/ref"
. "$(dirname "$0")/differential-lib.sh"
invalid=$(grep -c '^error$' "$tmp/ref" || true)
pairs_check "$tmp" gem ruby "pairs against Gem::Version of rubygems $(ruby -e 'print Gem::VERSION') (seed $SEED), $invalid with an invalid version"
pairs_single "$tmp" RubyGems '$3 != "error"'
