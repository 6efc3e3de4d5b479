#!/bin/bash
# The hook with the real runtime: runc runs portcullis-hook as a
# createRuntime hook, and the container starts or not as the policy says.
# Then hostile inputs straight to the hook: every one ends in the documented
# on_error / on_timeout outcome with a clear message, never a crash or hang.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
command -v runc >/dev/null || { echo "skip: runc not installed"; exit 77; }
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || { echo "skip: no static busybox (busybox-static)"; exit 77; }

T=$(mktemp -d /tmp/pc-hook-XXXXXX)
trap 'for c in $(runc list -q 2>/dev/null | grep "^pc-$$-"); do runc delete -f "$c" >/dev/null 2>&1; done; rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# rootfs NAME CURL_VERSION: busybox, Debian 12 os-release, a dpkg status
rootfs() {
        local r=$T/$1
        mkdir -p "$r/bin" "$r/etc" "$r/var/lib/dpkg" "$r/proc" "$r/dev" "$r/sys" "$r/tmp"
        cp "$BUSYBOX" "$r/bin/busybox"
        ln -s busybox "$r/bin/sh"
        printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' >"$r/etc/os-release"
        printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: %s\n\n' \
                "$2" >"$r/var/lib/dpkg/status"
}
rootfs vuln 7.88.1-10+deb12u3
rootfs fixed 7.88.1-10+deb12u4

DB=$T/vulndb.sqlite
"$P" db import "$SRC/feed" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }
LOG=$T/audit.log

# policy NAME JSON; config NAME POLICYFILE
policy() { printf '%s\n' "$2" >"$T/$1.policy.json"; }
config() {
        printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
                "$DB" "$T/cache.db" "$T/locks" "$T/$2" "$LOG" >"$T/$1.config.json"
}

# bundle NAME ROOTFS CONFIG [ANNOTATIONS-JSON]: a runc bundle with the hook
bundle() {
        local b=$T/bundles/$1
        mkdir -p "$b"
        python3 - "$b" "$T/$2" "$HOOK" "$T/$3.config.json" "${4:-{\}}" <<'PY'
import json, os, subprocess, sys
b, root, hook, cfg, ann = sys.argv[1:]
subprocess.run(["runc", "spec", "-b", b], check=True)
c = json.load(open(b + "/config.json"))
c["root"] = {"path": root, "readonly": True}
c["process"]["args"] = ["/bin/sh", "-c", "echo started"]
c["process"]["terminal"] = False
stage = os.environ.get("STAGE", "createRuntime")
c["hooks"] = {stage: [{"path": hook, "args": ["portcullis-hook", "--config", cfg], "timeout": 30}]}
c["annotations"] = json.loads(ann)
json.dump(c, open(b + "/config.json", "w"), indent=1)
PY
}

# start NAME: runs the bundle; sets OUT (stdout+stderr) and RC
n=0
start() {
        n=$((n + 1))
        OUT=$(timeout 60 runc run -b "$T/bundles/$1" "pc-$$-$n" 2>&1 </dev/null); RC=$?
        runc delete -f "pc-$$-$n" >/dev/null 2>&1
}

IMG='{"io.kubernetes.cri.image-name": "docker.io/library/vuln:1"}'

# 1. enforce + vulnerable: never starts; runc's error carries the one line.
policy enforce '{"mode": "enforce", "severity": "HIGH"}'
config enforce enforce.policy.json
bundle b1 vuln enforce "$IMG"
start b1
[ "$RC" -ne 0 ] || fail "enforce: the container started"
grep -q started <<<"$OUT" && fail "enforce: the process ran"
grep -qF "portcullis: blocked docker.io/library/vuln:1: 1 CRITICAL at or above HIGH (PCEX-CVE-2023-38545 libcurl4); policy $T/enforce.policy.json" <<<"$OUT" ||
        fail "enforce: no block line in: $OUT"
