# Shared by the shell tests (sourced): failures, the busybox rootfs, the
# runc bundle with the hook, the OCI images of libcurl4.  A test sets T (its temp folder) and HOOK.

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# go_elf: prints a Go binary to plant in a rootfs (the shared data's test
# binary, else runc), or nothing.
go_elf() {
        local f=${PC_SHARED_DATA:-}/langpkg/trivy/go/test.elf
        [ -f "$f" ] || f=$(command -v runc || true)
        [ -n "$f" ] && [ -f "$f" ] && echo "$f"
}

# dist_info FOLDER NAME VERSION: a Python dist-info folder with its METADATA.
dist_info() {
        mkdir -p "$1/$2-$3.dist-info"
        printf 'Metadata-Version: 2.1\nName: %s\nVersion: %s\n' "$2" "$3" >"$1/$2-$3.dist-info/METADATA"
}

# need_runc_busybox: root, runc and a static busybox, else the test skips
# (77); sets BUSYBOX.
need_runc_busybox() {
        [ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
        command -v runc >/dev/null || { echo "skip: runc not installed"; exit 77; }
        BUSYBOX=$(command -v busybox || true)
        [ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || { echo "skip: no static busybox (busybox-static)"; exit 77; }
}

# runc_delete_all ROOT: every container of the runc root ROOT deleted
# (a test's cleanup).
runc_delete_all() {
        local c
        for c in $(runc --root "$1" list -q 2>/dev/null); do
                timeout 20 runc --root "$1" delete -f "$c" >/dev/null 2>&1
        done
}

# runc_mounts_cleanup: a test's cleanup (trap runc_mounts_cleanup EXIT):
# the containers of the runc root $ROOT deleted, what is mounted under $T
# unmounted, the deepest first, $T removed.
runc_mounts_cleanup() {
        runc_delete_all "$ROOT"
        grep -o " $T/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
        rm -rf "$T"
}

# busybox_rootfs DIR: a static busybox as /bin/sh, and the mountpoints runc
# wants; the caller adds os-release and package databases.
busybox_rootfs() {
        mkdir -p "$1/bin" "$1/proc" "$1/dev" "$1/sys"
        cp "$BUSYBOX" "$1/bin/busybox"
        ln -sf busybox "$1/bin/sh"
}

# deb12_rootfs DIR PACKAGE SOURCE VERSION: busybox, Debian 12, one dpkg package
deb12_rootfs() {
        busybox_rootfs "$1"
        mkdir -p "$1/etc" "$1/var/lib/dpkg" "$1/tmp"
        printf 'ID=debian\nVERSION_ID="12"\n' >"$1/etc/os-release"
        printf 'Package: %s\nStatus: install ok installed\nArchitecture: amd64\nSource: %s\nVersion: %s\n\n' \
                "$2" "$3" "$4" >"$1/var/lib/dpkg/status"
}

# runc_bundle DIR ROOTFS CONFIG IMAGE: a bundle whose process says "started",
# with the hook as createRuntime hook and the image named as CRI names it.
runc_bundle() {
        mkdir -p "$1"
        python3 - "$1" "$2" "$HOOK" "$3" "$4" <<'PY'
import json, subprocess, sys
b, root, hook, cfg, image = sys.argv[1:]
subprocess.run(["runc", "spec", "-b", b], check=True)
c = json.load(open(b + "/config.json"))
c["root"] = {"path": root, "readonly": True}
c["process"]["args"] = ["/bin/sh", "-c", "echo started"]
c["process"]["terminal"] = False
c["hooks"] = {"createRuntime": [{"path": hook, "args": ["portcullis-hook", "--config", cfg], "timeout": 30}]}
c["annotations"] = {"io.kubernetes.cri.image-name": image}
json.dump(c, open(b + "/config.json", "w"), indent=1)
PY
}

# runc_run_sleeping ROOT BUNDLE NAME: the bundle's process made a sleep of
# ten minutes, run detached under the runc root ROOT (the hook at create);
# a start that fails ends the test.  Its output in BUNDLE.out.
runc_run_sleeping() {
        python3 - "$2/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["/bin/busybox", "sleep", "600"]
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
        timeout 60 runc --root "$1" run -d -b "$2" "$3" </dev/null >"$2.out" 2>&1 ||
                { echo "FAIL: runc run $3: $(cat "$2.out")"; exit 1; }
}

# overlay_escape PATH: PATH as overlayfs' lowerdir=, upperdir= and
# workdir= take it (':' ',' and a backslash escaped by a backslash)
overlay_escape() { printf '%s' "$1" | sed 's/[\\:,]/\\&/g'; }
# overlay_start NAME COMMAND [LOWERDIR]: a container on an overlay rootfs
# laid out as a snapshotter lays it out (the root-owned lowers LOWERDIR,
# as mount -o takes it, default the one $S/1/fs; an upper $S/NAME/fs of
# its own), its image named by digest (sha256:abab...), run detached under
# the runc root $ROOT with the hook of $CFG; the rootfs writable, so that
# COMMAND may write into the upper.  Uses T, S, HOOK, CFG, ROOT.
overlay_start() {
        local b=$T/bundles/$1 lower=${3:-$(overlay_escape "$S/1/fs")}
        mkdir -p "$b/rootfs" "$S/$1/fs" "$S/$1/work"
        mount -t overlay overlay -o "lowerdir=$lower,upperdir=$(overlay_escape "$S/$1/fs"),workdir=$(overlay_escape "$S/$1/work")" \
                "$b/rootfs" || { echo "FAIL: mount the overlay"; exit 1; }
        python3 - "$b" "$HOOK" "$CFG" "$2" <<'PY'
import json, subprocess, sys
b, hook, cfg, cmd = sys.argv[1:]
subprocess.run(["runc", "spec", "-b", b], check=True)
c = json.load(open(b + "/config.json"))
c["root"] = {"path": "rootfs", "readonly": False}
c["process"]["args"] = ["/bin/sh", "-c", cmd]
c["process"]["terminal"] = False
c["hooks"] = {"createRuntime": [{"path": hook, "args": ["portcullis-hook", "--config", cfg], "timeout": 30}]}
c["annotations"] = {"io.kubernetes.cri-o.ImageRef": "sha256:" + "ab" * 32}
json.dump(c, open(b + "/config.json", "w"), indent=1)
PY
        timeout 60 runc --root "$ROOT" run -d -b "$b" "$1" </dev/null >"$T/$1.out" 2>&1 || fail "run $1: $(cat "$T/$1.out")"
}

# zlib_record DIR: DIR/PCEX-CVE-2023-45853.json, a record of Debian 12's zlib
# source package (CRITICAL, fixed in 1:1.3.dfsg-1) that the example feed
# lacks: what an import adds for the ps and recheck tests.
zlib_record() {
        mkdir -p "$1"
        cat >"$1/PCEX-CVE-2023-45853.json" <<'JSON'
{"schema_version": "1.6.0", "id": "PCEX-CVE-2023-45853", "modified": "2026-12-01T00:00:00Z",
 "aliases": ["CVE-2023-45853"], "summary": "integer overflow in MiniZip's zipOpenNewFileInZip4_64",
 "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:1.3.dfsg-1"}]}]}],
 "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}
