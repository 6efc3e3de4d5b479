#!/bin/bash
# Never allow in silence, with the real runtime and real data: runc runs
# portcullis-hook against a database of the 1,272 real Debian 12 advisories.
#  - a real Alpine 3.11 image (no Alpine record in the DB),
#  - a static image (busybox alone: no package database),
#  - a Debian image whose findings all have UNKNOWN severity (the advisories
#    carry no CVSS and no CVE scores were imported)
# each start under the built-in policy with a warning in the audit line
# (decision warn, what was not checked named), is blocked under
# on_unchecked deny / unknown_as HIGH with one line that says what was not
# checked, and a scope can allow the static image.  The cache hit decides
# the same as the miss.  And a dpkg database with a damaged stanza, an
# unpacked package, a package listed twice (section 6).
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
DATA=${PC_SHARED_DATA:-}
ADVISORIES=$DATA/vulndb/debian12-changelogs
IMAGE=$DATA/rootfs/trivy/alpine-311.tar.gz
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
command -v runc >/dev/null || { echo "skip: runc not installed"; exit 77; }
[ -d "$ADVISORIES" ] && [ -f "$IMAGE" ] || { echo "skip: shared data not found"; exit 77; }
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || { echo "skip: no static busybox (busybox-static)"; exit 77; }

T=$(mktemp -d /tmp/pc-unchecked-XXXXXX)
trap 'for c in $(runc list -q 2>/dev/null | grep "^pcu-$$-"); do runc delete -f "$c" >/dev/null 2>&1; done; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

DB=$T/vulndb.sqlite
"$P" db import "$ADVISORIES" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }

# db status says what the DB covers and that nothing rates its records.
"$P" db status --db "$DB" >"$T/status.out" 2>"$T/status.err" || fail "db status"
grep -q "^ecosystem:   Debian:12=1272" "$T/status.out" && grep -q "^unrated:     1272" "$T/status.out" ||
        fail "db status: $(cat "$T/status.out")"
grep -q "warning: 1272 of 1272 records (100%) have no severity" "$T/status.err" || fail "db status: no warning"

# The Alpine image, its one layer unpacked.
mkdir -p "$T/image" "$T/alpine"
tar -xzf "$IMAGE" -C "$T/image" || { echo "FAIL: unpack $IMAGE"; exit 1; }
layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' "$T/image/manifest.json")
tar -xf "$T/image/$layer" -C "$T/alpine" --no-same-owner --exclude 'dev/*' || { echo "FAIL: unpack layer"; exit 1; }
mkdir -p "$T/alpine/proc" "$T/alpine/dev" "$T/alpine/sys"

# A static image: busybox and nothing else.
busybox_rootfs "$T/static"

# Debian with curl 7.88.1-10+deb12u3: 18 real advisories, none rated.
busybox_rootfs "$T/debian"
mkdir -p "$T/debian/etc" "$T/debian/var/lib/dpkg"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/debian/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n' \
        >"$T/debian/var/lib/dpkg/status"

LOG=$T/audit.log
# config NAME POLICY-JSON
config() {
        printf '%s\n' "$2" >"$T/$1.policy.json"
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
                "$DB" "$T/cache.db" "$T/locks" "$T/$1.policy.json" "$LOG" >"$T/$1.config.json"
}

# bundle NAME ROOTFS CONFIG IMAGE; start NAME (sets OUT and RC)
bundle() { runc_bundle "$T/bundles/$1" "$T/$2" "$T/$3.config.json" "$4"; }
n=0
start() {
        n=$((n + 1))
        runc_start "$T/bundles/$1" "pcu-$$-$n"
}

# audit_is DECISION SUBSTRING-OF-UNCHECKED [CACHE]: the last audit line
audit_is() {
        tail -1 "$LOG" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
want, text = sys.argv[1], sys.argv[2]
cache = sys.argv[3] if len(sys.argv) > 3 else None
assert d["decision"] == want, "decision %r, want %r" % (d["decision"], want)
assert text in (d.get("unchecked") or ""), "unchecked %r lacks %r" % (d.get("unchecked"), text)
assert d["summary"] is not None and "not_checked" in d["summary"], d["summary"]
assert cache is None or d["cache"] == cache, "cache %r, want %r" % (d["cache"], cache)
' "$@"
}

