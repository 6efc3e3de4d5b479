#!/bin/sh
# A container started again on the rootfs it ran on (docker restart, podman
# start, runc run of the same bundle), with runc and the real hook: a
# rootfs that is no overlay, writable, its image named by a trusted digest.
# It deleted its vulnerable package's stanza from var/lib/dpkg/status; after
# a DB update (a new revision: the cache misses) its start reads that.  What
# was read is the container's own view, never kept as the image's verdict:
# nothing under the digest, and a fresh container of the same digest is
# judged on the image (its finding).  A read-only rootfs, and one containerd
# or CRI-O say they made (a Kubernetes container: a fresh rootfs at every
# start; not Podman's pod containers, which carry CRI-O's key), are kept
# under the digest (the next start a hit); a hit under the
# digest stays one; ps and 'cache fill' decide as the hook.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
. "$SRC/tests/lib.sh"
need_runc_busybox

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-restart-XXXXXX")
ROOT=$T/runc-root
cleanup() {
        runc_delete_all "$ROOT"
        rm -rf "$T"
}
trap cleanup EXIT

DB=$T/vulndb.sqlite
LOG=$T/audit.log
CFG=$T/config.json
printf '{"mode": "warn", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"},
 "state_roots": ["%s"]}\n' "$DB" "$T/cache.db" "$T/locks" "$T/policy.json" "$LOG" "$ROOT" >"$CFG"
"$P" db import "$SRC/feed" --db "$DB" --config "$CFG" >/dev/null || { echo "FAIL: import"; exit 1; }

# app DIR: the image's rootfs, a plain folder: Debian 12's libcurl4 at the
# example feed's CRITICAL PCEX-CVE-2023-38545, and base-files (no record)
app() {
        deb12_rootfs "$1" libcurl4 curl 7.88.1-10+deb12u3
        printf 'Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n\n' \
                >>"$1/var/lib/dpkg/status"
}
# digest N: an image digest, sha256:NNNN...
digest() { printf 'sha256:%s' "$(printf "%064d" 0 | tr 0 "$1")"; }

# bundle NAME ROOTFS READONLY COMMAND ANNOTATIONS: $T/bundles/NAME, the hook
# at createRuntime
bundle() {
        mkdir -p "$T/bundles/$1"
        rm -f "$T/bundles/$1/config.json"
        python3 - "$T/bundles/$1" "$T/$2" "$3" "$4" "{$5}" "$HOOK" "$CFG" <<'PY'
import json, subprocess, sys
b, root, ro, cmd, annotations, hook, cfg = sys.argv[1:]
subprocess.run(["runc", "spec", "-b", b], check=True)
c = json.load(open(b + "/config.json"))
c["root"] = {"path": root, "readonly": ro == "true"}
c["process"]["args"] = ["/bin/sh", "-c", cmd]
c["process"]["terminal"] = False
c["hooks"] = {"createRuntime": [{"path": hook, "args": ["portcullis-hook", "--config", cfg], "timeout": 30}]}
c["annotations"] = json.loads(annotations)
json.dump(c, open(b + "/config.json", "w"), indent=1)
PY
}
# start BUNDLE ID: runc run of it to its end (the hook at create)
start() {
        timeout 60 runc --root "$ROOT" run -b "$T/bundles/$1" "$2" </dev/null >"$T/$2.out" 2>&1 ||
                fail "runc run $2: $(cat "$T/$2.out")"
        runc --root "$ROOT" delete -f "$2" >/dev/null 2>&1
}
# last KEY: the last audit line's KEY ("-" when absent)
last() {
        tail -1 "$LOG" | python3 -c 'import json, sys
v = json.loads(sys.stdin.read()).get(sys.argv[1])
print("-" if v is None else json.dumps(v) if not isinstance(v, str) else v)' "$1"
}
# stored IDENTITY: whether the cache holds an entry of IDENTITY
stored() {
        "$P" cache ls --config "$CFG" --format json >"$T/ls.json" 2>"$T/ls.err" || { fail "cache ls: $(cat "$T/ls.err")"; return 2; }
        python3 -c 'import json, sys
sys.exit(0 if any(e["identity"] == sys.argv[2] for e in json.load(open(sys.argv[1]))["entries"]) else 1)' "$T/ls.json" "$1"
}
# db_update: an import that adds a record: a new revision, every key misses
db_update() {
        zlib_record "$T/extra"
        timeout 300 "$P" db import --merge "$T/extra" --db "$DB" --config "$CFG" >/dev/null 2>&1 ||
                fail "the DB update"
}

