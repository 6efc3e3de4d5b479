#!/bin/bash
# portcullis doctor on a healthy install laid out under a temporary --root
# (config, policy, a DB imported from feed/, cache and lock folders, an
# audit log, containerd's drop-in imported by config.toml, a hooks.d file
# naming the built hook, the hook and the shim where this build installs
# them): exit 0 and every check ok.  Then each piece broken in turn, on a
# fresh copy: exit 1, that check "fail", and its message.  --format json is
# parsed and its shape checked; usage errors exit 2.
set -u
P=${PORTCULLIS:?}
HOOK=${PORTCULLIS_HOOK:?}
SHIM=${PORTCULLIS_SHIM:?}
SRC=${PC_SOURCE_ROOT:?}
BUILD=${PC_BUILD_ROOT:?}
. "$SRC/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "skip: the hook runs as root, and so must the doctor's checks of its folders"; exit 77; }
for t in python3 meson timeout; do command -v "$t" >/dev/null || { echo "skip: $t is missing"; exit 77; }; done

T=$(mktemp -d "${TMPDIR:-/tmp}/pc-doctor-XXXXXX")
trap 'rm -rf "$T"' EXIT
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"

# Where this build installs the hook and the shim (what doctor checks).
read -r PREFIX BINDIR LIBEXECDIR < <(meson introspect --buildoptions "$BUILD" | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["prefix"], o["bindir"], o["libexecdir"])')
HOOK_AT=$PREFIX/$LIBEXECDIR/portcullis/portcullis-hook
SHIM_AT=$PREFIX/$BINDIR/containerd-shim-portcullis-v2
WRAPPER_AT=$PREFIX/$LIBEXECDIR/portcullis/runc/runc
RUNC_WRAPPER=${PORTCULLIS_RUNC_WRAPPER:?}

H=$T/healthy
mkdir -p "$H/etc/portcullis" "$H/var/lib/portcullis" "$H/var/cache/portcullis" "$H/run/portcullis/locks" \
        "$H/var/log/portcullis" "$H/etc/containers/oci/hooks.d" "$H/etc/containerd/conf.d" \
        "$H$(dirname "$HOOK_AT")" "$H$(dirname "$SHIM_AT")" "$H$(dirname "$WRAPPER_AT")"
chmod 0700 "$H/var/lib/portcullis" "$H/var/cache/portcullis" "$H/run/portcullis/locks"
install -m 0755 "$HOOK" "$H$HOOK_AT"
install -m 0755 "$SHIM" "$H$SHIM_AT"
install -m 0755 "$RUNC_WRAPPER" "$H$WRAPPER_AT"
mkdir -p "$H/etc/docker"
printf '{"runtimes": {"portcullis": {"path": "%s"}}, "default-runtime": "portcullis"}\n' "$WRAPPER_AT" >"$H/etc/docker/daemon.json"
cat >"$H/etc/portcullis/config.json" <<'EOF'
{
  "db": "/var/lib/portcullis/vulndb.sqlite",
  "cache": "/var/cache/portcullis/cache.db",
  "lock_dir": "/run/portcullis/locks",
  "policy": "/etc/portcullis/policy.json",
  "log": {"syslog": false, "file": "/var/log/portcullis/audit.log"}
}
EOF
printf '{"mode": "enforce", "severity": "HIGH", "max_db_age_hours": 24, "on_stale_db": "deny"}\n' \
        >"$H/etc/portcullis/policy.json"
cat >"$H/etc/containers/oci/hooks.d/portcullis.json" <<EOF
{"version": "1.0.0", "hook": {"path": "$HOOK_AT", "args": ["portcullis-hook"], "timeout": 30},
 "when": {"always": true}, "stages": ["createRuntime"]}
EOF
cat >"$H/etc/containerd/config.toml" <<'EOF'
version = 2
# the drop-ins
imports = [
  "/etc/containerd/conf.d/portcullis.toml",  # portcullis install containerd
]

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "portcullis"
EOF
cat >"$H/etc/containerd/conf.d/portcullis.toml" <<'EOF'
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.portcullis]
  runtime_type = "io.containerd.portcullis.v2"