# reason_is DECISION SUBSTRING-OF-REASON POLICY: the last audit line, a failure's
reason_is() {
        tail -1 "$LOG" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["decision"] == sys.argv[1], "decision %r, want %r" % (d["decision"], sys.argv[1])
assert sys.argv[2] in (d.get("reason") or ""), "reason %r lacks %r" % (d.get("reason"), sys.argv[2])
assert d["policy"] == sys.argv[3], "policy %r" % d["policy"]
' "$@"
}

config default '{}'     # a policy that names nothing: the defaults
config deny '{"on_unchecked": "deny"}'
config unknownhigh '{"severity": "HIGH", "unknown_as": "HIGH"}'
config scoped '{"on_unchecked": "deny", "scopes": [{"name": "static", "match": {"images": ["example.com/static/*"]}, "on_unchecked": "allow"}]}'

# 1. Alpine against a Debian-only DB: not checked.
bundle a1 alpine default example.com/alpine:3.11
start a1
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "alpine, defaults: did not start: $OUT"
audit_is warn "Alpine:v3.11" || fail "alpine, defaults: audit line"
bundle a2 alpine deny example.com/alpine:3.11
start a2
[ "$RC" -ne 0 ] || fail "alpine, on_unchecked deny: started"
grep -q started <<<"$OUT" && fail "alpine, on_unchecked deny: the process ran"
grep -qF "portcullis: blocked example.com/alpine:3.11: not checked: Alpine:v3.11: the vulnerability database has no record for ecosystem Alpine:v3.11" <<<"$OUT" ||
        fail "alpine, on_unchecked deny: no block line in: $OUT"
audit_is deny "Alpine:v3.11" hit || fail "alpine, on_unchecked deny: audit line (a cache hit)"

# 2. A static image: no package database.
bundle s1 static default example.com/static/app:1
start s1
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "static, defaults: did not start: $OUT"
audit_is warn "no package database found" || fail "static, defaults: audit line"
bundle s2 static deny example.com/app:1
start s2
[ "$RC" -ne 0 ] && grep -qF "portcullis: blocked example.com/app:1: not checked: the image: no package database found" <<<"$OUT" ||
        fail "static, on_unchecked deny: not blocked: $RC $OUT"
bundle s3 static scoped example.com/static/app:1
start s3
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "static, scope allows: did not start: $OUT"
audit_is allow "no package database found" || fail "static, scope allows: audit line"
bundle s4 static scoped example.com/other:1
start s4
[ "$RC" -ne 0 ] || fail "static, outside the scope: started"

# 2b. A Debian image whose dpkg database is gone, with a Python package the
# DB has records of (so nothing else is not checked): the distribution's
# packages were not checked, which the language package does not make up for.
printf '{"id": "PCEX-PYPI-1", "modified": "2026-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI",
  "name": "django"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]}\n' \
        >"$T/pypi.json"
"$P" db import "$ADVISORIES" "$T/pypi.json" --db "$T/pypi.sqlite" >/dev/null || fail "import with a PyPI record"
busybox_rootfs "$T/nodpkg"
mkdir -p "$T/nodpkg/etc" "$T/nodpkg/usr/lib/python3/dist-packages/Django-4.2.1.dist-info"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/nodpkg/etc/os-release"
printf 'Metadata-Version: 2.1\nName: Django\nVersion: 4.2.1\n' \
        >"$T/nodpkg/usr/lib/python3/dist-packages/Django-4.2.1.dist-info/METADATA"
DB=$T/pypi.sqlite config nodpkg '{"on_unchecked": "deny"}'
bundle np1 nodpkg nodpkg example.com/nodpkg:1
start np1
[ "$RC" -ne 0 ] && grep -qF "portcullis: blocked example.com/nodpkg:1: not checked: Debian:12: etc/os-release (ID=debian, VERSION_ID=12) names a distribution, but no package database of it was found" <<<"$OUT" ||
        fail "Debian without its dpkg database, a Python package: not blocked: $RC $OUT"
audit_is deny "names a distribution, but no package database" || fail "Debian without dpkg: audit line"

