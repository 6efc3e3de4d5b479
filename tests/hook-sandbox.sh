#!/bin/sh
# Kubernetes pod sandboxes ("pause", "infra" containers), with runc and the
# real hook: every pod starts one from the node's configured image
# (containerd's sandbox_image, CRI-O's pause_image), one static program with
# no package at all.  Such a sandbox, named so by the runtime's annotations
# (trust_image_digest), starts without a warning, even in a namespace whose
# scope says on_unchecked deny under enforce, and its audit line says why;
# the same rootfs as a pod's own container is blocked as before; so is a
# sandbox image with a vulnerable package, and a sandbox whose annotations
# are not believed (trust_image_digest false).  containerd 2's annotations
# (the sandbox image named), 1.7's (none) and CRI-O's; the shipped example
# policy and the built-in one; check --state and ps agree with the hook;
# report and metrics count no warning.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
. "$SRC/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
command -v runc >/dev/null || { echo "skip: runc not installed"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-sandbox-XXXXXX")
ROOT=$T/runc-root
cleanup() {
        runc_delete_all "$ROOT"
        rm -rf "$T"
}
trap cleanup EXIT

# The pause image: deploy/kubernetes/pause.c, static, alone in its rootfs.
mkdir -p "$T/pause/proc" "$T/pause/dev" "$T/pause/sys"
cc -static -O2 -o "$T/pause/pause" "$SRC/deploy/kubernetes/pause.c" 2>"$T/cc.err" ||
        { echo "skip: cc -static failed (no static libc?): $(cat "$T/cc.err")"; exit 77; }
# An old or custom pause image with a package database: Debian 12's
# libcurl4 at the example feed's CRITICAL PCEX-CVE-2023-38545.
mkdir -p "$T/oldpause/etc" "$T/oldpause/var/lib/dpkg"
cp -a "$T/pause/." "$T/oldpause/"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/oldpause/etc/os-release"
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$T/oldpause/var/lib/dpkg/status"

DB=$T/vulndb.sqlite
LOG=$T/audit.log
"$P" db import "$SRC/feed" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }

# config NAME POLICY-FILE [TRUST]: $T/NAME.json
config() {
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"},
 "state_roots": ["%s"], "trust_image_digest": %s}\n' "$DB" "$T/cache.db" "$T/locks" "$2" "$LOG" "$ROOT" \
                "${3:-true}" >"$T/$1.json"
}
# Blocking in the namespace's scope: what the shipped example's
# "production" scope says, and the top level too, so that a start whose
# namespace is not believed is held to the same.
printf '{"mode": "enforce", "severity": "HIGH", "on_unchecked": "deny", "scopes": [{"name": "production",
 "match": {"namespaces": ["prod-*"]}, "mode": "enforce", "severity": "HIGH", "on_unchecked": "deny"}]}\n' \
        >"$T/prod.policy.json"
config prod "$T/prod.policy.json"
config untrusted "$T/prod.policy.json" false
config example "$SRC/config/policy-production.json"
printf "{}\n" >"$T/builtin.policy.json"
config builtin "$T/builtin.policy.json"

SBX=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
# containerd's own annotations (pkg/cri/annotations): a sandbox's, with the
# image it was configured with since 2.0 (none in 1.7), and a container's
CD2='"io.kubernetes.cri.container-type": "sandbox", "io.kubernetes.cri.sandbox-id": "'$SBX'",
 "io.kubernetes.cri.sandbox-namespace": "prod-web", "io.kubernetes.cri.sandbox-name": "web-0",
 "io.kubernetes.cri.sandbox-uid": "4b1c", "io.kubernetes.cri.podsandbox.image-name": "registry.k8s.io/pause:3.10"'
CD17='"io.kubernetes.cri.container-type": "sandbox", "io.kubernetes.cri.sandbox-id": "'$SBX'",
 "io.kubernetes.cri.sandbox-namespace": "prod-web", "io.kubernetes.cri.sandbox-name": "web-0"'