EOF
"$P" db import "$SRC/feed" --db "$H/var/lib/portcullis/vulndb.sqlite" >/dev/null 2>&1 || { echo "FAIL: import"; exit 1; }
# the timer's last `db update`, an hour ago, as its record of runs says
mkdir -m 0700 "$H/var/lib/portcullis/update"
AGO=$(date -u -d '1 hour ago' +%FT%TZ)
printf '{"version": 1, "started": "%s", "ended": "%s", "pid": 1, "last_success": "%s"}\n' "$AGO" "$AGO" "$AGO" \
        >"$H/var/lib/portcullis/update/run.json"

# doctor DIR [ARGS...]: sets OUT (stdout), ERR and RC.
doctor() {
        local root=$1
        shift
        OUT=$(timeout 120 "$P" doctor --root "$root" "$@" 2>"$T/stderr"); RC=$?
        ERR=$(cat "$T/stderr")
}

# row NAME: the check's table row (and its "what to do" line).
row() { grep -A1 "^$1 " <<<"$OUT"; }

doctor "$H"
[ "$RC" -eq 0 ] || fail "healthy: exit $RC: $OUT $ERR"
for c in config runtime.containerd runtime.oci-hooks runtime.docker hook shim policy db update cache lock_dir audit_log \
        sandbox dry_run; do
        r=$(row "$c")
        # A kernel without Landlock (before 5.13, or not enabled) or without
        # seccomp filters is a warning, nothing else.
        if [ "$c" = sandbox ] && grep -Eq "^sandbox  *warn  .*(no Landlock on this kernel|without its seccomp filter)" <<<"$r"; then
                continue
        fi
        grep -q "^$c  *ok  " <<<"$r" || fail "healthy: $c is not ok: $r"
done
row runtime.containerd | grep -q "runtime 'portcullis' (io.containerd.portcullis.v2) in $H/etc/containerd/conf.d/portcullis.toml, imported, shim $H$SHIM_AT, runc wrapper $H$WRAPPER_AT" ||
        fail "healthy: containerd row: $(row runtime.containerd)"
row runtime.oci-hooks | grep -q "names $HOOK_AT" || fail "healthy: hooks.d row: $(row runtime.oci-hooks)"
row runtime.docker | grep -qF "runtime 'portcullis' in $H/etc/docker/daemon.json, the runc wrapper $WRAPPER_AT; the default runtime" ||
        fail "healthy: docker row: $(row runtime.docker)"
row dry_run | grep -Eq "a test image would start: first decision \(cache miss\) in [0-9]+ ms, again \(cache hit\) in [0-9]+ ms" ||
        fail "healthy: dry run: $(row dry_run)"
[ -e "$H/var/log/portcullis/audit.log" ] && fail "healthy: doctor left an audit log file behind"
[ -n "$(ls -A "$H/var/cache/portcullis")" ] && fail "healthy: doctor wrote into the node's cache folder: $(ls -A "$H/var/cache/portcullis")"
[ -n "$(ls -A "$TMPDIR")" ] && fail "healthy: doctor left temporary files: $(ls -A "$TMPDIR")"

# --format json: the documented shape (docs/doctor.md).
doctor "$H" --format json
[ "$RC" -eq 0 ] || fail "healthy json: exit $RC $ERR"
python3 - "$OUT" "$H" <<'PY' || fail "healthy json: $OUT"
import json, sys
d = json.loads(sys.argv[1])
assert d["version"] == 1 and d["root"] == sys.argv[2] and d["config"] is None and d["ok"] is True, d
names = [c["name"] for c in d["checks"]]
assert names == ["config", "runtime.containerd", "runtime.oci-hooks", "runtime.docker", "hook", "shim", "policy", "db",
                 "update", "cache", "lock_dir", "audit_log", "sandbox", "dry_run"], names
for c in d["checks"]:
    assert set(c) == {"name", "status", "detail", "fix", "duration_ms"}, c
    assert c["status"] in ("ok", "warn"), c
    assert c["status"] == "ok" or c["name"] == "sandbox", c
    assert isinstance(c["duration_ms"], int) and c["duration_ms"] >= 0, c
    assert c["fix"] is None or c["status"] != "ok", c
assert set(d["summary"]) == {"ok", "skip", "warn", "fail"} and d["summary"]["fail"] == 0, d["summary"]
assert sum(d["summary"].values()) == len(d["checks"]), d["summary"]
PY

