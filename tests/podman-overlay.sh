#!/bin/sh
# Podman with containers/storage's overlay driver (native overlay, runc, a
# private --root/--runroot) and portcullis-hook from the hooks.d file the
# build made: Podman names no image in the annotations, so
#  - the identity comes from the container's overlay mount (the image's
#    layers under <root>/overlay, named through the short l/ links): a
#    second container of the same image is a cache hit with
#    identity_source overlay, though trust_image_digest is false;
#  - the image's name comes from containers/storage's own
#    overlay-containers/containers.json and overlay-images/images.json, so
#    the block line, the audit line and scopes name the image as it was
#    run (an image's second name too, while the image holds it), not the
#    container id (a scope on the image's name applies);
#  - a container started again after changing its packages is named as
#    changed, the file named;
#  - `--rootfs DIR:O` (DIR itself the lower, a folder that changes in
#    place) is no image: its inventory decides every start;
#  - `podman build` gates RUN steps only with its own --hooks-dir.
# Needs root, podman, runc and busybox-static; skips (77) without them.
set -eu

. "$(dirname "$0")/podman-lib.sh"
podman_init overlay pc-podman-ov
mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/etc" "$tmp/rootfs/var/lib/dpkg"

podman_busybox_rootfs
printf 'ID=debian\nVERSION_ID="12"\n' >"$tmp/rootfs/etc/os-release"
for v in 7.88.1-10+deb12u3 7.88.1-10+deb12u4; do
        printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: %s\n\n' "$v" \
                >"$tmp/rootfs/var/lib/dpkg/status"
        tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
        # shellcheck disable=SC2086
        $P import "$tmp/rootfs.tar" "localhost/pc-curl:${v##*+}" >/dev/null ||
                skip "podman import with the overlay driver failed here"
done

"${PORTCULLIS:?}" db import "${PC_SOURCE_ROOT:?}/feed" --db "$tmp/vulndb.sqlite" >/dev/null || fail "db import"
# enforce at HIGH, but a scope on the fixed image's name only audits: it
# applies only when the hook knows the name.
cat >"$tmp/policy.json" <<'JSON'
{"mode": "enforce", "severity": "HIGH",
 "scopes": [{"name": "curl-u4", "match": {"images": ["localhost/pc-curl:deb12u4"]}, "mode": "audit"}]}
JSON
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "trust_image_digest": false, "log": {"syslog": false, "file": "%s"}}\n' \
        "$tmp/vulndb.sqlite" "$tmp/cache.db" "$tmp/locks" "$tmp/policy.json" "$tmp/audit.log" >"$tmp/config.json"
"${PORTCULLIS}" policy check "$tmp/policy.json" >/dev/null || fail "policy check: $("${PORTCULLIS}" policy check "$tmp/policy.json" 2>&1)"
python3 - "${PC_BUILD_ROOT:?}/config/portcullis.json" "${PORTCULLIS_HOOK:?}" "$tmp/config.json" >"$tmp/hooks.d/portcullis.json" <<'PY' ||
import json, sys
h = json.load(open(sys.argv[1]))
h["hook"]["path"] = sys.argv[2]
h["hook"]["args"] += ["--config", sys.argv[3]]
print(json.dumps(h))
PY
        fail "the generated hooks.d file"
last() { tail -1 "$tmp/audit.log" | python3 -c 'import json, sys; v = json.loads(sys.stdin.read())[sys.argv[1]]; print("" if v is None else v)' "$1"; }

# 1. the vulnerable image: blocked, the line names the image
# shellcheck disable=SC2086
if err=$($P run --name pc-vuln --network none $LIMITS localhost/pc-curl:deb12u3 /bin/sh -c 'echo started' 2>&1); then
        fail "the vulnerable image started: $err"
fi
case "$err" in
*"portcullis: blocked localhost/pc-curl:deb12u3: 1 CRITICAL at or above HIGH (PCEX-CVE-2023-38545 libcurl4)"*) ;;
*) fail "no block line naming the image: $err" ;;
esac
[ "$(last identity_source)" = overlay ] && [ "$(last image)" = localhost/pc-curl:deb12u3 ] ||
        fail "blocked start: $(tail -1 "$tmp/audit.log")"