CTR='"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.sandbox-id": "'$SBX'",
 "io.kubernetes.cri.sandbox-namespace": "prod-web", "io.kubernetes.cri.container-name": "app",
 "io.kubernetes.cri.image-name": "registry.example.com/app:1"'
# CRI-O's infra container and a pod's container
CRIO='"io.kubernetes.cri-o.ContainerType": "sandbox", "io.kubernetes.cri-o.SandboxID": "'$SBX'",
 "io.kubernetes.cri-o.ImageName": "registry.k8s.io/pause:3.10", "io.kubernetes.pod.namespace": "prod-web"'
CRIOCTR='"io.kubernetes.cri-o.ContainerType": "container", "io.kubernetes.cri-o.SandboxID": "'$SBX'",
 "io.kubernetes.cri-o.ImageName": "registry.example.com/app:1", "io.kubernetes.pod.namespace": "prod-web"'

# start NAME ROOTFS CONFIG ANNOTATIONS: runc run -d of /pause with the hook
# at create, left running (ps reads it); sets RC and ERR (the hook's stderr
# as runc shows it).  The state file $T/NAME.state is what check --state reads.
start() {
        mkdir -p "$T/bundles/$1"
        ( cd "$T/bundles/$1" && runc spec ) || { echo "FAIL: runc spec"; exit 1; }
        python3 - "$T/bundles/$1/config.json" "$T/$2" "$HOOK" "$T/$3.json" "{$4}" <<'PY'
import json, sys
path, root, hook, cfg, annotations = sys.argv[1:]
c = json.load(open(path))
c["root"] = {"path": root, "readonly": True}
c["process"]["args"] = ["/pause"]
c["process"]["terminal"] = False
c["hooks"] = {"createRuntime": [{"path": hook, "args": ["portcullis-hook", "--config", cfg], "timeout": 30}]}
c["annotations"] = json.loads(annotations)
json.dump(c, open(path, "w"), indent=1)
PY
        printf '{"ociVersion": "1.0.2", "id": "%s", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$1" \
                "$T/bundles/$1" >"$T/$1.state"
        timeout 60 runc --root "$ROOT" run -d -b "$T/bundles/$1" "$1" </dev/null >"$T/$1.out" 2>&1
        RC=$?
        ERR=$(cat "$T/$1.out")
}

# audit_is DECISION SCOPE NOTE IMAGE: the last audit line: its decision,
# scope ("-" for none), a note containing NOTE ("-": no sandbox note) and
# nothing unchecked when NOTE is given, and the image ("-": none)
audit_is() {
        tail -1 "$LOG" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
want, scope, note, image = sys.argv[1:]
notes = d.get("notes") or []
sandbox = [n for n in notes if n.startswith("pod sandbox")]
assert d["decision"] == want, "decision %r, want %r" % (d["decision"], want)
assert d.get("scope") == (None if scope == "-" else scope), "scope %r, want %r" % (d.get("scope"), scope)
assert d.get("image") == (None if image == "-" else image), "image %r, want %r" % (d.get("image"), image)
if note == "-":
    assert not sandbox, "a sandbox note: %r" % notes
else:
    assert any(note in n for n in sandbox), "notes %r lack %r" % (notes, note)
    assert d.get("unchecked") is None, "unchecked: %r" % d["unchecked"]
' "$@" || { echo "  $(tail -1 "$LOG")"; return 1; }
}

# 1. containerd 2's sandbox in prod-web (the scope: on_unchecked deny,
# enforce): starts, nothing on stderr, the audit line says why.
start s-cd2 pause prod "$CD2"
[ "$RC" -eq 0 ] || fail "containerd 2 sandbox: blocked: $ERR"
[ -z "$ERR" ] || fail "containerd 2 sandbox: said something: $ERR"
audit_is allow production "pod sandbox: nothing to check" registry.k8s.io/pause:3.10 ||
        fail "containerd 2 sandbox: audit line"