# broken NAME CHECK MESSAGE: the copy $T/NAME (made by fresh) must fail
# CHECK with MESSAGE (a grep -E pattern) in its row, and exit 1; the JSON
# says the same.
fresh() { rm -rf "${T:?}/$1"; cp -a "$H" "$T/$1"; B=$T/$1; }
broken() {
        doctor "$T/$1" --format json
        python3 -c '
import json, sys
d = json.loads(sys.argv[1])
c = {c["name"]: c for c in d["checks"]}[sys.argv[2]]
assert d["ok"] is False and d["summary"]["fail"] >= 1 and c["status"] == "fail" and c["fix"], c' "$OUT" "$2" ||
                fail "$1: JSON: $RC $OUT"
        [ "$RC" -eq 1 ] || fail "$1: --format json exit $RC"
        doctor "$T/$1"
        [ "$RC" -eq 1 ] || fail "$1: exit $RC, not 1: $OUT $ERR"
        row "$2" | grep -q "^$2  *FAIL  " || fail "$1: $2 did not fail: $(row "$2")"
        row "$2" | grep -Eq -- "$3" || fail "$1: $2 does not say '$3': $(row "$2")"
        row "$2" | grep -q "what to do: ." || fail "$1: $2 says nothing to do: $(row "$2")"
}

fresh policy
printf '{"mode": "enforce", "severity": "HIGHEST"}\n' >"$B/etc/portcullis/policy.json"
broken policy policy "policy.json:1:[0-9]+: .*severity.*HIGHEST"
row policy | grep -q "portcullis policy check $B/etc/portcullis/policy.json" || fail "policy: fix: $(row policy)"
# the DB's age held to no limit the policy could set: not "any age"
row db | grep -q "max_db_age_hours unknown: the policy can't be read" || fail "policy: db row: $(row db)"

fresh config
printf '{"db": "/var/lib/portcullis/vulndb.sqlite", "dbs": 1}\n' >"$B/etc/portcullis/config.json"
broken config config "config.json:1:[0-9]+: .*dbs"

# Podman present, the config trusting annotations (the default): a warning
# saying to set trust_image_digest false; with it false, ok.
fresh podmantrust
mkdir -p "$B/usr/bin" && install -m 0755 /bin/true "$B/usr/bin/podman"
doctor "$B"
row config | grep -q "^config  *warn  .*trusts the containers' annotations (trust_image_digest true), and Podman is installed" ||
        fail "podman, trusting config: $(row config)"
row config | grep -q 'set "trust_image_digest": false' || fail "podman, trusting config: fix: $(row config)"
python3 -c 'import json,sys; p=sys.argv[1]; c=json.load(open(p)); c["trust_image_digest"]=False; json.dump(c, open(p, "w"))' \
        "$B/etc/portcullis/config.json"
doctor "$B"
row config | grep -q "^config  *ok  " || fail "podman, trust_image_digest false: $(row config)"

fresh nodb
rm "$B/var/lib/portcullis/vulndb.sqlite"
broken nodb db "vulnerability database $B/var/lib/portcullis/vulndb.sqlite .*No such file or directory"
row db | grep -q "portcullis db update" || fail "nodb: fix: $(row db)"
# the timer as systemd/portcullis-update.timer ships it (OnCalendar 00/6)
row db | grep -q "portcullis-update.timer does it every 6 h" || fail "nodb: fix names the timer's interval: $(row db)"
# and the dry run, whose gate can't match either, says what the hook would do
row dry_run | grep -Eq "^dry_run  *(FAIL|warn)  .*vulndb.sqlite" || fail "nodb: dry run: $(row dry_run)"

fresh olddb
python3 - "$B/var/lib/portcullis/vulndb.sqlite" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE meta SET value = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-3 days') WHERE key = 'import_time'")
c.commit()
PY
broken olddb db "imported 72 hours ago \(.*\), more than max_db_age_hours \(24\)"
row db | grep -q "on_stale_db (deny)" || fail "olddb: fix: $(row db)"
# on_stale_db deny: the test image is blocked, and the dry run says why
row dry_run | grep -q "^dry_run  *FAIL  .*blocked in .*max_db_age_hours" || fail "olddb: dry run: $(row dry_run)"

fresh cachefile
rm -r "$B/var/cache/portcullis"
: >"$B/var/cache/portcullis"
broken cachefile cache "the cache's folder $B/var/cache/portcullis is not a folder"

# A cache a newer Portcullis made (after a rollback): the hook leaves it and
# decides every start without it, which only the user can end.  The file
# as lib/cache.c marks it (application_id "PCvc", user_version and meta's
# schema_version), of a schema above this build's.
fresh newercache
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript("PRAGMA application_id=1346598499; PRAGMA user_version=4; CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES (\"schema_version\", \"4\");")' \
        "$B/var/cache/portcullis/cache.db"
