#!/bin/bash
# An RPM image whose advisories name binary packages (README "How OS
# packages are looked up"): go-rpmdb's real SLE 15 SP3 database, where
# libz1 is built from zlib, libreadline7 from bash, libelf1 from elfutils.
# A SUSE advisory naming the binary libz1 alone (as SUSE's do: Trivy's SLE
# Micro 5.3 data keys libopenssl1_1, not openssl-1_1) finds libz1; one
# naming the source bash finds both of its binaries, at the source's
# version; one naming the source elfutils and its binary libelf1 (as Red
# Hat's records do) gives each package one finding, saying which name the
# record named.  scan, the hook, cache rescan and ps each see libz1's.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
. "$SRC/tests/lib.sh"
NDB=${PC_SHARED_DATA:-}/pkgdb/rpm/go-rpmdb/sle15-bci/Packages.db
[ -f "$NDB" ] || { echo "skip: shared data not found"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/pc-rpmbin-XXXXXX")
ROOT=$T/runc-root
cleanup() {
        command -v runc >/dev/null && runc_delete_all "$ROOT"
        rm -rf "$T"
}
trap cleanup EXIT

R=$T/rootfs
mkdir -p "$R/etc" "$R/usr/lib/sysimage/rpm" "$T/base" "$T/extra" "$T/b"
cp "$NDB" "$R/usr/lib/sysimage/rpm/"
printf 'NAME="SLES"\nID="sles"\nVERSION_ID="15.3"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP3"\n' \
        >"$R/etc/os-release"
ECO="SUSE:Linux Enterprise Server 15 SP3"
PURL="distro=SUSE%20Linux%20Enterprise%20Server%2015%20SP3"
# record FOLDER ID FIXED NAME...: a SUSE advisory naming each NAME, fixed in FIXED
record() {
        local dir=$1 id=$2 fixed=$3 sev='' sep='' n
        shift 3
        [ "$id" = SUSE-SU-2099:0001-1 ] &&
                sev='"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],'
        {
                printf '{"id": "%s", "modified": "2024-01-01T00:00:00Z", %s "affected": [' "$id" "$sev"
                for n in "$@"; do
                        printf '%s{"package": {"ecosystem": "%s", "name": "%s", "purl": "pkg:rpm/suse/%s&%s"},' \
                                "$sep" "$ECO" "$n" "$n" "$PURL"
                        printf ' "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "%s"}]}]}' \
                                "$fixed"
                        sep=', '
                done
                printf ']}\n'
        } >"$dir/$id.json"
}
record "$T/extra" SUSE-SU-2099:0001-1 1.2.11-3.24.1 libz1 zlib-devel
record "$T/base" SUSE-SU-2099:0002-1 4.4-19.9.1 bash
record "$T/base" SUSE-SU-2099:0003-1 0.168-4.5.4 elfutils libelf1
"$P" db import "$T/base" --db "$T/old.sqlite" >/dev/null || fail "import base"
"$P" db import "$T/base" "$T/extra" --db "$T/new.sqlite" >/dev/null || fail "import base and extra"

# findings FILE: "id package record_package installed fixed" per finding, sorted
findings() {
        python3 -c '
import json, sys
for f in sorted(json.load(open(sys.argv[1]))["findings"], key=lambda f: (f["id"], f["package"])):
    print(f["id"], f["package"], f["record_package"], f["installed_version"], f["fixed_version"])' "$1"
}
WANT="SUSE-SU-2099:0001-1 libz1 libz1 1.2.11-3.21.1 1.2.11-3.24.1
SUSE-SU-2099:0002-1 bash bash 4.4-19.6.1 4.4-19.9.1
SUSE-SU-2099:0002-1 libreadline7 bash 7.0-19.6.1 4.4-19.9.1
SUSE-SU-2099:0003-1 libdw1 elfutils 0.168-4.5.3 0.168-4.5.4
SUSE-SU-2099:0003-1 libebl-plugins elfutils 0.168-4.5.3 0.168-4.5.4
SUSE-SU-2099:0003-1 libelf1 libelf1 0.168-4.5.3 0.168-4.5.4"

# scan
"$P" scan "$R" --db "$T/new.sqlite" --format json >"$T/scan.json"
rc=$?
[ "$rc" -le 1 ] || fail "scan: exit $rc"
got=$(findings "$T/scan.json")
[ "$got" = "$WANT" ] || fail "scan's findings:
$got
want:
$WANT"

# the hook (enforce): libz1's record is the one CRITICAL
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$R" >"$T/b/config.json"
printf '{"ociVersion": "1.0.2", "id": "s", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$T/b" >"$T/s.json"
printf '{"mode": "enforce", "severity": "CRITICAL", "on_error": "deny"}\n' >"$T/enforce.json"
printf '{"db": "%s", "cache": "%s/c1.db", "lock_dir": "%s/l1", "policy": "%s", "log": {"syslog": false, "file": "%s/a1.log"}}\n' \
        "$T/new.sqlite" "$T" "$T" "$T/enforce.json" "$T" >"$T/c1.json"
out=$("$HOOK" --config "$T/c1.json" <"$T/s.json" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && grep -q "blocked container s: 1 CRITICAL at or above CRITICAL (SUSE-SU-2099:0001-1 libz1)" <<<"$out" ||
        fail "hook: exit $rc: $out"

# cache rescan: an entry made on the DB without libz1's record, re-matched
# against the one with it
printf '{"mode": "audit", "severity": "LOW"}\n' >"$T/audit.json"
CFG=$T/c2.json
printf '{"db": "%s", "cache": "%s/c2.db", "lock_dir": "%s/l2", "policy": "%s", "log": {"syslog": false, "file": "%s/a2.log"},
 "state_roots": ["%s"]}\n' "$T/old.sqlite" "$T" "$T" "$T/audit.json" "$T" "$ROOT" >"$CFG"
"$HOOK" --config "$CFG" <"$T/s.json" >/dev/null 2>&1 || fail "hook (audit) on the old DB"
out=$("$P" cache rescan --db "$T/new.sqlite" --config "$CFG" 2>&1) || fail "cache rescan: $out"
REV=$("$P" db status --db "$T/new.sqlite" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["revision"])')
KEY=$("$P" cache ls --config "$CFG" --format json | python3 -c '
import json, sys
print(" ".join(e["key"] for e in json.load(sys.stdin)["entries"] if e["db_revision"] == sys.argv[1]))' "$REV")
[ -n "$KEY" ] && [ "$(wc -w <<<"$KEY")" -eq 1 ] || fail "cache rescan: no one entry at the new revision ($KEY): $out"
"$P" cache show "$KEY" --config "$CFG" >"$T/show.json" 2>&1 || fail "cache show $KEY: $(cat "$T/show.json")"
got=$(findings "$T/show.json")
[ "$got" = "$WANT" ] || fail "cache rescan's findings:
$got
want:
$WANT"

# ps: a running container started on the old DB, judged after the update
if [ "$(id -u)" -eq 0 ] && command -v runc >/dev/null && BUSYBOX=$(command -v busybox) &&
        ! ldd "$BUSYBOX" >/dev/null 2>&1; then
        busybox_rootfs "$R"
        mkdir -p "$R/tmp"
        sed -i "s|$T/old.sqlite|$T/ps.sqlite|" "$CFG"
        "$P" db import "$T/base" --db "$T/ps.sqlite" >/dev/null || fail "import base (ps)"
        runc_bundle "$T/bundles/c-suse" "$R" "$CFG" docker.io/library/suse:1
        python3 - "$T/bundles/c-suse/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["/bin/busybox", "sleep", "600"]
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
        timeout 60 runc --root "$ROOT" run -d -b "$T/bundles/c-suse" c-suse </dev/null >"$T/run.out" 2>&1 ||
                fail "runc run: $(cat "$T/run.out")"
        "$P" db import --merge "$T/extra" --db "$T/ps.sqlite" --config "$CFG" >/dev/null 2>&1 || fail "import extra (ps)"
        timeout 120 "$P" ps --config "$CFG" --format json >"$T/ps.json" 2>"$T/ps.err" || fail "ps: $(cat "$T/ps.err")"
        python3 -c '
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["containers"] if c["id"] == "c-suse"]
assert len(c) == 1 and c[0]["verdict"] == "audit", c
assert "SUSE-SU-2099:0001-1 libz1" in c[0]["findings"], c
' "$T/ps.json" || fail "ps: $(cat "$T/ps.json")"
else
        echo "note: ps not checked (needs root, runc and a static busybox)"
fi

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ] || exit 1