CRI='"io.kubernetes.cri.image-name": "docker.io/library/app@'$(digest a)'"'

# 1. The restart.  Its first start reads the image as pulled; the container
# then deletes libcurl4's stanza from its package database.
app "$T/rw"
bundle rw rw false "/bin/busybox sed -i '1,/^\$/d' /var/lib/dpkg/status" "$CRI"
start rw rw-1
[ "$(last decision)" = warn ] || fail "first start: $(tail -1 "$LOG")"
grep -q '^Package: libcurl4' "$T/rw/var/lib/dpkg/status" && fail "the container did not change its package database"
! stored "$(digest a)" || fail "a writable rootfs that is no overlay stored under its digest: $(tail -1 "$LOG")"
[ "$(last identity_source)" = inventory ] && last identity_note | grep -q "$(digest a): .*root.readonly" ||
        fail "first start's identity: $(tail -1 "$LOG")"
db_update
bundle rw rw false "echo started" "$CRI"
start rw rw-2
[ "$(last decision)" = allow ] && [ "$(last cache)" = miss ] || fail "the restart: $(tail -1 "$LOG")"
! stored "$(digest a)" || fail "the restarted container's own view stored under the image's digest"
[ "$(last identity_source)" = inventory ] && last identity_note | grep -q "a restart of the container reads it" ||
        fail "the restart's identity: $(tail -1 "$LOG")"
# a fresh container of the same image: judged on the image
app "$T/fresh"
bundle fresh fresh false "echo started" "$CRI"
start fresh fresh-1
[ "$(last decision)" = warn ] && tail -1 "$LOG" | grep -q PCEX-CVE-2023-38545 ||
        fail "a fresh container of the image was not judged on the image: $(tail -1 "$LOG")"

# 2. A read-only rootfs named by digest: kept under it, the next start a hit
app "$T/ro"
bundle ro ro true "echo started" '"io.kubernetes.cri.image-name": "docker.io/library/ro@'$(digest b)'"'
start ro ro-1
[ "$(last identity_source)" = digest ] && [ "$(last cache)" = miss ] && ! last identity_note | grep -q root.readonly ||
        fail "read-only, first start: $(tail -1 "$LOG")"
start ro ro-2
[ "$(last identity_source)" = digest ] && [ "$(last cache)" = hit ] && [ "$(last decision)" = warn ] ||
        fail "read-only, second start: $(tail -1 "$LOG")"

# 3. Containers containerd and CRI-O made, writable: kept under the digest
app "$T/cd"
bundle cd cd false "echo started" '"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.sandbox-id": "0123",
 "io.kubernetes.cri.image-name": "docker.io/library/cd@'$(digest c)'"'