doctor "$B"
row cache | grep -q "^cache  *warn  *the verdict cache is not used: cache $B/var/cache/portcullis/cache.db is of schema 4, made by a newer Portcullis (this one uses 3);.* move $B/var/cache/portcullis/cache.db and its -wal and -shm away" ||
        fail "newercache: $(row cache)"
ls "$B/var/cache/portcullis" | grep -qv '^cache.db$' && fail "newercache: doctor left files beside it: $(ls "$B/var/cache/portcullis")"

# Running containers a DB update's recheck left to 'cache fill' (running.json's
# "pending"), still there 20 minutes later: the fill timer does not run.
# Fresh ones (the timer runs a minute after each run) are not said.
fresh fillpending
printf '{"revisions": [], "containers": {}, "events": [], "pending": {"/run/runc/c-zlib@1": "sha256:ab"}}\n' \
        >"$B/var/cache/portcullis/running.json"
doctor "$B"
row cache | grep -q "^cache  *ok" || fail "fillpending, fresh: $(row cache)"
touch -d '20 minutes ago' "$B/var/cache/portcullis/running.json"
doctor "$B"
row cache | grep -q "^cache  *warn  *1 running container that the recheck after a DB update left to 'cache fill' has not been judged since .*portcullis-fill.timer does not seem to run" &&
        row cache | grep -q "systemctl enable --now portcullis-fill.timer" || fail "fillpending: $(row cache)"

# An image the hook has seen whose ecosystem the DB has no record of (an
# Alpine 3.18 image; the DB is feed/'s Debian 12): its packages are not
# checked at any start, and 'db update' leaves out one no source has:
# the db row says which.
fresh uncovered
A=$T/uncovered-img
mkdir -p "$A/rootfs/etc" "$A/rootfs/lib/apk/db" "$A/bundle"
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.18.4\n' >"$A/rootfs/etc/os-release"
printf 'C:Q1abcdefghijklmnopqrstuvwxyz0=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:1\nI:1\nT:musl\no:musl\n\n' \
        >"$A/rootfs/lib/apk/db/installed"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$A/rootfs" >"$A/bundle/config.json"
printf '{"mode": "audit", "severity": "HIGH", "deadline_ms": 30000}\n' >"$A/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false}}\n' \
        "$B/var/lib/portcullis/vulndb.sqlite" "$B/var/cache/portcullis/cache.db" "$A" "$A/policy.json" >"$A/config.json"
printf '{"ociVersion": "1.0.2", "id": "alp", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$A/bundle" |
        "$HOOK" --config "$A/config.json" >"$A/out" 2>&1 || fail "uncovered: hook: $(cat "$A/out")"
# and a UBI 10.1 image, covered by any RHEL 10 minor release's records
# (each minor's hold for it: match_streams()), here 10.0's alone
mkdir -p "$A/rootfs10/etc" "$A/bundle10" "$A/el10"
printf 'ID="rhel"\nVERSION_ID="10.1"\n' >"$A/rootfs10/etc/os-release"
printf '{"ociVersion": "1.0.2", "root": {"path": "%s"}}\n' "$A/rootfs10" >"$A/bundle10/config.json"
printf '{"id": "TEST-EL10", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Red Hat:enterprise_linux:10.0", "name": "bash"}, "versions": ["1"]}]}\n' \
        >"$A/el10/a.json"
"$P" db import "$SRC/feed" "$A/el10" --db "$B/var/lib/portcullis/vulndb.sqlite" >"$A/out" 2>&1 || fail "uncovered: import: $(cat "$A/out")"
printf '{"ociVersion": "1.0.2", "id": "ubi10", "status": "creating", "pid": 1, "bundle": "%s"}\n' "$A/bundle10" |
        "$HOOK" --config "$A/config.json" >"$A/out" 2>&1 || fail "uncovered: hook, UBI 10: $(cat "$A/out")"
doctor "$B"
row db | grep -q "^db  *warn  .*has no record of 1 ecosystem of the images in the verdict cache (Alpine:v3.18): their packages are not checked" &&
        row db | grep -q "portcullis db update" || fail "uncovered: $(row db)"
