#!/bin/bash
# Docker through the runc wrapper: a real dockerd (its own data root, exec
# root, socket and containerd, no bridge, no iptables) reading the
# daemon.json `portcullis install docker --default-runtime` writes (the
# wrapper as runtime "portcullis", the default), `docker run` of the images
# containerd-shim.sh builds: busybox + Debian 12's libcurl4 7.88.1-10+deb12u3 (vulnerable:
# blocked, the reason in docker's error) and +deb12u4 (fixed: starts); the
# image named from Docker's own files, for the audit line and scopes (a
# name `docker tag` moved to another image since the create is not its).
# Needs root, dockerd (Debian: docker.io), umoci, skopeo and busybox-static;
# skips (77) without them.
set -u
WRAPPER=${PORTCULLIS_RUNC_WRAPPER:?}
HOOK=${PORTCULLIS_HOOK:?}
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}

. "$(dirname "$0")/docker-lib.sh"
docker_needs umoci skopeo runc

docker_tmp pc-dk

# The images (lib.sh), as docker-archive files.
curl_oci_images && for t in vuln fixed; do
        skopeo copy -q "oci:$T/oci:$t" "docker-archive:$T/$t.tar:localhost/pc:$t" || false
done || { echo "FAIL: building the images"; exit 1; }

"$P" db import "$SRC/feed" --db "$T/vulndb.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/vulndb.sqlite" "$T/cache.db" "$T/locks" "$T/policy.json" "$T/audit.log" >"$T/pc-config.json"

# daemon.json as `portcullis install docker --default-runtime` writes it,
# the wrapper's path made this build's.  The wrapper finds the hook and its
# config in the environment dockerd hands down to containerd, its shims
# and runc.
mkdir -p "$T/host"
"$P" -q install docker --root "$T/host" --default-runtime >/dev/null || { echo "FAIL: install docker"; exit 1; }
sed -i "s|\"/usr/local/libexec/portcullis/runc/runc\"|\"$WRAPPER\"|" "$T/host/etc/docker/daemon.json"
grep -qF "\"$WRAPPER\"" "$T/host/etc/docker/daemon.json" || { echo "FAIL: daemon.json: $(cat "$T/host/etc/docker/daemon.json")"; exit 1; }
SNAP=overlay2
grep -qw overlay /proc/filesystems || SNAP=vfs
PORTCULLIS_HOOK_PATH=$HOOK PORTCULLIS_CONFIG=$T/pc-config.json dockerd --config-file "$T/host/etc/docker/daemon.json" \
        --data-root "$T/host/var/lib/docker" --exec-root "$T/exec" --pidfile "$T/docker.pid" -H "unix://$T/docker.sock" --bridge none \
        --iptables=false --ip6tables=false --ip-masq=false --storage-driver "$SNAP" </dev/null >"$T/dockerd.log" 2>&1 &
DOCKERD_PID=$!
D="$DOCKER -H unix://$T/docker.sock"
docker_wait
[ "$SNAP" = overlay2 ] && ! $D info 2>/dev/null | grep -q 'Storage Driver: overlay2' && {
        echo "FAIL: dockerd has no overlay2:"; tail -5 "$T/dockerd.log"; exit 1; }
echo "dockerd $($D version --format '{{.Server.Version}}' 2>/dev/null), storage driver $SNAP"
for t in vuln fixed; do $D load -q -i "$T/$t.tar" >/dev/null || { echo "FAIL: docker load $t"; exit 1; }; done

run() {  # run NAME IMAGE: sets OUT and RC
        OUT=$(timeout 60 $D run --rm --network none --name "$1" "localhost/pc:$2" \
                /bin/sh -c 'echo started' 2>&1 </dev/null); RC=$?
}

# 1. vulnerable: never runs; docker's error carries the block line; the
#    audit line names the container and containerd's namespace, moby.
run pc-vuln vuln
[ "$RC" -ne 0 ] && ! grep -q started <<<"$OUT" || fail "the vulnerable image started: $RC $OUT"
grep -qF "portcullis: blocked localhost/pc:vuln: 1 CRITICAL at or above HIGH (PCEX-CVE-2023-38545 libcurl4)" <<<"$OUT" ||
        fail "the vulnerable image: no block line in: $OUT"
tail -1 "$T/audit.log" 2>/dev/null | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["decision"] == "deny" and d["containerd_namespace"] == "moby" and len(d["container"]) == 64, d
assert d["image"] == "localhost/pc:vuln", d' ||
        fail "the vulnerable image: audit line: $(tail -1 "$T/audit.log" 2>/dev/null)"