# 3. UNKNOWN severities: not known to be below the threshold.
bundle d1 debian default example.com/debian:12
start d1
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "debian, defaults: did not start: $OUT"
audit_is warn "18 findings of UNKNOWN severity" || fail "debian, defaults: audit line"
bundle d2 debian unknownhigh example.com/debian:12
start d2
[ "$RC" -ne 0 ] && grep -qF "portcullis: blocked example.com/debian:12: 18 findings of UNKNOWN severity, counted as HIGH" <<<"$OUT" ||
        fail "debian, unknown_as HIGH: not blocked: $RC $OUT"

# 4. report: every finding counted like Harbor's summary (total, fixable),
# the threshold marked, what was not checked; also as JSON.
config low '{"unknown_as": "LOW"}'
bundle d3 debian low example.com/debian:12-allowed
start d3
[ "$RC" -eq 0 ] || fail "debian, unknown_as LOW: did not start: $OUT"
audit_is allow "" || fail "debian, unknown_as LOW: audit line"
"$P" report --log "$LOG" >"$T/report.txt" || fail "report"
row=$(grep "example.com/debian:12-allowed" "$T/report.txt")
read -r -a cells <<<"$(sed 's/.*allowed *//' <<<"$row")"
# NAMESPACE MODE C H M L N U TOTAL FIX UNCHK
[ "${cells[2]}" = "0*" ] && [ "${cells[6]}" = "0" ] && [ "${cells[7]}" = "18" ] && [ "${cells[8]}" = "18" ] &&
        [ "${cells[9]}" = "18" ] && [ "${cells[10]}" = "0" ] || fail "report row: $row"
grep -q "example.com/alpine:3.11 .*not checked: Alpine:v3.11" "$T/report.txt" || fail "report: unchecked not shown"
"$P" report --log "$LOG" --last 2 --format json >"$T/report.json" || fail "report --format json"
python3 - "$T/report.json" <<'PY' || fail "report JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["decisions"]) == 2 and d["skipped"] == 0, d
last = d["decisions"][-1]
assert last["image"] == "example.com/debian:12-allowed" and last["summary"]["total"] == 18, last
assert last["summary"]["UNKNOWN"] == 18 and last["threshold"] == "CRITICAL", last
PY

# 5. The same from the command line: scan says it, --fail-on fails on it.
"$P" scan "$T/alpine" --db "$DB" --format json >"$T/scan.json" 2>"$T/scan.err"
python3 - "$T/scan.json" <<'PY' || fail "scan: unchecked in the JSON"
import json, sys
d = json.load(open(sys.argv[1]))
u = [x for x in d["unchecked"] if x["kind"] == "no_data"]
assert len(u) == 1 and u[0]["subject"] == "Alpine:v3.11" and u[0]["packages"] == 14, d["unchecked"]
assert d["summary"]["not_checked"] == 14, d["summary"]
PY
grep -q "warning: not checked: Alpine:v3.11" "$T/scan.err" || fail "scan: no warning on stderr"
"$P" scan "$T/alpine" --db "$DB" --fail-on CRITICAL >/dev/null 2>&1
[ $? -eq 1 ] || fail "scan --fail-on: passed what it could not check"
"$P" scan "$T/alpine" --db "$DB" --fail-on CRITICAL --allow-unchecked >/dev/null 2>&1 ||
        fail "scan --fail-on --allow-unchecked: failed"

# 6. A package database with what the inventory can't take as it is: a
# stanza it can't read is not checked (said, decided by on_unchecked); a
# package whose files are on disk but not configured ("unpacked": dpkg
# --unpack, a failed postinst) is checked; the same package at two versions
# (a faked newer one beside the real one) is checked at both.
curl_stanza() { printf 'Package: %s\nStatus: install ok %s\nArchitecture: amd64\nSource: curl\nVersion: %s\n\n' "$@"; }
for v in damaged unpacked twice; do
        busybox_rootfs "$T/$v"
        mkdir -p "$T/$v/etc" "$T/$v/var/lib/dpkg"
        printf 'ID=debian\nVERSION_ID="12"\n' >"$T/$v/etc/os-release"