# the line points to every finding, by the identity the audit line carries
# and that `cache show` takes as it is (issue 15).
ID=$(grep -o 'all findings: portcullis cache show [^ ;\"]*' <<<"$OUT" | head -1 | sed 's/.* //')
[ -n "$ID" ] && [ "$ID" = "$(tail -1 "$LOG" | python3 -c 'import json,sys; print(json.load(sys.stdin)["identity"])')" ] ||
        fail "enforce: no 'cache show' pointer with the audit line's identity: $OUT"
"$P" cache show "$ID" --cache "$T/cache.db" | grep -q '"PCEX-CVE-2023-38545"' || fail "enforce: cache show $ID"

# A scope and an allowlist entry: named in the block line (apt's LOW
# finding counts, curl's CRITICAL one is excused).
rootfs twofindings 7.88.1-10+deb12u3
printf 'Package: apt\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.6.1\n\n' >>"$T/twofindings/var/lib/dpkg/status"
policy scoped '{"mode": "enforce", "severity": "LOW", "allowlist": [{"id": "CVE-2023-38545", "reason": "test"}],
  "scopes": [{"name": "library", "match": {"images": ["docker.io/library/*"]}, "severity": "LOW"}]}'
config scoped scoped.policy.json
bundle b1s twofindings scoped "$IMG"
start b1s
[ "$RC" -ne 0 ] && grep -qE "portcullis: blocked docker.io/library/vuln:1: 1 LOW at or above LOW \(PCEX-CVE-2011-3374 apt\); policy $T/scoped.policy.json, scope 'library'; 1 more excused by the allowlist; all findings: portcullis cache show " <<<"$OUT" ||
        fail "scoped: block line without scope/allowlist: $OUT"

# 2. warn: starts, the warning is logged.
policy warn '{"mode": "warn", "severity": "HIGH"}'
config warn warn.policy.json
bundle b2 vuln warn "$IMG"
start b2
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "warn: did not start: $OUT"
tail -1 "$LOG" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["decision"]=="warn" and d["counts"]["CRITICAL"]==1, d' ||
        fail "warn: audit line"

# 3. audit: starts, only the log line.
policy audit '{"mode": "audit", "severity": "LOW"}'
config audit audit.policy.json
bundle b3 vuln audit "$IMG"
start b3
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "audit: did not start: $OUT"
grep -q portcullis <<<"$OUT" && fail "audit: said something: $OUT"
tail -1 "$LOG" | grep -q '"decision":"audit"' || fail "audit: audit line"

# 4. the fixed version installed: starts under enforce.
bundle b4 fixed enforce "$IMG"
start b4
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "fixed: did not start: $OUT"
tail -1 "$LOG" | grep -q '"decision":"allow"' || fail "fixed: audit line"

# 5. allowlisted (unexpired): starts; expired: blocked, and the log says why.
policy allow '{"mode": "enforce", "severity": "HIGH", "allowlist": [{"id": "CVE-2023-38545", "expires": "2099-01-01", "reason": "not reachable here"}]}'
config allow allow.policy.json
bundle b5 vuln allow "$IMG"
start b5
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "allowlisted: did not start: $OUT"
tail -1 "$LOG" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["decision"] == "allow" and d["summary"]["CRITICAL"] == 1 and d["counts"]["CRITICAL"] == 0 and d["summary"]["allowlisted"] == 1, d' ||
        fail "allowlisted: the audit line does not say the allowlist excused the CRITICAL: $(tail -1 "$LOG")"
policy expired '{"mode": "enforce", "severity": "HIGH", "allowlist": [{"id": "CVE-2023-38545", "expires": "2020-01-01", "reason": "was not reachable"}]}'
config expired expired.policy.json
bundle b6 vuln expired "$IMG"
start b6
[ "$RC" -ne 0 ] && grep -q "portcullis: blocked" <<<"$OUT" || fail "expired allowlist: not blocked: $OUT"
tail -1 "$LOG" | grep -q 'expired' || fail "expired allowlist: no note in the audit line"