start cd cd-1
[ "$(last identity_source)" = digest ] && [ "$(last cache)" = miss ] || fail "containerd, first start: $(tail -1 "$LOG")"
start cd cd-2
[ "$(last identity_source)" = digest ] && [ "$(last cache)" = hit ] || fail "containerd, second start: $(tail -1 "$LOG")"
app "$T/crio"
bundle crio crio false "echo started" '"io.kubernetes.cri-o.ContainerType": "container", "io.kubernetes.cri-o.ImageRef": "'$(digest d)'"'
start crio crio-1
start crio crio-2
[ "$(last identity_source)" = digest ] && [ "$(last cache)" = hit ] || fail "CRI-O, second start: $(tail -1 "$LOG")"
# a type neither runtime writes is no claim
bundle odd cd false "echo started" '"io.kubernetes.cri.container-type": "vm", "io.kubernetes.cri.image-name": "docker.io/library/odd@'$(digest e)'"'
start odd odd-1
[ "$(last identity_source)" = inventory ] && ! stored "$(digest e)" || fail "an unknown container type: $(tail -1 "$LOG")"
# a Podman pod's container (podman 4 writes CRI-O's type and names itself):
# Podman restarts it on the same rootfs
bundle pod cd false "echo started" '"io.container.manager": "libpod", "io.kubernetes.cri-o.ContainerType": "container",
 "io.kubernetes.cri-o.SandboxID": "0123", "io.kubernetes.cri-o.ImageRef": "'$(digest f)'"'
start pod pod-1
[ "$(last identity_source)" = inventory ] && ! stored "$(digest f)" || fail "a Podman pod's container: $(tail -1 "$LOG")"

# 4. A hit under the digest stays one: an entry a start that met the rule
# stored (the read-only bundle's) serves a writable start of that image
bundle ro-rw ro false "echo started" '"io.kubernetes.cri.image-name": "docker.io/library/ro@'$(digest b)'"'
start ro-rw ro-rw-1
[ "$(last identity_source)" = digest ] && [ "$(last cache)" = hit ] || fail "a hit under the digest: $(tail -1 "$LOG")"

# 5. ps and 'cache fill' decide as the hook: the restarted container,
# running, is judged by its inventory (the note says why), and the fill
# keeps nothing under its digest; a Kubernetes container it stores
bundle rw rw false "/bin/busybox sleep 600" "$CRI"
timeout 60 runc --root "$ROOT" run -d -b "$T/bundles/rw" rw-3 </dev/null >"$T/rw-3.out" 2>&1 || fail "run rw-3: $(cat "$T/rw-3.out")"
bundle cd cd false "/bin/busybox sleep 600" '"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.image-name": "docker.io/library/cd@'$(digest c)'"'
timeout 60 runc --root "$ROOT" run -d -b "$T/bundles/cd" cd-3 </dev/null >"$T/cd-3.out" 2>&1 || fail "run cd-3: $(cat "$T/cd-3.out")"
timeout 120 "$P" ps --config "$CFG" --format json >"$T/ps.json" 2>"$T/ps.err" || fail "ps: $(cat "$T/ps.err")"
python3 - "$T/ps.json" "$(digest a)" "$(digest c)" <<'PY' || fail "ps: $(cat "$T/ps.json")"
import json, sys
d = json.load(open(sys.argv[1]))
cs = {c["id"]: c for c in (d["containers"] if isinstance(d, dict) else d)}
rw, cd = cs["rw-3"], cs["cd-3"]
assert rw["identity_source"] == "inventory" and rw["identity"].startswith("inventory:"), rw
assert sys.argv[2] + ": " in rw["identity_note"], rw
assert rw["verdict"] == "allow", rw     # its own view: its stanza deleted
assert cd["identity_source"] == "digest" and cd["identity"] == sys.argv[3] and cd["cached"], cd
PY
"$P" cache purge --config "$CFG" >/dev/null
timeout 300 "$P" cache fill --config "$CFG" >"$T/fill.out" 2>"$T/fill.err" || fail "cache fill: $(cat "$T/fill.err")"
grep -q "1 whose rootfs may hold their own changes" "$T/fill.out" &&
        grep -q "container rw-3: its image is known by its digest ($(digest a)), but its rootfs is no overlay" "$T/fill.err" ||
        fail "cache fill, the restarted container: $(cat "$T/fill.out" "$T/fill.err")"
! stored "$(digest a)" || fail "cache fill stored the restarted container under its image's digest"
stored "$(digest c)" || fail "cache fill did not store the Kubernetes container: $(cat "$T/fill.out" "$T/fill.err")"

[ "$fails" -eq 0 ] || exit 1
echo "hook restart: ok"