done
curl_stanza libcurl4:amd64 installed 7.88.1-10+deb12u3 >"$T/damaged/var/lib/dpkg/status"
curl_stanza libcurl4 unpacked 7.88.1-10+deb12u3 >"$T/unpacked/var/lib/dpkg/status"
{ curl_stanza libcurl4 installed 1:99; curl_stanza libcurl4 installed 7.88.1-10+deb12u3; } >"$T/twice/var/lib/dpkg/status"
bundle x1 damaged deny example.com/damaged:1
start x1
[ "$RC" -ne 0 ] && grep -qF "portcullis: blocked example.com/damaged:1: not checked: the image: /var/lib/dpkg/status: stanza at line 1 (Package: libcurl4:amd64): an invalid package name in field Package; skipped" <<<"$OUT" ||
        fail "damaged stanza, on_unchecked deny: not blocked: $RC $OUT"
bundle x2 damaged default example.com/damaged:1
start x2
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "damaged stanza, defaults: did not start: $OUT"
audit_is warn "(Package: libcurl4:amd64): an invalid package name" || fail "damaged stanza, defaults: audit line"
"$P" scan "$T/damaged" --db "$DB" --fail-on CRITICAL >/dev/null 2>&1
[ $? -eq 1 ] || fail "scan --fail-on: passed a damaged stanza"
for v in unpacked twice; do
        bundle "$v" "$v" unknownhigh "example.com/$v:1"
        start "$v"
        [ "$RC" -ne 0 ] && grep -qF "portcullis: blocked example.com/$v:1: 18 findings of UNKNOWN severity, counted as HIGH" <<<"$OUT" ||
                fail "$v: not blocked: $RC $OUT"
done
"$P" scan "$T/twice" --db "$DB" --format json >"$T/twice.json" 2>"$T/twice.err"
python3 - "$T/twice.json" <<'PY' || fail "scan: a package at two versions"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["packages"] == 2, d["packages"]
assert {f["installed_version"] for f in d["findings"]} == {"7.88.1-10+deb12u3"} and len(d["findings"]) == 18, d["findings"]
PY
grep -q "package libcurl4 at version .* is also listed in /var/lib/dpkg/status at version" "$T/twice.err" || fail "twice: no warning"

# 7. An image that makes its analysis fail instead (its dpkg status a FIFO):
# an error, but one its content caused, so the stricter of on_error
# (default allow) and on_unchecked decides; an error of the node (the DB
# missing) stays on_error's alone.
busybox_rootfs "$T/fifo"
mkdir -p "$T/fifo/etc" "$T/fifo/var/lib/dpkg"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/fifo/etc/os-release"
mkfifo "$T/fifo/var/lib/dpkg/status"
config warnmode '{"mode": "warn", "on_unchecked": "deny"}'
bundle f1 fifo deny example.com/fifo:1
start f1
[ "$RC" -ne 0 ] && grep -qF "portcullis: blocked example.com/fifo:1: rootfs $T/fifo: read dpkg database: " <<<"$OUT" &&
        grep -qF "is not a regular file or directory; on_unchecked is deny in $T/deny.policy.json" <<<"$OUT" ||
        fail "FIFO status, on_unchecked deny: not blocked: $RC $OUT"