# 6. scopes by Kubernetes namespace: enforce in prod-*, warn elsewhere.
policy scoped '{"mode": "warn", "severity": "HIGH", "scopes": [{"name": "production", "match": {"namespaces": ["prod-*"]}, "mode": "enforce"}]}'
config scoped scoped.policy.json
bundle b7 vuln scoped '{"io.kubernetes.cri.image-name": "docker.io/library/vuln:1", "io.kubernetes.pod.namespace": "prod-payments"}'
start b7
[ "$RC" -ne 0 ] || fail "scope production: started"
bundle b8 vuln scoped '{"io.kubernetes.cri.image-name": "docker.io/library/vuln:1", "io.kubernetes.pod.namespace": "dev"}'
start b8
[ "$RC" -eq 0 ] || fail "scope default (warn): did not start: $OUT"

# 7. older runtimes: the same as a prestart hook.
STAGE=prestart bundle b10 vuln enforce "$IMG"
start b10
[ "$RC" -ne 0 ] && grep -q "portcullis: blocked docker.io/library/vuln:1" <<<"$OUT" || fail "prestart: $OUT"
STAGE=prestart bundle b11 fixed enforce "$IMG"
start b11
[ "$RC" -eq 0 ] && grep -q started <<<"$OUT" || fail "prestart, fixed: $OUT"

# 8. the image name falls back to the container id.
bundle b9 vuln enforce
start b9
grep -q "portcullis: blocked container pc-$$-" <<<"$OUT" || fail "no image: not named by id: $OUT"

# ---- hostile inputs, straight to the hook ----------------------------------
# hook CONFIG STDIN-FILE: sets HOUT, HRC
hook() { HOUT=$(timeout 30 "$HOOK" --config "$T/$1" <"$2" 2>&1); HRC=$?; }
state() { printf '{"ociVersion": "1.0.2", "id": "x", "status": "creating", "pid": 1, "bundle": "%s"}' "$1" >"$T/state.json"; }

policy denyall '{"mode": "enforce", "severity": "HIGH", "on_error": "deny", "on_timeout": "deny", "deadline_ms": 2000}'
config denyall denyall.policy.json
printf 'this is not JSON' >"$T/garbage"
hook denyall.config.json "$T/garbage"
[ "$HRC" -eq 1 ] && grep -q "portcullis: blocked .*on_error is deny" <<<"$HOUT" || fail "garbage state: $HRC $HOUT"
hook enforce.config.json "$T/garbage"          # on_error defaults to allow
[ "$HRC" -eq 0 ] && grep -q "warning: not checked" <<<"$HOUT" || fail "garbage state, on_error allow: $HRC $HOUT"

head -c 2000000 /dev/zero | tr '\0' ' ' >"$T/huge"
hook denyall.config.json "$T/huge"
[ "$HRC" -eq 1 ] && grep -q "larger than" <<<"$HOUT" || fail "huge state: $HRC $HOUT"

state /nonexistent/bundle
hook denyall.config.json "$T/state.json"
[ "$HRC" -eq 1 ] && grep -q "/nonexistent/bundle" <<<"$HOUT" || fail "missing bundle: $HRC $HOUT"

# A rootfs whose dpkg status is an absolute symlink to a file the host has
# (dpkg's status-old, with apt in it) and the rootfs hasn't: resolved inside
# the rootfs it is absent, so nothing is found; read on the host, apt's LOW
# finding would block.  A symlink loop is an error, decided by on_error.
mkdir -p "$T/escape/var/lib/dpkg" "$T/escape/etc"
cp "$T/vuln/etc/os-release" "$T/escape/etc/"
ln -s /var/lib/dpkg/status-old "$T/escape/var/lib/dpkg/status"
policy low '{"mode": "enforce", "severity": "LOW", "on_error": "deny"}'
config low low.policy.json
bundle esc escape low
state "$T/bundles/esc"
hook low.config.json "$T/state.json"
[ "$HRC" -eq 0 ] || fail "escaping symlink: read outside the rootfs? $HRC $HOUT"
rm "$T/escape/var/lib/dpkg/status"
ln -s /var/lib/dpkg/status "$T/escape/var/lib/dpkg/status"
hook low.config.json "$T/state.json"
[ "$HRC" -eq 1 ] && grep -q "Too many levels of symbolic links; on_error is deny" <<<"$HOUT" ||
        fail "symlink loop: $HRC $HOUT"

