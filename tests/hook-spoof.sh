#!/bin/bash
# An image that claims another image's digest in its annotations (possible
# where users set annotations themselves: podman --annotation, ctr).  With
# the default, trust_image_digest, the digest names the cache entry, so the
# claim is served the other image's findings; with trust_image_digest false
# the identity is always the rootfs's own inventory, and the claim gains
# nothing; nor does a name or namespace claimed to choose a laxer scope.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
T=$(mktemp -d /tmp/pc-spoof-XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

DIGEST=sha256:$(printf 'a%.0s' $(seq 64))
# image NAME CURL_VERSION: a rootfs, its bundle and a state naming $DIGEST
image() {
        mkdir -p "$T/$1/root/etc" "$T/$1/root/var/lib/dpkg" "$T/$1/bundle"
        printf 'ID=debian\nVERSION_ID="12"\n' >"$T/$1/root/etc/os-release"
        printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: %s\n\n' \
                "$2" >"$T/$1/root/var/lib/dpkg/status"
        printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$T/$1/root" >"$T/$1/bundle/config.json"
        printf '{"ociVersion": "1.0.2", "id": "%s", "status": "creating", "pid": 1, "bundle": "%s",
                 "annotations": {"io.kubernetes.cri-o.ImageRef": "%s"}}\n' "$1" "$T/$1/bundle" "$DIGEST" >"$T/$1.state"
}
image good 7.88.1-10+deb12u4
image bad 7.88.1-10+deb12u3
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
# config NAME TRUST
config() {
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "trust_image_digest": %s,
                 "log": {"syslog": false, "file": "%s"}}\n' \
                "$T/db.sqlite" "$T/$1.cache" "$T/locks" "$T/policy.json" "$2" "$T/audit.log" >"$T/$1.json"
}
config trusting true
config wary false

"$HOOK" --config "$T/trusting.json" <"$T/good.state" >/dev/null 2>&1 || fail "good image blocked"
"$HOOK" --config "$T/trusting.json" <"$T/bad.state" >/dev/null 2>&1 &&
        echo "note: trusting the digest annotation, the bad image was served the good one's verdict (as documented)"

"$HOOK" --config "$T/wary.json" <"$T/good.state" >/dev/null 2>&1 || fail "wary: good image blocked"
out=$("$HOOK" --config "$T/wary.json" <"$T/bad.state" 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "PCEX-CVE-2023-38545 libcurl4" <<<"$out" || fail "wary: the claim was believed: $rc $out"
tail -1 "$T/audit.log" | grep -q '"identity":"inventory:sha256:' || fail "wary: identity not the inventory's"

# A claimed name and namespace: a scope for an image glob or a namespace
# (audit, laxer than the top level) and an allowlist entry for that image.
# Trusting annotations, the claim selects them (as the runtime is believed);
# wary, the name and namespace come from nowhere the user writes, and the
# top level decides.
printf '{"mode": "enforce", "severity": "HIGH", "allowlist": [{"id": "PCEX-CVE-2023-38545", "image": "registry.example.com/legacy/*", "reason": "test"}],
         "scopes": [{"name": "legacy", "match": {"images": ["registry.example.com/legacy/*"]}, "mode": "audit"},
                    {"name": "dev", "match": {"namespaces": ["dev-*"]}, "mode": "audit"}]}\n' >"$T/policy.json"
for claim in '"io.kubernetes.cri-o.ImageName": "registry.example.com/legacy/x"' '"io.kubernetes.pod.namespace": "dev-1"'; do
        sed "s|\"annotations\": {|\"annotations\": {$claim, |" "$T/bad.state" >"$T/claim.state"
        out=$("$HOOK" --config "$T/wary.json" <"$T/claim.state" 2>&1); rc=$?
        [ "$rc" -eq 1 ] && tail -1 "$T/audit.log" | grep -q '"scope":null' ||
                fail "wary: the claim $claim chose the policy: $rc $out $(tail -1 "$T/audit.log")"
        rm -f "$T/trusting.cache"*
        "$HOOK" --config "$T/trusting.json" <"$T/claim.state" >/dev/null 2>&1 || fail "trusting: the claim $claim was not believed"
done

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