"$P" db import "$SRC/feed" --allow-shrink --db "$B/var/lib/portcullis/vulndb.sqlite" >"$A/out" 2>&1 || fail "uncovered: import again: $(cat "$A/out")"
doctor "$B"
row db | grep -q "^db  *warn  .*has no record of 2 ecosystems of the images in the verdict cache (.*Red Hat:enterprise_linux:10.1[,)]" ||
        fail "uncovered, no RHEL 10 record: $(row db)"

fresh lockfile
rm -r "$B/run/portcullis"
: >"$B/run/portcullis"
broken lockfile lock_dir "the lock folder $B/run/portcullis/locks is absent and can't be created: $B/run/portcullis is not a folder"
row lock_dir | grep -q "remove the file $B/run/portcullis " || fail "lockfile: fix: $(row lock_dir)"

# absent folders the hook creates are fine
fresh nolocks
rm -r "$B/run/portcullis"
doctor "$B"
[ "$RC" -eq 0 ] && row lock_dir | grep -q "^lock_dir  *ok  .*absent; the hook creates it" || fail "nolocks: $RC $(row lock_dir)"
[ -e "$B/run/portcullis" ] && fail "nolocks: doctor created the lock folder"

# a read-only cache folder, where a private mount namespace can be had
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
        fresh rocache
        OUT=$(timeout 120 unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" doctor --root "$3"' \
                sh "$B/var/cache/portcullis" "$P" "$B" 2>&1); RC=$?
        [ "$RC" -eq 1 ] && row cache | grep -q "^cache  *FAIL  .*is not writable: Read-only file system" ||
                fail "rocache: $RC $(row cache)"
fi

fresh noexec
chmod 0644 "$B$HOOK_AT"
broken noexec hook "$B$HOOK_AT is not executable \(mode 0644\)"
row hook | grep -q "chmod 0755 $B$HOOK_AT" || fail "noexec: fix: $(row hook)"
row runtime.oci-hooks | grep -q "^runtime.oci-hooks  *FAIL  .*names the hook $HOOK_AT, which can't run" ||
        fail "noexec: hooks.d: $(row runtime.oci-hooks)"

fresh nologdir
rm -r "$B/var/log/portcullis"
broken nologdir audit_log "audit log $B/var/log/portcullis/audit.log can't be opened for appending: No such file or directory \(its folder is missing\)"
row audit_log | grep -q "mkdir -p -m 0750 $B/var/log/portcullis" || fail "nologdir: fix: $(row audit_log)"

# an absent log file in a writable folder is fine, and stays absent
fresh nologfile
doctor "$B"
[ "$RC" -eq 0 ] && row audit_log | grep -q "^audit_log  *ok  .*file $B/var/log/portcullis/audit.log absent, its folder writable" ||
        fail "nologfile: $RC $(row audit_log)"
[ -e "$B/var/log/portcullis/audit.log" ] && fail "nologfile: doctor created the audit log"
printf 'an earlier line\n' >"$B/var/log/portcullis/audit.log"
doctor "$B"
[ "$RC" -eq 0 ] && [ "$(cat "$B/var/log/portcullis/audit.log")" = "an earlier line" ] || fail "nologfile: the log changed"

fresh nosyslog
printf '{"policy": "/etc/portcullis/policy.json", "db": "/var/lib/portcullis/vulndb.sqlite", "log": {"syslog": true, "syslog_socket": "/run/no-such.sock"}}\n' \
        >"$B/etc/portcullis/config.json"
broken nosyslog audit_log "no syslog socket at $B/run/no-such.sock"

# the hooks.d file gives the hook another config.json: the checks read the
# default one, and say so
fresh hookconfig
cp "$B/etc/portcullis/config.json" "$B/etc/portcullis/other.json"
sed -i 's|"args": \["portcullis-hook"\]|"args": ["portcullis-hook", "--config", "/etc/portcullis/other.json"]|' \
        "$B/etc/containers/oci/hooks.d/portcullis.json"
doctor "$B"
[ "$RC" -eq 0 ] && row runtime.oci-hooks | grep -q "^runtime.oci-hooks  *warn  .*names $HOOK_AT with --config /etc/portcullis/other.json: the hook reads that configuration, not the one checked here" &&
        row runtime.oci-hooks | grep -qF "what to do: portcullis doctor --root $B --config $B/etc/portcullis/other.json" ||
        fail "hookconfig: $RC $(row runtime.oci-hooks)"
sed -i 's|"/etc/portcullis/other.json"|"/etc/portcullis/config.json"|' "$B/etc/containers/oci/hooks.d/portcullis.json"
doctor "$B"
[ "$RC" -eq 0 ] && row runtime.oci-hooks | grep -q "^runtime.oci-hooks  *ok  " || fail "hookconfig, the same file: $RC $(row runtime.oci-hooks)"

fresh missinghook
sed -i "s|$HOOK_AT|/opt/nowhere/portcullis-hook|" "$B/etc/containers/oci/hooks.d/portcullis.json"
broken missinghook runtime.oci-hooks "hooks.d/portcullis.json names the hook /opt/nowhere/portcullis-hook, which can't run: .*No such file or directory"

fresh noimport
sed -i '/imports/,/^]/d' "$B/etc/containerd/config.toml"
broken noimport runtime.containerd "config.toml's imports do not name /etc/containerd/conf.d/portcullis.toml"

fresh wrongtype
sed -i 's/io.containerd.portcullis.v2/io.containerd.runc.v2/' "$B/etc/containerd/conf.d/portcullis.toml"
broken wrongtype runtime.containerd "runtime 'portcullis' has runtime_type io.containerd.runc.v2"

# containerd's own runc shim with the wrapper as its runc: gated, no shim needed
fresh binaryname
sed -i 's/io.containerd.portcullis.v2/io.containerd.runc.v2/' "$B/etc/containerd/conf.d/portcullis.toml"
printf '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.portcullis.options]\n  BinaryName = "%s"\n' \
        "$WRAPPER_AT" >>"$B/etc/containerd/conf.d/portcullis.toml"
rm "$B$SHIM_AT"
doctor "$B"
[ "$RC" -eq 0 ] && row runtime.containerd |
        grep -qF "runtime 'portcullis' (io.containerd.runc.v2, BinaryName the runc wrapper $WRAPPER_AT) in $B/etc/containerd/conf.d/portcullis.toml" ||
        fail "binaryname: $RC $(row runtime.containerd)"
# ... and naming runc itself: not gated
sed -i "s|BinaryName = .*|BinaryName = \"/usr/sbin/runc\"|" "$B/etc/containerd/conf.d/portcullis.toml"
broken binaryname runtime.containerd "runtime_type io.containerd.runc.v2, not .* \\(nor io.containerd.runc.v2 with BinaryName naming the runc wrapper\\)"

# containerd 2's config version 3, the runtime in config.toml itself, default runtime
fresh v3
rm "$B/etc/containerd/conf.d/portcullis.toml"
cat >"$B/etc/containerd/config.toml" <<'EOF'
version = 3
[plugins.'io.containerd.cri.v1.runtime'.containerd]
  default_runtime_name = 'portcullis'
[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.portcullis]
  runtime_type = 'io.containerd.portcullis.v2'
EOF
doctor "$B"
[ "$RC" -eq 0 ] && row runtime.containerd | grep -q "^runtime.containerd  *ok  .*in $B/etc/containerd/config.toml, shim .*; the default runtime" ||
        fail "v3: $RC $(row runtime.containerd)"

# Not the default runtime: pods without RuntimeClass portcullis start
# unchecked, a warning (as Docker's); a runtime table under another than the
# CRI plugin's name for the file's version, or the CRI plugin disabled: no
# pod runs with it (tests/containerd-unread.sh: containerd's config dump)
fresh notdefault
sed -i '/default_runtime_name/d' "$B/etc/containerd/config.toml"
doctor "$B"
[ "$RC" -eq 0 ] && row runtime.containerd | grep -q "^runtime.containerd  *warn  .*; not the default runtime: only pods whose RuntimeClass handler is portcullis are gated" &&
        row runtime.containerd | grep -q "what to do: portcullis install containerd --default-runtime" ||
        fail "notdefault: $RC $(row runtime.containerd)"
fresh misplaced
sed -i 's/"io.containerd.grpc.v1.cri"/"io.containerd.cri.v1.runtime"/' "$B/etc/containerd/conf.d/portcullis.toml"
broken misplaced runtime.containerd "conf.d/portcullis.toml: the table \[plugins.io.containerd.cri.v1.runtime.containerd.runtimes.portcullis\] is not the CRI plugin's for the file's config version, so containerd runs no pod with it"
# the shim's real runc shim runs options.BinaryName, not the wrapper first in
# PATH: containers joining a pod's shim (containerd 2) would start unchecked
fresh shimbinary
printf '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.portcullis.options]\n  BinaryName = "/usr/sbin/runc"\n' \
        >>"$B/etc/containerd/conf.d/portcullis.toml"
broken shimbinary runtime.containerd "runtime 'portcullis' has options BinaryName /usr/sbin/runc, not the runc wrapper: the shim's runc runs it"
sed -i 's|BinaryName = .*|BinaryName = "runc"|' "$B/etc/containerd/conf.d/portcullis.toml"
doctor "$B"
[ "$RC" -eq 0 ] && row runtime.containerd | grep -q "^runtime.containerd  *ok  " || fail "shimbinary runc: $RC $(row runtime.containerd)"
fresh cridisabled
sed -i 's/^version = 2$/version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]/' "$B/etc/containerd/config.toml"
broken cridisabled runtime.containerd "config.toml: disabled_plugins holds the CRI plugin, so runtime 'portcullis' is no pod's"

# Debian 12's config.toml (it configures the CRI plugin): install puts the
# runtime into config.toml itself, with --default-runtime; doctor sees it there
fresh debian12
rm "$B/etc/containerd/conf.d/portcullis.toml"
printf 'version = 2\n\n[plugins]\n  [plugins."io.containerd.grpc.v1.cri"]\n    [plugins."io.containerd.grpc.v1.cri".cni]\n      bin_dir = "/usr/lib/cni"\n      conf_dir = "/etc/cni/net.d"\n  [plugins."io.containerd.internal.v1.opt"]\n    path = "/var/lib/containerd/opt"\n' \
        >"$B/etc/containerd/config.toml"
"$P" -q install containerd --root "$B" --default-runtime >/dev/null 2>&1 || fail "debian12: install"
[ -e "$B/etc/containerd/conf.d/portcullis.toml" ] && fail "debian12: install wrote a drop-in"
doctor "$B"
[ "$RC" -eq 0 ] && row runtime.containerd | grep -q "^runtime.containerd  *ok  .*in $B/etc/containerd/config.toml, shim .*; the default runtime" ||
        fail "debian12: $RC $(row runtime.containerd)"

fresh noshim
rm "$B$SHIM_AT"
broken noshim runtime.containerd "no executable containerd-shim-portcullis-v2 is in a PATH folder"
# Docker: the runtime not the default is a warning; a path that is not the
# wrapper, or a daemon.json dockerd would not read, a failure
fresh dockernodefault
printf '{"runtimes": {"portcullis": {"path": "%s"}}}\n' "$WRAPPER_AT" >"$B/etc/docker/daemon.json"
doctor "$B"
row runtime.docker | grep -q "^runtime.docker  *warn  .*but the default runtime is runc: only containers run with --runtime portcullis are gated" ||
        fail "dockernodefault: $(row runtime.docker)"
# Docker keeps each container's runtime from its creation: ones made before
# portcullis was the default start unchecked (hostconfig.json, data-root)
fresh dockerold
mkdir -p "$B/srv/docker/containers/aaa1" "$B/var/lib/docker/containers/ccc3"
printf '{"runtimes": {"portcullis": {"path": "%s"}}, "default-runtime": "portcullis", "data-root": "/srv/docker"}\n' \
        "$WRAPPER_AT" >"$B/etc/docker/daemon.json"
printf '{"Binds":null,"Runtime":"portcullis"}' >"$B/srv/docker/containers/aaa1/hostconfig.json"
printf '{"Binds":null,"Runtime":"portcullis"}' >"$B/var/lib/docker/containers/ccc3/hostconfig.json"
doctor "$B"
row runtime.docker | grep -q "^runtime.docker  *ok  " || fail "dockerold, all portcullis: $(row runtime.docker)"
mkdir "$B/srv/docker/containers/bbb2"
printf '{"Binds":null,"Runtime":"runc"}' >"$B/srv/docker/containers/bbb2/hostconfig.json"
doctor "$B"
row runtime.docker | grep -q "^runtime.docker  *warn  .*the default runtime; but 1 of Docker's containers (bbb2) were created with another runtime, which every start and restart of theirs uses: unchecked" &&
        row runtime.docker | grep -qF "recreate them (docker rm, docker run)" || fail "dockerold: $(row runtime.docker)"
# a key twice: dockerd takes the last one, and so does doctor
fresh dockertwice
printf '{"debug": true, "debug": false, "runtimes": {"portcullis": {"path": "%s"}}, "default-runtime": "runc", "default-runtime": "portcullis"}\n' \
        "$WRAPPER_AT" >"$B/etc/docker/daemon.json"
doctor "$B"
row runtime.docker | grep -q "^runtime.docker  *ok  .*; the default runtime" || fail "dockertwice: $(row runtime.docker)"
fresh dockerrunc
printf '{"runtimes": {"portcullis": {"path": "/usr/sbin/runc"}}, "default-runtime": "portcullis"}\n' >"$B/etc/docker/daemon.json"
broken dockerrunc runtime.docker "runtimes.portcullis.path is /usr/sbin/runc, not the runc wrapper"
fresh dockerjson
printf '{"runtimes": {' >"$B/etc/docker/daemon.json"
broken dockerjson runtime.docker "daemon.json:1:"
fresh nodocker
rm -r "$B/etc/docker"
doctor "$B"
row runtime.docker | grep -q "^runtime.docker  *skip  *Docker is not present on this node" || fail "nodocker: $(row runtime.docker)"

fresh norunc
rm "$B$WRAPPER_AT"
broken norunc runtime.containerd "the shim's runc wrapper \($WRAPPER_AT or /usr/local/libexec/portcullis/runc/runc\) is missing"

# --root: a folder that is an absolute symbolic link is looked up under the
# root, as the host resolves it (the DB and the hooks.d file reached
# through one), never on this system; a link whose target is not under the
# root is a failure naming it, even where this system has that target.
fresh linked
E=$T/elsewhere
mkdir -p "$B$E"
mv "$B/var/lib/portcullis" "$B$E/lib" && ln -s "$E/lib" "$B/var/lib/portcullis"
mv "$B/etc/containers" "$B$E/containers" && ln -s "$E/containers" "$B/etc/containers"
doctor "$B"
[ "$RC" -eq 0 ] || fail "linked: exit $RC: $OUT $ERR"
row db | grep -q "^db  *ok  *$B$E/lib/vulndb.sqlite: revision" || fail "linked: db: $(row db)"
row runtime.oci-hooks | grep -q "^runtime.oci-hooks  *ok  *$B$E/containers/oci/hooks.d/portcullis.json names $HOOK_AT" ||
        fail "linked: hooks.d: $(row runtime.oci-hooks)"
mkdir -p "$E" && mv "$B$E/lib" "$E/lib"
broken linked db "$B/var/lib/portcullis is a symbolic link to $E/lib, which is no folder under $B"
rm -rf "$E"

# Runtimes not on the node are skipped, not failures; present but not
# configured is a warning.
fresh bare
rm -r "$B/etc/containerd" "$B/etc/containers"
doctor "$B"
[ "$RC" -eq 0 ] || fail "bare: exit $RC"
row runtime.containerd | grep -q "^runtime.containerd  *skip  *containerd is not present on this node" || fail "bare: $(row runtime.containerd)"
row runtime.oci-hooks | grep -q "^runtime.oci-hooks  *skip  *Podman and CRI-O are not present" || fail "bare: $(row runtime.oci-hooks)"
mkdir -p "$B/usr/bin" && printf '#!/bin/sh\n' >"$B/usr/bin/podman" && chmod 0755 "$B/usr/bin/podman"
doctor "$B"
[ "$RC" -eq 0 ] && row runtime.oci-hooks | grep -q "^runtime.oci-hooks  *warn  *podman installed, but no hooks.d file names the hook" ||
        fail "bare podman: $RC $(row runtime.oci-hooks)"

# usage
"$P" doctor --bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "--bogus: not exit 2"
"$P" doctor extra >/dev/null 2>&1; [ $? -eq 2 ] || fail "an argument: not exit 2"
"$P" doctor --root relative/dir >/dev/null 2>&1; [ $? -eq 2 ] || fail "relative --root: not exit 2"
"$P" doctor --format yaml >/dev/null 2>&1; [ $? -eq 2 ] || fail "--format yaml: not exit 2"
"$P" doctor --help | grep -q "Exit status: 0 nothing failed, 1 a check failed" || fail "doctor --help"
"$P" doctor --config "$T/none.json" --root "$H" >/dev/null 2>&1; [ $? -eq 1 ] || fail "--config missing: not exit 1"

[ "$fails" -eq 0 ] || exit 1
echo "ok"