echo "ok: blocked, named from containers.json, identity $(last identity)" >&2

# 2. the fixed image, twice: a miss, then a hit on the same overlay identity,
#    under the scope on its name
for n in 1 2; do
        # shellcheck disable=SC2086
        out=$($P run --rm --name "pc-fixed-$n" --network none $LIMITS localhost/pc-curl:deb12u4 /bin/sh -c 'echo started' 2>&1) ||
                fail "the fixed image did not start: $out"
        [ "$out" = started ] || fail "fixed image output: $out"
        eval "id$n=\$(last identity) cache$n=\$(last cache)"
        [ "$(last identity_source)" = overlay ] && [ "$(last image)" = localhost/pc-curl:deb12u4 ] &&
                [ "$(last scope)" = curl-u4 ] && [ "$(last image_changed)" = False ] ||
                fail "fixed start $n: $(tail -1 "$tmp/audit.log")"
done
# shellcheck disable=SC2154
[ "$cache1" = miss ] && [ "$cache2" = hit ] && [ "$id1" = "$id2" ] && case "$id1" in overlay:sha256:*) true ;; *) false ;; esac ||
        fail "second start not a hit on the overlay identity: $cache1 $cache2 $id1 $id2"
echo "ok: second container of the image: a hit on $id2" >&2

# 2b. the vulnerable image run by a second name: the name it was run by (as
#     `podman ps` shows it, containers.json's metadata), not the image's
#     first name, is the one shown and matched by scopes
# shellcheck disable=SC2086
$P tag localhost/pc-curl:deb12u3 localhost/pc-alias:1 || fail "podman tag"
# shellcheck disable=SC2086
if err=$($P run --rm --network none $LIMITS localhost/pc-alias:1 /bin/sh -c 'echo started' 2>&1); then
        fail "the vulnerable image started by its second name: $err"
fi
case "$err" in
*"portcullis: blocked localhost/pc-alias:1: 1 CRITICAL at or above HIGH"*) ;;
*) fail "the block line does not name the image as it was run: $err" ;;
esac
[ "$(last image)" = localhost/pc-alias:1 ] || fail "audit image: $(tail -1 "$tmp/audit.log")"
# ... created by that name, which then moves to the clean image before the
# start: the name is the image's own again, not one that names another
# shellcheck disable=SC2086
$P create --name pc-retag --network none $LIMITS localhost/pc-alias:1 /bin/sh -c 'echo started' >/dev/null ||
        fail "podman create"
# shellcheck disable=SC2086
$P tag localhost/pc-curl:deb12u4 localhost/pc-alias:1 || fail "podman tag onto the clean image"
# shellcheck disable=SC2086
if err=$($P start -a pc-retag 2>&1); then
        fail "the vulnerable container started after its name moved: $err"
fi
case "$err" in
*"portcullis: blocked localhost/pc-curl:deb12u3: 1 CRITICAL at or above HIGH"*) ;;
*) fail "after the name moved to another image: $err" ;;
esac
echo "ok: named as it was run, while the image holds that name" >&2

# 2c. a container of a clean image that downgraded curl, started again: its
#     inventory decides, and the line says the findings are the changed
#     container's, naming the file, not the image's alone
# shellcheck disable=SC2086
$P tag localhost/pc-curl:deb12u4 localhost/pc-clean:1 || fail "podman tag"
# shellcheck disable=SC2086
out=$($P run --name pc-changed --network none $LIMITS localhost/pc-clean:1 \
        /bin/sh -c 'sed -i s/deb12u4/deb12u3/ /var/lib/dpkg/status && echo started' 2>&1) || fail "pc-changed: $out"
id=$($P inspect --format '{{.Id}}' pc-changed)
# shellcheck disable=SC2086
if err=$($P start -a pc-changed 2>&1); then
        fail "the changed container started again: $err"
fi
why="the upper layer holds the file /var/lib/dpkg/status: the container's own changes"
case "$err" in
*"portcullis: blocked localhost/pc-clean:1 as changed by container $id ($why): 1 CRITICAL"*) ;;
*) fail "the block line blames the image: $err" ;;
esac
[ "$(last image)" = localhost/pc-clean:1 ] && [ "$(last identity_source)" = inventory ] &&
        [ "$(last image_changed)" = True ] || fail "changed container: $(tail -1 "$tmp/audit.log")"
