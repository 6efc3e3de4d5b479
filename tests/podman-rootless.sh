#!/bin/sh
# Rootless Podman reads the hooks.d file install writes (its default
# folder, /usr/share/containers/oci/hooks.d) and runs the hook as root of
# the user's namespace, which is the user on the host: a user made for
# this test (its /etc/subuid and /etc/subgid range, removed on exit) runs
# a real rootless start (runc, vfs) through a file in the host's folder
# narrowed by "when" to this run's containers, the hook under a root
# install's folders (config 0644, DB, cache and log folders 0700 root):
#  - with the default config, the start is blocked, and Podman's error
#    shows, first, the reason (the host uid, not root) and what to do;
#  - with "rootless": "allow", it starts, and the warning is said.
# Needs root, podman, runc, busybox-static, newuidmap (uidmap) and useradd;
# skips (77) without them.
set -u

. "$(dirname "$0")/podman-lib.sh"
PC=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
for t in newuidmap newgidmap useradd userdel; do command -v "$t" >/dev/null || skip "$t not installed"; done
TAG=pc-rootless-$$
U=pcrl$$
tmp=$(mktemp -d "/var/tmp/pc-rootless-XXXXXX")
chmod 0755 "$tmp"
d=/usr/share/containers/oci/hooks.d
made=
cleanup() {
        rm -f "$d/zz-$TAG.json" "$d/.zz-$TAG"
        for m in $made; do rmdir "$m"; done
        if id "$U" >/dev/null 2>&1; then
                su "$U" -c "podman rm -a -f; podman rmi -a -f; podman system reset -f" >/dev/null 2>&1
                pkill -u "$U" 2>/dev/null
                userdel -r "$U" >/dev/null 2>&1
        fi
        for f in /etc/subuid /etc/subgid; do sed -i "/^$U:/d" "$f"; done
        rm -rf "$tmp"
}
trap cleanup EXIT
useradd -m -s /bin/sh "$U" || skip "useradd $U"
# useradd gives a range when /etc/login.defs says so; else one here
for f in /etc/subuid /etc/subgid; do
        grep -q "^$U:" "$f" || echo "$U:$((300000 + $$ % 1000 * 65536)):65536" >>"$f"
done

# A root install's folders: the config readable, the rest root's alone.
S=$tmp/sys
mkdir -p "$S/etc" "$S/var" "$S/run/locks" "$S/log" "$tmp/bin"
chmod 0700 "$S/var" "$S/run" "$S/log"
"$PC" db import "${PC_SOURCE_ROOT:?}/feed" --db "$S/var/vulndb.sqlite" >/dev/null || fail "db import"
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$S/etc/policy.json"
conf() {
        printf '{"db": "%s/var/vulndb.sqlite", "cache": "%s/var/cache.db", "lock_dir": "%s/run/locks", "policy": "%s/etc/policy.json", "log": {"syslog": false, "file": "%s/log/audit.log"}%s}\n' \
                "$S" "$S" "$S" "$S" "$S" "$1" >"$S/etc/config.json"
        chmod 0644 "$S/etc/config.json" "$S/etc/policy.json"
}
cp "$HOOK" "$tmp/bin/portcullis-hook"
chmod 0755 "$tmp/bin" "$tmp/bin/portcullis-hook"

podman_busybox_rootfs
tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
chmod 0644 "$tmp/rootfs.tar"
PU="podman --runtime runc --storage-driver vfs --cgroup-manager cgroupfs --events-backend file"
out=$(cd / && su "$U" -c "$PU import $tmp/rootfs.tar localhost/pc-busybox:test" 2>&1) ||
        skip "rootless podman can't import here: $out"

# install's file, narrowed to this run's containers, the hook and config
# this test's
mkdir -p "$tmp/host/var/lib"
"$PC" install podman --root "$tmp/host" >/dev/null 2>&1 || fail "install podman"
for p in /usr/share/containers /usr/share/containers/oci $d; do
        [ -d "$p" ] || { mkdir "$p" && made="$p $made"; }
done
# written under a name Podman skips (no .json), then renamed: another
# test's podman reads the folder meanwhile
python3 - "$tmp/host$d/portcullis.json" "$tmp/bin/portcullis-hook" "$S/etc/config.json" "$TAG" >"$d/.zz-$TAG" <<'PY' ||
import json, sys
h = json.load(open(sys.argv[1]))
h["hook"]["path"] = sys.argv[2]
h["hook"]["args"] += ["--config", sys.argv[3]]
h["when"] = {"annotations": {"^" + sys.argv[4].replace(".", "\\.") + "$": "^yes$"}}
print(json.dumps(h))
PY
        fail "the hooks.d file"
mv "$d/.zz-$TAG" "$d/zz-$TAG.json"
run() {
        OUT=$(cd / && su "$U" -c "$PU run --rm --network none $LIMITS --annotation $TAG=yes localhost/pc-busybox:test /bin/sh -c 'echo started'" 2>&1)
        RC=$?
}

uid=$(id -u "$U")
conf ""
run
[ "$RC" -ne 0 ] && ! echo "$OUT" | grep -q '^started' || bad "default: the rootless start was not blocked: rc $RC $OUT"
echo "$OUT" | grep -q "stderr: portcullis: blocked container [0-9a-f]*: the hook runs as uid $uid of the host, not root (a rootless Podman's container), and can't check it: vulnerability database $S/var/vulndb.sqlite .*Permission denied (run the container as root; or set \"rootless\": \"allow\" in $S/etc/config.json to start rootless containers unchecked, with this warning); rootless is deny in $S/etc/config.json" ||
        bad "default: the reason is not what Podman shows first: $OUT"

conf ', "rootless": "allow"'
run
[ "$RC" -eq 0 ] && [ "$OUT" = started ] || bad "rootless allow: rc $RC $OUT"
# the warning, as the hook says it (Podman shows no stderr of a start it makes)
out=$(cd / && su "$U" -c "$PU --log-level=debug run --rm --network none $LIMITS --annotation $TAG=yes localhost/pc-busybox:test true" 2>&1)
echo "$out" | grep -q "hook zz-$TAG.json matched" || bad "rootless allow: the hook was not run: $out"

[ "$fails" -eq 0 ] || exit 1
echo "ok"
