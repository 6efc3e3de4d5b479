#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Differential test: random Composer (Packagist) version pairs, compared by
# `portcullis vercmp --batch composer` and by PHP running Composer's own
# code (Debian's php-composer-semver): VersionParser::normalize() of both,
# then version_compare() as Composer's constraints do; a version Composer
# rejects, and a dev branch against anything but itself, are errors.
#
#   VERCMP_SEED   generator seed (default: the date); a failure prints it
#   VERCMP_PAIRS  number of pairs (default 8000)
#
# Exit 77 (skip) without php or composer/semver.
set -eu
export LC_ALL=C

: "${PORTCULLIS:?PORTCULLIS must name the portcullis binary}"
SEED=${VERCMP_SEED:-$(date +%Y%m%d)}
PAIRS=${VERCMP_PAIRS:-8000}
SEMVER=${COMPOSER_SEMVER_AUTOLOAD:-/usr/share/php/Composer/Semver/autoload.php}

if ! command -v php >/dev/null 2>&1 || [ ! -r "$SEMVER" ]; then
        echo "skip: needs php and composer/semver (php-cli, php-composer-semver: scripts/install-deps.sh)"
        exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/composer-diff.XXXXXX")
[ -n "${VERCMP_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT INT TERM

awk -v seed="$SEED" -v pairs="$PAIRS" '
function rnd(n) { state = (state * 16807) % 2147483647; return int(state / 2147483647 * n) }
function pick(s,   a, n) { n = split(s, a, " "); return a[rnd(n) + 1] }
function digits(   n, s, i, r) {
        r = rnd(100)
        if (r < 6) return pick("0 00 01 007 99999 100000 9223372036854775807 9223372036854775808 99999999999999999999")
        n = r < 75 ? 1 : r < 92 ? 2 : 3 + rnd(4)
        s = ""
        for (i = 0; i < n; i++) s = s substr("0123456789", rnd(10) + 1, 1)
        return s
}
function stability() {
        return pick("stable beta b RC alpha a patch pl p rc beta alpha RC rc Stable STABLE BETA Alpha A B P PL Rc rC dev x")
}
function modifier(   m, n, i) {
        m = pick(". _ - - -  ") stability()
        n = rnd(4) == 0 ? 0 : 1 + rnd(2)
        for (i = 0; i < n; i++) m = m pick(". - ") digits()
        return m
}
function date(   v, n, i) {
        v = "20" substr("0123456789", rnd(10) + 1, 1) substr("0123456789", rnd(10) + 1, 1)
        n = 1 + rnd(6)
        for (i = 0; i < n; i++) v = v pick(". : - ") (rnd(12) ? sprintf("%02d", rnd(60)) : digits())
        return v
}
function noise(   n, s, i, cs) {
        cs = "0123456789...--_+:vxX*@adevpRC"
        n = 1 + rnd(12)
        s = ""
        for (i = 0; i < n; i++) s = s substr(cs, rnd(length(cs)) + 1, 1)
        return s
}
function version(   v, n, i, r) {
        r = rnd(100)
        if (r < 3) return noise()
        if (r < 5) return pick("dev-master dev-main master trunk default dev-feature/x DEV-Foo dev- dev")
        if (r < 20) v = date()
        else {
                v = (rnd(8) == 0 ? pick("v V") : "") digits()
                n = rnd(rnd(6) ? 4 : 6)
                for (i = 0; i < n; i++) v = v "." digits()
        }
        if (rnd(12) == 0) { sub(/(\.[0-9]+)?$/, "", v); v = v pick(".x .X .* .x.x") pick("-dev .dev") }
        else if (rnd(3) == 0) v = v modifier()
        if (rnd(6) == 0) v = v pick("-dev .dev dev _dev -DEV")
        if (rnd(12) == 0) v = v "+" pick("build.1 sha.abc 20240101 x+y")
        if (rnd(15) == 0) v = v "@" pick("dev stable beta RC alpha Dev")
        return v
}
function near(v,   r, i) {
        r = rnd(12)
        if (r == 0) return v ".0"
        if (r == 1) return v "-dev"
        if (r == 2) return v pick("-beta -beta1 -RC1 -alpha.2 -patch1 -p1 -pl1 -stable")
        if (r == 3) return "v" v
        if (r == 4) { i = match(v, /[0-9]/); return i ? substr(v, 1, i - 1) "0" substr(v, i) : v }
        if (r == 5 && length(v) > 1) return substr(v, 1, length(v) - 1)
        if (r == 6) return toupper(v)
        if (r == 7) return v
        if (r == 8) { i = 1 + rnd(length(v)); return substr(v, 1, i - 1) pick(". - 0 a _") substr(v, i) }
        if (r == 9) return v "+meta"
        return version()
}
BEGIN {
        state = seed % 2147483646 + 1
        print "1.0 1.0.0.0"; print "1.0.0-beta2 1.0.0-b2"; print "1.0.0-rc.2-dev 1.0.0-RC2"; print "1.x-dev 1.0"
        print "dev-master dev-master"; print "dev-master 1.0"; print "2010.01.02 2010-01-02"; print "1.0-Stable 1.0-dev"
        print "1.0-pl2 1.0-patch2"; print "1.0@dev 1.0"; print "1.0. 1.0-"; print "123456 1.0"; print "1.0.0.0.0 1.0"
        print "1.99999999999999999999 1.99999999999999999998"; print "1.0-stable-dev 1.0"
        for (p = 0; p < pairs; p++) {
                a = version()
                b = rnd(10) < 6 ? near(a) : version()
                if (a == "" || b == "") { p--; continue }
                if (rnd(2)) print a " " b; else print b " " a
        }
}' >"$tmp/pairs"

cat >"$tmp/cmp.php" <<'PHP'
<?php
require $argv[1];
$parser = new Composer\Semver\VersionParser();
function normal($parser, $v) {
        try {
                return $parser->normalize($v);
        } catch (UnexpectedValueException $e) {
                return null;
        }
}
while (($line = fgets(STDIN)) !== false) {
        list($a, $b) = explode(" ", rtrim($line, "\n"));
        $x = normal($parser, $a);
        $y = normal($parser, $b);
        if ($x === null || $y === null) {
                echo "error\n";
        } elseif (strpos($x, "dev-") === 0 || strpos($y, "dev-") === 0) {
                echo $x === $y ? "=\n" : "error\n";
        } else {
                $c = version_compare($x, $y);
                echo $c < 0 ? "<\n" : ($c > 0 ? ">\n" : "=\n");
        }
}
PHP
php "$tmp/cmp.php" "$SEMVER" <"$tmp/pairs" >"$tmp/ref"
. "$(dirname "$0")/differential-lib.sh"
invalid=$(grep -c '^error$' "$tmp/ref" || true)
pairs_check "$tmp" composer "composer+php" "pairs against composer/semver's normalize() and PHP $(php -r 'echo PHP_VERSION;')'s version_compare() (seed $SEED), $invalid refused"
pairs_single "$tmp" Packagist '$3 != "error"'