tail -1 "$LOG" | grep -qF 'registry.k8s.io/pause:3.10 has no package' || fail "containerd 2 sandbox: the note names no image"
# runc drops a hook's stderr when it succeeds: the hook itself says nothing
# either (nor to the journal: no note for every pod start)
"$HOOK" --config "$T/prod.json" <"$T/s-cd2.state" >"$T/hook.out" 2>&1 && [ ! -s "$T/hook.out" ] ||
        fail "containerd 2 sandbox, the hook alone: $(cat "$T/hook.out")"
# and a cache hit decides the same
start s-cd2b pause prod "$CD2"
[ "$RC" -eq 0 ] && [ -z "$ERR" ] || fail "containerd 2 sandbox, hit: $RC $ERR"
audit_is allow production "pod sandbox: nothing to check" registry.k8s.io/pause:3.10 ||
        fail "containerd 2 sandbox, hit: audit line"
tail -1 "$LOG" | grep -q '"cache":"hit"' || fail "containerd 2 sandbox, hit: not a hit: $(tail -1 "$LOG")"

# 2. containerd 1.7's: no image named; starts all the same.
start s-cd17 pause prod "$CD17"
[ "$RC" -eq 0 ] && [ -z "$ERR" ] || fail "containerd 1.7 sandbox: $RC $ERR"
audit_is allow production "pod sandbox: nothing to check" - || fail "containerd 1.7 sandbox: audit line"

# 3. The same rootfs as a pod's container: blocked, as before.
start c-cd pause prod "$CTR"
[ "$RC" -ne 0 ] || fail "the pod's container: started"
echo "$ERR" | grep -qF "portcullis: blocked registry.example.com/app:1: not checked: the image: no package database found" ||
        fail "the pod's container: no block line: $ERR"
audit_is deny production - registry.example.com/app:1 || fail "the pod's container: audit line"

# 4. A sandbox image with a vulnerable package: judged as any image.
start s-old oldpause prod "$CD2"
[ "$RC" -ne 0 ] || fail "a sandbox with a vulnerable package: started"
echo "$ERR" | grep -qF "portcullis: blocked registry.k8s.io/pause:3.10: 1 CRITICAL at or above HIGH (PCEX-CVE-2023-38545 libcurl4)" ||
        fail "a sandbox with a vulnerable package: no block line: $ERR"
audit_is deny production - registry.k8s.io/pause:3.10 || fail "a sandbox with a vulnerable package: audit line"

# 5. trust_image_digest false: the annotations are not believed, the
# sandbox is any static image: blocked by the top level, as before.
start s-untrusted pause untrusted "$CD2"
[ "$RC" -ne 0 ] || fail "untrusted annotations: started"
echo "$ERR" | grep -qF "not checked: the image: no package database found" || fail "untrusted annotations: $ERR"
audit_is deny - - - || fail "untrusted annotations: audit line"

# 6. CRI-O's infra container, and its pod's container.
start s-crio pause prod "$CRIO"
[ "$RC" -eq 0 ] && [ -z "$ERR" ] || fail "CRI-O infra container: $RC $ERR"
audit_is allow production "pod sandbox: nothing to check" registry.k8s.io/pause:3.10 || fail "CRI-O infra container: audit line"
start c-crio pause prod "$CRIOCTR"
[ "$RC" -ne 0 ] || fail "CRI-O pod container: started"
audit_is deny production - registry.example.com/app:1 || fail "CRI-O pod container: audit line"
# A key that says otherwise beside one that says sandbox: not a sandbox.
start c-mixed pause prod "$CRIO, \"io.kubernetes.cri.container-type\": \"container\""
[ "$RC" -ne 0 ] || fail "sandbox and container keys at once: started"

# 7. The shipped example's production scope, and the built-in policy
# (on_unchecked warn): no warning, decision allow.
start s-example pause example "$CD2"
[ "$RC" -eq 0 ] && [ -z "$ERR" ] || fail "config/policy-production.json: $RC $ERR"
audit_is allow production "pod sandbox: nothing to check" registry.k8s.io/pause:3.10 ||
        fail "config/policy-production.json: audit line"