# report too: the row and the most-blocked list say the findings are the
# changed container's, not the image's alone
"${PORTCULLIS}" report --log "$tmp/audit.log" --last 1 | grep -q "deny .*localhost/pc-clean:1 (changed) " ||
        fail "report does not mark the changed container: $("${PORTCULLIS}" report --log "$tmp/audit.log" --last 1)"
"${PORTCULLIS}" report --log "$tmp/audit.log" --html --output "$tmp/report.html" &&
        grep -q "localhost/pc-clean:1 (changed)" "$tmp/report.html" || fail "report --html does not mark the changed container"
echo "ok: a changed container is named as such" >&2

# 3. podman run --rootfs DIR:O: Podman mounts DIR itself as the overlay's
#    lower, a folder its owner changes in place (same path, same inode).  It
#    names no image: the inventory decides each start, so the vulnerable
#    version written into DIR after a clean start is blocked, not served the
#    clean verdict kept for DIR.
mkdir -p "$tmp/dir"
tar -C "$tmp/dir" -xf "$tmp/rootfs.tar"
sed -i 's/deb12u3/deb12u4/' "$tmp/dir/var/lib/dpkg/status"
# shellcheck disable=SC2086
out=$($P run --rm --network none $LIMITS --rootfs "$tmp/dir:O" /bin/sh -c 'echo started' 2>&1) ||
        fail "--rootfs DIR:O, clean: $out"
[ "$out" = started ] && [ "$(last identity_source)" = inventory ] ||
        fail "--rootfs DIR:O, clean: $out $(tail -1 "$tmp/audit.log")"
case "$(last identity_note)" in
*"$tmp/dir is not a committed layer of a container store"*) ;;
*) fail "--rootfs DIR:O: identity_note: $(last identity_note)" ;;
esac
sed -i 's/deb12u4/deb12u3/' "$tmp/dir/var/lib/dpkg/status"
# shellcheck disable=SC2086
if err=$($P run --rm --network none $LIMITS --rootfs "$tmp/dir:O" /bin/sh -c 'echo started' 2>&1); then
        fail "--rootfs DIR:O: the vulnerable version written into DIR started: $err"
fi
case "$err" in
*"portcullis: blocked container "*": 1 CRITICAL at or above HIGH (PCEX-CVE-2023-38545 libcurl4)"*) ;;
*) fail "--rootfs DIR:O: no block line: $err" ;;
esac
echo "ok: --rootfs DIR:O is judged by its inventory at each start" >&2

# 4. podman build runs a RUN step with the hook only when the build is
#    given the hooks folder (config/README.md): with it, a RUN on the
#    vulnerable image fails the build with the block line; without, the
#    step runs ungated (a note, should a later Podman change that)
mkdir -p "$tmp/ctx"
printf 'FROM localhost/pc-curl:deb12u3\nRUN echo step-ran\n' >"$tmp/ctx/Containerfile"
# shellcheck disable=SC2086
if err=$(timeout 120 $P build --runtime runc --hooks-dir "$tmp/hooks.d" $LIMITS --network none -t localhost/pc-built:1 \
        "$tmp/ctx" 2>&1); then
        fail "podman build --hooks-dir: the RUN step on the vulnerable image ran: $err"
fi
case "$err" in
*"portcullis: blocked localhost/pc-curl:deb12u3"*|*"portcullis: blocked container "*) ;;
*) fail "podman build --hooks-dir: no block line: $err" ;;
esac
# shellcheck disable=SC2086
if out=$(timeout 120 $P build --runtime runc $LIMITS --network none -t localhost/pc-built:2 "$tmp/ctx" 2>&1); then
        echo "note: podman build without --hooks-dir ran the RUN step ungated, as config/README.md says" >&2
else
        echo "note: podman build without --hooks-dir was gated now: update config/README.md ($out)" >&2
fi
echo "ok: podman build --hooks-dir gates RUN steps" >&2