# 2. fixed: starts; again, a cache hit (with overlay2, on the layers'
#    identity: the hit reads nothing of the rootfs).
run pc-fixed fixed
[ "$RC" -eq 0 ] && [ "$OUT" = started ] || fail "the fixed image did not start: $RC $OUT"
run pc-fixed2 fixed
[ "$RC" -eq 0 ] && [ "$OUT" = started ] || fail "the fixed image, again: $RC $OUT"
tail -1 "$T/audit.log" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["decision"] == "allow" and d["cache"] == "hit", d
assert sys.argv[1] != "overlay2" or d["identity_source"] == "overlay", d' "$SNAP" ||
        fail "the fixed image, again: not a hit: $(tail -1 "$T/audit.log")"

# 3. the image's name, from Docker's own files, chooses the scope: an audit
#    scope for localhost/pc:vuln lets it start, recorded.
printf '{"mode": "enforce", "severity": "HIGH", "scopes": [{"name": "pc", "match": {"images": ["localhost/pc:vuln"]}, "mode": "audit"}]}\n' \
        >"$T/policy.json"
run pc-audited vuln
[ "$RC" -eq 0 ] && [ "$OUT" = started ] || fail "the audit scope by image name did not apply: $RC $OUT"
tail -1 "$T/audit.log" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["decision"] == "audit" and d["scope"] == "pc" and d["image"] == "localhost/pc:vuln", d' ||
        fail "the audit scope: $(tail -1 "$T/audit.log")"
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"

# 3b. a container created by a name that `docker tag` then moves to another
#     image (docker ps shows its image's id): named by a name its image
#     still has, not the one that now names the other
$D tag localhost/pc:vuln localhost/pc:alias &&
        $D create --network none --name pc-retag localhost/pc:alias /bin/sh -c 'echo started' >/dev/null &&
        $D tag localhost/pc:fixed localhost/pc:alias || fail "docker tag, create"
OUT=$(timeout 60 $D start -a pc-retag 2>&1 </dev/null) && fail "the vulnerable container started: $OUT"
grep -qF "portcullis: blocked localhost/pc:vuln: 1 CRITICAL at or above HIGH" <<<"$OUT" ||
        fail "after docker tag moved its name: $OUT"
$D rm -f pc-retag >/dev/null 2>&1

# 4. portcullis ps finds Docker's running containers (its runc root,
#    /run/docker/runtime-runc by default, here under the exec root), named
#    and identified as the hook does.
OUT=$(timeout 30 $D run -d --network none --name pc-long localhost/pc:fixed /bin/sleep 60 2>&1) ||
        fail "detached start: $OUT"
"$P" ps --config "$T/pc-config.json" --state-root "$T/exec/runtime-runc" --format json >"$T/ps.json" 2>"$T/ps.err" ||
        fail "ps: $(cat "$T/ps.err")"
python3 - "$T/ps.json" "$OUT" <<'PY' || fail "ps: $(cat "$T/ps.json")"
import json, sys
c = {x["id"]: x for x in json.load(open(sys.argv[1]))["containers"]}
x = c[sys.argv[2]]
assert x["image"] == "localhost/pc:fixed" and x["identity_source"] == "overlay" and x["cached"], x
assert x["verdict"] == "allow", x
PY
$D rm -f pc-long >/dev/null 2>&1

# 5. Docker's own runc is not gated: why default-runtime must be portcullis
#    where every container must pass (config/README.md, "Docker").
OUT=$(timeout 60 $D run --rm --network none --runtime runc localhost/pc:vuln /bin/sh -c 'echo started' 2>&1 </dev/null)
[ "$OUT" = started ] || fail "docker's own runc: $OUT"

# 6. a container made with another runtime (as one made before portcullis
#    was the default) keeps it at every start: doctor names it, from
#    Docker's own hostconfig.json (the data root is the default one, under
#    the --root given to doctor).
ID=$($D create --network none --runtime runc --name pc-old localhost/pc:vuln /bin/sh -c 'echo started' 2>&1) ||
        fail "docker create: $ID"
# the wrapper as doctor looks for it under that root: where install
# --binaries puts it, and (the same file) where daemon.json says
mkdir -p "$T/host/usr/local/libexec/portcullis/runc" "$T/host$(dirname "$WRAPPER")"
cp "$WRAPPER" "$T/host/usr/local/libexec/portcullis/runc/runc"
ln "$T/host/usr/local/libexec/portcullis/runc/runc" "$T/host$WRAPPER"
"$P" doctor --root "$T/host" >"$T/doctor.out" 2>&1
grep -A1 "^runtime.docker " "$T/doctor.out" | grep -q "warn .*but 1 of Docker's containers ($ID) were created with another runtime" ||
        fail "doctor did not name the container of runtime runc: $(grep -A1 "^runtime.docker " "$T/doctor.out")"
$D rm -f pc-old >/dev/null 2>&1

[ "$fails" -eq 0 ] && echo ok || { echo "$fails failures"; tail -5 "$T/dockerd.log"; }
[ "$fails" -eq 0 ]