start c-example pause example "$CTR"
[ "$RC" -ne 0 ] || fail "config/policy-production.json: the pod's static container started"
start s-builtin pause builtin "$CD2"
[ "$RC" -eq 0 ] && [ -z "$ERR" ] || fail "built-in policy: $RC $ERR"
audit_is allow - "pod sandbox: nothing to check" registry.k8s.io/pause:3.10 || fail "built-in policy: audit line"
start c-builtin pause builtin "$CTR"
[ "$RC" -eq 0 ] || fail "built-in policy, the pod's static container: blocked: $ERR"
audit_is warn - - registry.example.com/app:1 || fail "built-in policy, the pod's static container: audit line"
"$HOOK" --config "$T/builtin.json" <"$T/c-builtin.state" >"$T/hook.out" 2>&1 &&
        grep -q "portcullis: warning: registry.example.com/app:1: not checked" "$T/hook.out" ||
        fail "built-in policy, the pod's static container: no warning: $(cat "$T/hook.out")"
"$HOOK" --config "$T/builtin.json" <"$T/s-builtin.state" >"$T/hook.out" 2>&1 && [ ! -s "$T/hook.out" ] ||
        fail "built-in policy, sandbox, the hook alone: $(cat "$T/hook.out")"

# 8. report marks no sandbox start warn!; metrics count no unchecked allow.
"$P" report --log "$LOG" >"$T/report.txt" 2>&1 || fail "report: $(cat "$T/report.txt")"
grep "registry.k8s.io/pause:3.10" "$T/report.txt" | grep -q 'warn!' && fail "report: a sandbox warned: $(cat "$T/report.txt")"
[ "$(grep -c "warn!" "$T/report.txt")" -eq 2 ] || fail "report: not the pod container's two warnings: $(cat "$T/report.txt")"
"$P" metrics --config "$T/prod.json" --output - >"$T/metrics.txt" 2>"$T/metrics.err" || fail "metrics: $(cat "$T/metrics.err")"
grep -q '^portcullis_decisions_unchecked_total{verdict="allow"} 0$' "$T/metrics.txt" &&
        grep -q '^portcullis_decisions_unchecked_total{verdict="warn"} 2$' "$T/metrics.txt" ||
        fail "metrics: sandboxes counted unchecked: $(grep unchecked_total "$T/metrics.txt")"

# 9. check --state decides as the hook did.
"$P" check --state "$T/s-cd2.state" --config "$T/prod.json" >"$T/check.out" 2>&1 || fail "check --state, sandbox: $(cat "$T/check.out")"
"$P" check --state "$T/c-cd.state" --config "$T/prod.json" >"$T/check.out" 2>&1 && fail "check --state, the pod's container: allowed"
"$P" check --state "$T/s-untrusted.state" --config "$T/untrusted.json" >"$T/check.out" 2>&1 && fail "check --state, untrusted: allowed"

# 10. ps judges the running sandboxes as the hook did.
timeout 120 "$P" ps --config "$T/prod.json" --format json >"$T/ps.json" 2>"$T/ps.err" || fail "ps: $(cat "$T/ps.err")"
python3 - "$T/ps.json" <<'PY' || fail "ps: $(cat "$T/ps.json")"
import json, sys
c = {c["id"]: c for c in json.load(open(sys.argv[1]))["containers"]}
for id in ("s-cd2", "s-cd17", "s-crio"):
    assert c[id]["verdict"] == "allow", (id, c[id])
assert c["s-cd2"]["image"] == "registry.k8s.io/pause:3.10", c["s-cd2"]
PY
timeout 120 "$P" ps --config "$T/untrusted.json" --format json >"$T/ps2.json" 2>"$T/ps.err" || fail "ps: $(cat "$T/ps.err")"
python3 - "$T/ps2.json" <<'PY' || fail "ps, untrusted: $(cat "$T/ps2.json")"
import json, sys
c = {c["id"]: c for c in json.load(open(sys.argv[1]))["containers"]}
assert c["s-cd2"]["verdict"] == "deny", c["s-cd2"]
PY

[ "$fails" -eq 0 ] || exit 1
echo "ok: a pod sandbox with nothing to check starts in silence, said in its audit line; nothing else does"