tail -1 "$LOG" | grep -q '"decision":"deny"' || fail "FIFO status, on_unchecked deny: audit line: $(tail -1 "$LOG")"
for c in default warnmode scoped; do
        image=example.com/fifo:1
        [ "$c" = scoped ] && image=example.com/static/fifo:1
        bundle "f-$c" fifo "$c" "$image"
        start "f-$c"
        [ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "FIFO status, $c: did not start: $RC $OUT"
        reason_is allow "rootfs $T/fifo: read dpkg database:" "$T/$c.policy.json" || fail "FIFO status, $c: audit line"
done
# An inventory larger than an analysis may send back (64 MiB): 180,000
# packages with long names in a status under its own 64 MiB cap.  The
# image's doing as well, not the node's.
busybox_rootfs "$T/huge"
mkdir -p "$T/huge/etc" "$T/huge/var/lib/dpkg"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/huge/etc/os-release"
python3 - "$T/huge/var/lib/dpkg/status" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(180000):
        f.write(f"Package: p{i}-{'a' * 120}\nStatus: install ok installed\nArchitecture: amd64\n"
                f"Source: s{i}-{'c' * 80}\nVersion: 1.0-{'b' * 60}\n\n")
PY
bundle h1 huge deny example.com/huge:1
start h1
[ "$RC" -ne 0 ] && grep -qF "portcullis: blocked example.com/huge:1: send the " <<<"$OUT" &&
        grep -qF "larger than the 64 MiB an analysis may send back" <<<"$OUT" &&
        grep -qF "on_unchecked is deny in $T/deny.policy.json" <<<"$OUT" ||
        fail "inventory over 64 MiB, on_unchecked deny: not blocked: $RC $OUT"
# Findings more than the 1 GiB an analysis may use holds: 1,500 binary
# packages of one source, 1,500 records of it (2,250,000 findings; the
# source of texlive builds as many).  The image's doing too, as an
# inventory past that memory is, not the node's "out of memory" for
# on_error alone.  (A sanitizer build sets no RLIMIT_AS: left out there.)
if ! grep -q __asan_init "$HOOK"; then
        busybox_rootfs "$T/onesrc"
        mkdir -p "$T/onesrc/etc" "$T/onesrc/var/lib/dpkg" "$T/onesrc-feed"
        printf 'ID=debian\nVERSION_ID="12"\n' >"$T/onesrc/etc/os-release"
        python3 - "$T/onesrc/var/lib/dpkg/status" "$T/onesrc-feed" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(1500):
        f.write(f"Package: bin{i}\nStatus: install ok installed\nArchitecture: amd64\nSource: onesrc\nVersion: 1.0-1\n\n")
for i in range(1500):
    with open(f"{sys.argv[2]}/PCEX-ONE-{i}.json", "w") as f:
        json.dump({"id": f"PCEX-ONE-{i}", "modified": "2026-11-22T00:00:00Z",
                   "affected": [{"package": {"ecosystem": "Debian:12", "name": "onesrc"},
                                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}, f)
PY
        "$P" db import "$T/onesrc-feed" --db "$T/onesrc.db" >/dev/null || fail "import onesrc"
        sed "s|$DB|$T/onesrc.db|" "$T/deny.config.json" >"$T/onesrc.config.json"
        bundle o1 onesrc onesrc example.com/onesrc:1
        start o1
        [ "$RC" -ne 0 ] && grep -qF "portcullis: blocked example.com/onesrc:1: the analysis of the image needs more than the 1024 MiB it may use (its packages' findings): " <<<"$OUT" &&
                grep -qF "on_unchecked is deny in $T/deny.policy.json" <<<"$OUT" ||
                fail "findings over the memory, on_unchecked deny: not blocked: $RC $OUT"
        # 1,200 of the packages, 800 of the records: 960,000 findings in
        # that memory, but more than an analysis may send back.
        mkdir "$T/onesrc-feed800"
        for i in $(seq 0 799); do ln "$T/onesrc-feed/PCEX-ONE-$i.json" "$T/onesrc-feed800/"; done
        "$P" db import "$T/onesrc-feed800" --db "$T/onesrc800.db" >/dev/null || fail "import onesrc800"
        sed -i '/^Package: bin1[2-4][0-9][0-9]$/,/^$/d' "$T/onesrc/var/lib/dpkg/status"
        sed "s|$DB|$T/onesrc800.db|" "$T/deny.config.json" >"$T/onesrc800.config.json"
        bundle o2 onesrc onesrc800 example.com/onesrc:1
        start o2
        [ "$RC" -ne 0 ] && grep -qF "portcullis: blocked example.com/onesrc:1: send the findings: larger than the 64 MiB an analysis may send back (the findings of the image's packages); the image was not checked" <<<"$OUT" &&
                grep -qF "on_unchecked is deny in $T/deny.policy.json" <<<"$OUT" ||
                fail "findings over 64 MiB, on_unchecked deny: not blocked: $RC $OUT"
fi
sed "s|$DB|$T/no-such.db|" "$T/deny.config.json" >"$T/nodb.config.json"
bundle n1 debian nodb example.com/debian:12
start n1
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "no DB, on_unchecked deny: did not start: $RC $OUT"
reason_is allow "vulnerability database $T/no-such.db" "$T/deny.policy.json" || fail "no DB: audit line"

[ "$fails" -eq 0 ] || exit 1
echo "ok: Alpine without data, a static image, UNKNOWN severities and a damaged, unreadable or oversized package database are never passed in silence"
