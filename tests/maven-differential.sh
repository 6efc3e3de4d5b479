#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Differential test: random Maven version pairs, compared by
# `portcullis vercmp --batch maven` and by Maven's own
# org.apache.maven.artifact.versioning.ComparableVersion (Debian's
# maven-artifact jar, run by a small Java program compiled here), plus
# every pair in ../shared/data/version/maven/.
#
#   VERCMP_SEED   generator seed (default: the date); a failure prints it
#   VERCMP_PAIRS  number of pairs (default 8000)
#
# Exit 77 (skip) without javac/java or the jar.
set -eu
export LC_ALL=C

: "${PORTCULLIS:?PORTCULLIS must name the portcullis binary}"
SEED=${VERCMP_SEED:-$(date +%Y%m%d)}
PAIRS=${VERCMP_PAIRS:-8000}
SHARED=${PC_SHARED_DATA:-$(dirname "$0")/../../shared/data}

JAR=""
for j in /usr/share/java/maven3-artifact.jar /usr/share/maven/lib/maven-artifact-3.x.jar \
         /usr/share/java/maven-artifact-3.x.jar; do
        [ -r "$j" ] && JAR=$j && break
done
if [ -z "$JAR" ] || ! command -v javac >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
        echo "skip: needs javac, java and Maven's maven-artifact jar (scripts/install-deps.sh installs them)"
        exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/maven-diff.XXXXXX")
[ -n "${VERCMP_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT INT TERM

# The reference: one JVM reads "A B" lines and prints <, = or >.
cat >"$tmp/MavenCmp.java" <<'JAVA'
import java.io.*;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class MavenCmp {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "US-ASCII"));
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, "US-ASCII")));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.split(" ");
            int c = new ComparableVersion(f[0]).compareTo(new ComparableVersion(f[1]));
            out.println(c < 0 ? "<" : c > 0 ? ">" : "=");
        }
        out.flush();
    }
}
JAVA
javac -d "$tmp" -cp "$JAR" "$tmp/MavenCmp.java"

# One pair per line.  Park-Miller generator in plain awk arithmetic, so the
# same seed gives the same pairs with any awk.
awk -v seed="$SEED" -v pairs="$PAIRS" '
function rnd(n) { state = (state * 16807) % 2147483647; return int(state / 2147483647 * n) }
function pick(s,   a, n) { n = split(s, a, " "); return a[rnd(n) + 1] }
function digits(   n, s, i, r) {
        r = rnd(100)
        if (r < 8) return pick("0 00 000 0000000000 0000000000000000000 01 007")
        n = r < 75 ? 1 : r < 90 ? 2 + rnd(3) : r < 95 ? 9 + rnd(3) : 17 + rnd(5)   # int/long/BigInteger edges
        s = rnd(8) == 0 ? "0" : ""
        for (i = 0; i < n; i++) s = s substr("0123456789", rnd(10) + 1, 1)
        return s
}
function qualifier() {
        return pick("alpha beta milestone rc cr snapshot ga final release sp a b m c x abc def redhat pom " \
                    "ALPHA Beta MILESTONE RC CR SNAPSHOT GA Final RELEASE SP A B M Alpha jre android incubating " \
                    "preview dev xyz z _ + RC1")
}
function sep() { return pick(". . . . - - - . -") }
function part(   r) {
        r = rnd(10)
        return r < 6 ? digits() : qualifier()
}
# Any mix of separators, digits and letters: where parsers have corners.
function noise(   n, s, i, cs) {
        cs = "0123456789....----abmAZ_+x"
        n = 1 + rnd(10)
        s = ""
        for (i = 0; i < n; i++) s = s substr(cs, rnd(length(cs)) + 1, 1)
        return s
}
function version(   v, n, i, r) {
        if (rnd(12) == 0) return noise()
        v = rnd(15) == 0 ? qualifier() : digits()
        n = rnd(6)
        for (i = 0; i < n; i++) {
                r = rnd(10)
                # no separator: a digit/letter switch (or a run joined)
                v = v (r < 8 ? sep() : (r == 8 ? "" : sep() sep())) part()
        }
        if (rnd(6) == 0) v = v pick("-SNAPSHOT .RELEASE -sp .Final .GA -GA -alpha-1 -alpha1 -1 .1 -0 .0 - . -redhat-00001 -jre -android")
        return v
}
function near(v,   r, i) {
        r = rnd(14)
        if (r == 0) return v ".0"
        if (r == 1) return v "-0"
        if (r == 2) return v "-SNAPSHOT"
        if (r == 3) return v ".1"
        if (r == 4) return v "-1"
        if (r == 5) { i = index(v, "."); return i ? substr(v, 1, i - 1) "-" substr(v, i + 1) : v "-a" }
        if (r == 6) { i = index(v, "-"); return i ? substr(v, 1, i - 1) "." substr(v, i + 1) : v ".a" }
        if (r == 7) return toupper(v)
        if (r == 8) { i = match(v, /[0-9]/); return i ? substr(v, 1, i - 1) "0" substr(v, i) : v }
        if (r == 9 && length(v) > 1) return substr(v, 1, length(v) - 1)
        if (r == 10) return v
        if (r == 11) return v pick("a1 b2 m3 alpha-1 rc1 cr1 sp1 final ga release")
        if (r == 12) { i = 1 + rnd(length(v)); return substr(v, 1, i - 1) pick(". - 0 a") substr(v, i) }
        return version()
}
BEGIN {
        state = seed % 2147483646 + 1
        # hand-picked nasty forms, always checked
        print "1.0-SNAPSHOT 1.0"; print "1.0.RELEASE 1.0"; print "1.0-sp 1.0"; print "1.0.Final 1.0"
        print "1.0.0.GA 1"; print "1-alpha1 1-alpha-1"; print "1-1 1.1"; print "01.002 1.2"
        print "1.0.0.RC1 1.0.0-RC2"; print "2.0.a 2.0.0.a"; print "1-0.1 1"; print "0000000000000000000.1 1.1"
        print "1.0.final-redhat 1.0-sp1-redhat"; print "1.0-alpha-1.0 1.0-alpha-1"; print "1--1 1-0-1"
        for (p = 0; p < pairs; p++) {
                a = version()
                b = rnd(10) < 6 ? near(a) : version()
                if (a == "" || b == "") { p--; continue }
                if (rnd(2)) print a " " b; else print b " " a
        }
}' >"$tmp/pairs"

# The shared vectors (only the pairs; the expectations there are Maven
# master's, and the jar decides).
for f in "$SHARED/version/maven/ComparableVersionTest.extracted.txt" "$SHARED/version/maven/claircore-compare.list"; do
        [ -r "$f" ] || continue
        awk '/^[^#]/ && NF == 3 && $2 ~ /^(<|>|==|~)$/ { print $1 " " $3 }' "$f" >>"$tmp/pairs"
done

java -cp "$JAR:$tmp" MavenCmp <"$tmp/pairs" >"$tmp/ref"
. "$(dirname "$0")/differential-lib.sh"
pairs_check "$tmp" maven ComparableVersion "pairs against ComparableVersion from $(basename "$(readlink -f "$JAR")") (seed $SEED)"
# The single-pair command and the OSV name give the same answers.
pairs_single "$tmp" Maven