JSON
}

# curl_dbs ROOTFS CLEAN VULN: ROOTFS a Debian 12 folder holding the
# vulnerable libcurl4 alone (no busybox: for the hook, not runc); CLEAN
# the example feed imported without its curl advisory, VULN with it (one
# CRITICAL).  Needs P, SRC and T; 1 when an import fails (said).
curl_dbs() {
        mkdir -p "$1/etc" "$1/var/lib/dpkg" "$T/feed-clean"
        printf 'ID=debian\nVERSION_ID="12"\n' >"$1/etc/os-release"
        printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
                >"$1/var/lib/dpkg/status"
        cp -r "$SRC/feed/debian12" "$T/feed-clean/" && rm "$T/feed-clean/debian12/PCEX-CVE-2023-38545.json" &&
                "$P" db import "$T/feed-clean" --db "$2" >/dev/null && "$P" db import "$SRC/feed" --db "$3" >/dev/null ||
                { echo "FAIL: import the example feed into $2 and $3"; return 1; }
}

# kev_catalog FILE: a CISA KEV catalogue of one entry (curl's
# CVE-2023-38545), for the tests that import KEV data beside records.
kev_catalog() {
        cat >"$1" <<'JSON'
{"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2026.12.03",
 "dateReleased": "2026-12-03T15:01:22.4356Z", "count": 1,
 "vulnerabilities": [{"cveID": "CVE-2023-38545", "vendorProject": "Haxx", "product": "curl",
   "vulnerabilityName": "SOCKS5 heap overflow", "dateAdded": "2024-01-01", "shortDescription": "-",
   "requiredAction": "-", "dueDate": "2024-02-01", "knownRansomwareCampaignUse": "Unknown", "notes": ""}]}
JSON
}

# runc_start BUNDLE ID: runs it; sets OUT (stdout and stderr) and RC.
runc_start() {
        OUT=$(timeout 60 runc run -b "$1" "$2" 2>&1 </dev/null); RC=$?
        runc delete -f "$2" >/dev/null 2>&1
}

# index_shard CACHE IDENTITY: the verdict index file of an identity
# (lib/verdict-index.h: FNV-1a 64 of the identity, modulo 256, in the
# folder beside the cache).
index_shard() {
        python3 -c 'import sys
h = 0xcbf29ce484222325
for b in sys.argv[2].encode():
    h = ((h ^ b) * 0x100000001b3) % (1 << 64)
print("%s-index.d/%02x" % (sys.argv[1], h % 256))' "$1" "$2"
}