# 5. another image mounted in (--mount type=image): judged as the
#    container's own image is, its findings the container's, their paths
#    under the mount: the clean image with the vulnerable one mounted at
#    /img is blocked, naming the finding and the mount; with the clean image
#    mounted it starts, a cache hit for both at the second start; the clean
#    image alone then has nothing of the mount (never kept with the image's
#    verdict).
mount_vuln="--mount type=image,source=localhost/pc-curl:deb12u3,target=/img"
# shellcheck disable=SC2086
if err=$($P run --rm --network none $LIMITS $mount_vuln localhost/pc-clean:1 /bin/sh -c 'echo started' 2>&1); then
        fail "a clean image with a vulnerable one mounted in started: $err"
fi
case "$err" in
*"portcullis: note: localhost/pc-clean:1: image mounted at /img ($tmp/root/overlay/"*"/merged): 1 finding, identity overlay:sha256:"*" (overlay)"*"portcullis: blocked localhost/pc-clean:1: 1 CRITICAL at or above HIGH (PCEX-CVE-2023-38545 libcurl4)"*) ;;
*) fail "no block line for the image mounted at /img: $err" ;;
esac
printf "%s\n" "$err" | grep "image mounted at /img" >&2
python3 - "$tmp/audit.log" <<'PY' || fail "the audit line of the mounted image's finding: $(tail -1 "$tmp/audit.log")"
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert d["decision"] == "deny" and d["image"] == "localhost/pc-clean:1" and d["worst"] == ["PCEX-CVE-2023-38545 libcurl4"], d
assert d["unchecked"] is None, d
PY
mount_clean="--mount type=image,source=localhost/pc-curl:deb12u4,target=/img"
for n in 1 2; do
        # shellcheck disable=SC2086
        out=$($P run --rm --network none $LIMITS $mount_clean localhost/pc-clean:1 /bin/sh -c 'echo started' 2>&1) ||
                fail "a clean image with a clean one mounted in, start $n: $out"
        [ "$out" = started ] && [ "$(last decision)" = allow ] && [ -z "$(last unchecked)" ] ||
                fail "clean mounted in, start $n: $out $(tail -1 "$tmp/audit.log")"
done
# shellcheck disable=SC2086
out=$($P run --rm --network none $LIMITS localhost/pc-clean:1 /bin/sh -c 'echo started' 2>&1) ||
        fail "the clean image without the mount: $out"
[ "$out" = started ] && [ "$(last cache)" = hit ] && [ "$(last decision)" = allow ] ||
        fail "the mount outlived its container: $out $(tail -1 "$tmp/audit.log")"
echo "ok: an image mounted into the container is judged with it" >&2

# 5b. VEX on the mounted image: named by the digest containers/storage's
#     overlay-images/images.json records for the image whose top layer
#     Podman mounted (trust_image_digest), a not_affected statement on it
#     suppresses the mounted image's finding: the clean image starts
digest=$($P image inspect --format '{{.Digest}}' localhost/pc-curl:deb12u3) || fail "podman image inspect"
printf '{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1", "author": "test",
 "timestamp": "2026-01-01T00:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "CVE-2023-38545"}, "products": [{"@id": "pkg:oci/pc-curl@%s"}],
                 "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}\n' \
        "$(printf '%s' "$digest" | sed 's/:/%3A/')" >"$tmp/vex.json"
printf '{"mode": "enforce", "severity": "HIGH", "vex": ["vex.json"]}\n' >"$tmp/policy.json"
sed -i 's/"trust_image_digest": false/"trust_image_digest": true/' "$tmp/config.json"
# shellcheck disable=SC2086
out=$($P run --rm --network none $LIMITS $mount_vuln localhost/pc-clean:1 /bin/sh -c 'echo started' 2>&1) ||
        fail "a VEX statement on the mounted image did not suppress its finding: $out"
[ "$(last decision)" = allow ] && case "$(last vex)" in *"PCEX-CVE-2023-38545 libcurl4 (not_affected"*) true ;; *) false ;; esac ||
        fail "VEX on the mounted image: $out $(tail -1 "$tmp/audit.log")"
echo "ok: a VEX statement on the mounted image's digest suppresses its finding" >&2