# A policy with a typo: config.json's on_error (deny by default), and the
# message names the file, line and column.
printf '{\n  "mode": "enforce",\n  "severty": "HIGH"\n}\n' >"$T/typo.policy.json"
config typo typo.policy.json
state "$T/bundles/b1"
hook typo.config.json "$T/state.json"
[ "$HRC" -eq 1 ] && grep -q "typo.policy.json:3:3" <<<"$HOUT" || fail "policy typo: $HRC $HOUT"
# Under runc: the line and the audit record name the container and its
# image (the state is read for them), so that the log (and report) says
# whom a broken policy blocked.
bundle b12 fixed typo "$IMG"
start b12
[ "$RC" -ne 0 ] && grep -q "portcullis: blocked docker.io/library/vuln:1: .*typo.policy.json:3:3: unknown key 'severty'.*on_error is deny" <<<"$OUT" ||
        fail "policy typo under runc: $RC $OUT"
tail -1 "$LOG" | grep -q "\"container\":\"pc-$$-$n\",.*\"image\":\"docker.io/library/vuln:1\",.*\"decision\":\"deny\"" ||
        fail "policy typo under runc: the audit line does not name the container: $(tail -1 "$LOG")"

# stdin that never ends: decided by on_timeout at the deadline, no hang.
policy slow '{"mode": "enforce", "on_timeout": "deny", "deadline_ms": 500}'
config slow slow.policy.json
mkfifo "$T/stdin"
sleep 10 >"$T/stdin" &
writer=$!
start_s=$(date +%s%N)
HOUT=$(timeout 10 "$HOOK" --config "$T/slow.config.json" <"$T/stdin" 2>&1); HRC=$?
ms=$(( ($(date +%s%N) - start_s) / 1000000 ))
kill "$writer" 2>/dev/null
[ "$HRC" -eq 1 ] && grep -q "on_timeout is deny" <<<"$HOUT" || fail "endless stdin: $HRC $HOUT"
[ "$ms" -lt 3000 ] || fail "endless stdin: took $ms ms"

# An analysis that can't finish in time: killed at the deadline.  A cache
# of its own: b1 is in the shared one, and a hit can end within 1 ms.
policy tight '{"mode": "enforce", "on_timeout": "deny", "deadline_ms": 1}'
config tight tight.policy.json
sed -i "s|\"$T/cache.db\"|\"$T/tight-cache.db\"|" "$T/tight.config.json"
grep -q "tight-cache.db" "$T/tight.config.json" || fail "deadline: the config's cache"
state "$T/bundles/b1"
hook tight.config.json "$T/state.json"
[ "$HRC" -eq 1 ] && grep -q "on_timeout is deny" <<<"$HOUT" || fail "deadline: $HRC $HOUT"

# A usage error blocks (a broken hook entry must not pass everything).
HOUT=$("$HOOK" --bogus </dev/null 2>&1); HRC=$?
[ "$HRC" -ne 0 ] || fail "usage error passed"

# The report renders what the hook logged.
"$P" report --log "$LOG" >"$T/report.txt" || fail "report"
grep -q "deny" "$T/report.txt" && grep -q "warn" "$T/report.txt" && grep -q "docker.io/library/vuln:1" "$T/report.txt" ||
        fail "report content: $(cat "$T/report.txt")"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