# curl_image DIR VERSION [IMAGE]: DIR/rootfs, a Debian 12 with libcurl4 (of
# source curl) at VERSION (7.88.1-10+deb12u3 has the example feed's
# CRITICAL PCEX-CVE-2023-38545, 7.88.1-10+deb12u4 is clean), its bundle
# DIR/bundle (named IMAGE as CRI names it, when given) and the OCI state
# DIR/state.json of a container of it.
curl_image() {
        local annotations=
        mkdir -p "$1/rootfs/etc" "$1/rootfs/var/lib/dpkg" "$1/bundle"
        printf 'ID=debian\nVERSION_ID="12"\n' >"$1/rootfs/etc/os-release"
        printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: %s\n\n' \
                "$2" >"$1/rootfs/var/lib/dpkg/status"
        [ -n "${3:-}" ] && annotations=$(printf ', "annotations": {"io.kubernetes.cri.image-name": "%s"}' "$3")
        printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}%s}\n' "$1/rootfs" "$annotations" >"$1/bundle/config.json"
        printf '{"ociVersion": "1.0.2", "id": "c", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$1/bundle" \
                >"$1/state.json"
}

# curl_oci_images: $T/oci, an OCI layout of two tags, one layer each
# (umoci), busybox (sh, sleep) and a Debian 12 libcurl4 of source curl at
# 7.88.1-10+deb12u3 ("vuln": the example feed's CRITICAL) and +deb12u4
# ("fixed"); each tag's rootfs in $T/rootfs-TAG.  Needs umoci and BUSYBOX;
# nonzero when a step failed.
curl_oci_images() {
        local tag version r
        umoci init --layout "$T/oci" || return
        for tag in vuln:7.88.1-10+deb12u3 fixed:7.88.1-10+deb12u4; do
                version=${tag#*:} tag=${tag%%:*} r=$T/rootfs-$tag
                busybox_rootfs "$r"
                mkdir -p "$r/etc" "$r/var/lib/dpkg" "$r/tmp"
                ln -s busybox "$r/bin/sleep"
                printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' >"$r/etc/os-release"
                printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: %s\n\n' \
                        "$version" >"$r/var/lib/dpkg/status"
                umoci new --image "$T/oci:$tag" && umoci insert --image "$T/oci:$tag" "$r" / >/dev/null &&
                        umoci config --image "$T/oci:$tag" --config.cmd /bin/sh || return
        done
}

# The shipped units' restrictions where systemd is not PID 1 (setpriv for a
# unit's bounding set and NoNewPrivileges, tests/unit-syscalls for its
# SystemCallFilter=, both read from systemd/*.service.in); uses SRC.
# unit_allowed UNIT: the system calls UNIT's SystemCallFilter= lines allow
# (in order: the first allow-list sets, "~" takes away), one a line
unit_allowed() {
        python3 - "$SRC/systemd/$1.service.in" <<'PY'
import subprocess, sys
def expand(name, seen):
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager", name], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    names = set()
    for l in out[1:]:
        l = l.strip()
        if l and not l.startswith("#"):
            names |= expand(l, seen)
    return names
allowed = None
for line in open(sys.argv[1]):
    if not line.startswith("SystemCallFilter="):
        continue
    v = line.split("=", 1)[1].strip()
    deny = v.startswith("~")
    names = set()
    for n in v.lstrip("~").split():
        names |= expand(n, set())
    if deny:
        allowed = (allowed or set()) - names
    else:
        allowed = names if allowed is None else allowed | names
print("\n".join(sorted(allowed)))
PY
}
# unit_bounding UNIT: its CapabilityBoundingSet= as setpriv's --bounding-set
unit_bounding() {
        local caps b=-all c
        caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$SRC/systemd/$1.service.in")
        for c in $caps; do
                c=${c#CAP_}
                b="$b,+$(echo "$c" | tr 'A-Z' 'a-z')"
        done
        echo "$b"
}
# as_unit UNIT COMMAND...: COMMAND with UNIT's capabilities and system calls
# (the list $T/UNIT.allowed, written by unit_allowed, or $UNIT_ALLOWED;
# PC_UNIT_SYSCALLS)
# (in a sanitizer build without LeakSanitizer, whose exit-time scan stops
# the threads with ptrace, which no unit allows)
as_unit() {
        local u=$1
        shift
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
                setpriv --bounding-set="$(unit_bounding "$u")" --inh-caps=-all --no-new-privs \
                "${PC_UNIT_SYSCALLS:?}" "${UNIT_ALLOWED:-$T/$u.allowed}" "$@"
}

# fill_config [POLICY]: the setup of the 'cache fill' tests in $T: a DB of
# the repo's feed, the policy (by default an audit one whose 50 ms deadline
# leaves a slow image to on_timeout: allow), a config whose state root is
# $ROOT and which trusts the runtime's image digests; sets DB, LOG, CFG.
fill_config() {
        DB=$T/vulndb.sqlite
        LOG=$T/audit.log
        CFG=$T/config.json
        fill_policy='{"mode": "audit", "severity": "LOW", "deadline_ms": 50, "on_timeout": "allow"}'
        printf '%s\n' "${1:-$fill_policy}" >"$T/policy.json"
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"},
 "state_roots": ["%s"], "trust_image_digest": true}\n' "$DB" "$T/cache.db" "$T/locks" "$T/policy.json" "$LOG" \
                "$ROOT" >"$CFG"
        "$P" db import "$SRC/feed" --db "$DB" --config "$CFG" >/dev/null || { echo "FAIL: import"; exit 1; }
}
