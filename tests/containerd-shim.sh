#!/bin/bash
# containerd-shim-portcullis-v2, first alone with a recording delegate (what
# it does to config.json and to the command line, and how it fails), then
# under a real containerd (its own config, root, state and socket in a
# temporary directory): `ctr run --runtime io.containerd.portcullis.v2` of
# two OCI images built here, busybox + Debian 12 + libcurl4 from curl
# 7.88.1-10+deb12u3 (vulnerable: blocked, the reason in ctr's error) and
# +deb12u4 (fixed: starts; started again, a cache hit on the overlay
# snapshotter's layers); containers grouped into one shim process as a
# pod's are, each checked.  The containerd part needs root, containerd,
# ctr, runc, containerd-shim-runc-v2, umoci and busybox-static, and skips
# (77) without them.
set -u
SHIM=${PORTCULLIS_SHIM:?}
WRAPPER=${PORTCULLIS_RUNC_WRAPPER:?}
WRAPPER_DIR=$(dirname "$WRAPPER")
HOOK=${PORTCULLIS_HOOK:?}
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}

T=$(mktemp -d /tmp/pc-ctd-XXXXXX)
# The containerd namespace, this run's own: runc's state of a container
# lives under /run/containerd/runc/<namespace>/<id> whatever containerd's
# own state folder, so two runs of this test with one namespace (and the
# same container names) would share it and break each other.
NS=pc-${T##*-}
SOCK=$T/ctd.sock
CTD_PID=
LISTENER=
. "$(dirname "$0")/lib.sh"

cleanup() {
        [ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
        if [ -n "$CTD_PID" ]; then
                for c in $(ctr -a "$SOCK" -n "$NS" tasks ls -q 2>/dev/null); do
                        ctr -a "$SOCK" -n "$NS" tasks kill -s KILL "$c" >/dev/null 2>&1
                        ctr -a "$SOCK" -n "$NS" tasks delete -f "$c" >/dev/null 2>&1
                done
                for c in $(ctr -a "$SOCK" -n "$NS" containers ls -q 2>/dev/null); do
                        ctr -a "$SOCK" -n "$NS" containers delete "$c" >/dev/null 2>&1
                done
                kill "$CTD_PID" 2>/dev/null
                wait "$CTD_PID" 2>/dev/null
        fi
        # Shims that outlived containerd are ours when they name our socket.
        for d in /proc/[0-9]*; do
                tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -qF -- "-address $SOCK " && kill -9 "${d#/proc/}" 2>/dev/null
        done
        grep -o " $T/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
        # runc's state folder of this run's namespace (outside $T, see NS),
        # once its containers are gone
        rmdir "/run/containerd/runc/$NS" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT

# ---- the shim alone ----------------------------------------------------------
# The delegate records its arguments and, for start, prints an address as a
# real shim does; the bundle is a directory with a config.json.
cat >"$T/delegate" <<EOF
#!/bin/sh
echo "\$*" >>"$T/delegate.out"
echo "\$PATH \${PORTCULLIS_CONTAINERD_NAMESPACE-}" >"$T/delegate.env"
[ "\${*##* }" = start ] && echo "unix:///run/containerd/s/fake"
exit 0
EOF
chmod 755 "$T/delegate"
B=$T/bundle
mkdir -p "$B"
cat >"$B/config.json.orig" <<'EOF'
{"ociVersion": "1.0.2-dev", "process": {"args": ["/bin/sh"], "cwd": "/"}, "root": {"path": "rootfs"},
 "hooks": {"prestart": [{"path": "/usr/bin/other-prestart", "args": ["other-prestart"]}],
           "createRuntime": [{"path": "/usr/libexec/first", "timeout": 5}]},
 "annotations": {"io.kubernetes.cri.image-name": "docker.io/library/nginx:1.25"}}
EOF
install -m 640 "$B/config.json.orig" "$B/config.json"
ARGS="-namespace ns1 -address /run/containerd/containerd.sock -publish-binary /usr/bin/containerd -id c9"

# shim ARGS...: runs the shim in the bundle with the recording delegate;
# sets OUT (stdout), ERR (stderr) and RC.
shim() {
        rm -f "$T/delegate.out"
        OUT=$(cd "$B" && PORTCULLIS_SHIM_DELEGATE=${DELEGATE-$T/delegate} PORTCULLIS_HOOK_PATH=${HOOK_PATH-$HOOK} \
                PORTCULLIS_RUNC_WRAPPER_DIR=${WRAPPER_AT-$WRAPPER_DIR} PORTCULLIS_CONFIG=/etc/portcullis/test.json \
                "$SHIM" "$@" 2>"$T/err"); RC=$?
        ERR=$(cat "$T/err")
}

# hook_added NS ID [ordered]: $B/config.json is $B/config.json.orig with our
# hook (for containerd namespace NS, container ID) appended to createRuntime
# and nothing else changed; "ordered": its keys in the same order too.
hook_added() {
        python3 - "$B/config.json.orig" "$B/config.json" "$HOOK" "$@" <<'PY'
import json, sys
orig, new, hook = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
ours = {"path": hook, "args": ["portcullis-hook", "--containerd-namespace", sys.argv[4], "--containerd-id",
                               sys.argv[5], "--config", "/etc/portcullis/test.json"], "timeout": 30}
orig["hooks"]["createRuntime"].append(ours)
assert new == orig, json.dumps(new)
assert sys.argv[6:] != ["ordered"] or list(new) == list(orig), list(new)
PY
}

# 1. start: the hook is added once, after the other createRuntime hook, the
#    rest kept, the file's mode kept, no temporary file left; the delegate
#    gets the same arguments and its output is the shim's.
# shellcheck disable=SC2086
shim $ARGS start
[ "$RC" -eq 0 ] && [ "$OUT" = "unix:///run/containerd/s/fake" ] || fail "start: rc $RC out '$OUT' err '$ERR'"
[ "$(cat "$T/delegate.out" 2>/dev/null)" = "$ARGS start" ] || fail "start: delegate got '$(cat "$T/delegate.out")'"
hook_added ns1 c9 ordered || fail "start: config.json not as expected"
[ "$(stat -c %a "$B/config.json")" = 640 ] || fail "start: mode $(stat -c %a "$B/config.json")"
# the real shim runs runc through the wrapper: it is first in its PATH, and
# knows the namespace
[ "$(cat "$T/delegate.env")" = "$WRAPPER_DIR:$PATH ns1" ] || fail "start: the delegate's PATH: $(cat "$T/delegate.env")"
[ "$(find "$B" -name '.config.json.*' | wc -l)" -eq 0 ] || fail "start: temporary file left"
cp "$B/config.json" "$T/after-first"

# 2. a second start leaves the file as it is.
# shellcheck disable=SC2086
shim $ARGS start
[ "$RC" -eq 0 ] && cmp -s "$B/config.json" "$T/after-first" || fail "second start changed config.json"

# 3. everything else goes to the delegate untouched, config.json too.
# shellcheck disable=SC2086
shim $ARGS -bundle "$B" delete
[ "$RC" -eq 0 ] && [ "$(cat "$T/delegate.out")" = "$ARGS -bundle $B delete" ] || fail "delete: $RC $(cat "$T/delegate.out")"
shim -v
[ "$RC" -eq 0 ] && [ "$(cat "$T/delegate.out")" = "-v" ] || fail "-v: $RC"
# shellcheck disable=SC2086
install -m 640 "$B/config.json.orig" "$B/config.json"
# shellcheck disable=SC2086
shim $ARGS -debug
cmp -s "$B/config.json" "$B/config.json.orig" && [ "$RC" -eq 0 ] || fail "the shim daemon's invocation edited config.json"
# Go's flag syntax: -flag=value, --flag.
shim --namespace=ns1 -address=/a --publish-binary /p -id=c9 -debug start
[ "$RC" -eq 0 ] && grep -q '"c9"' "$B/config.json" || fail "start with -flag=value: $RC $ERR"

# 4. failures: one line on stderr naming the file and what to do, exit 1,
#    the delegate not run, config.json as it was.
expect_fail() {
        local what=$1 pattern=$2
        [ "$RC" -eq 1 ] && grep -q -- "$pattern" <<<"$ERR" && [ ! -e "$T/delegate.out" ] ||
                fail "$what: rc $RC err '$ERR'"
}
printf 'this is not JSON' >"$B/config.json"
# shellcheck disable=SC2086
shim $ARGS start
expect_fail "not JSON" "containerd-shim-portcullis-v2: not starting the container: $B/config.json: not valid JSON"
printf '{"hooks": {"createRuntime": {"path": "/x"}}}' >"$B/config.json"
# shellcheck disable=SC2086
shim $ARGS start
expect_fail "createRuntime not an array" "$B/config.json: field 'hooks.createRuntime' must be an array"
rm "$B/config.json"
ln -s config.json.orig "$B/config.json"
# shellcheck disable=SC2086
shim $ARGS start
expect_fail "symlink" "$B/config.json (a symbolic link; refusing to follow it)"
rm "$B/config.json"
# shellcheck disable=SC2086
shim $ARGS start
expect_fail "no config.json" "open $B/config.json: No such file"
install -m 640 "$B/config.json.orig" "$B/config.json"
# shellcheck disable=SC2086
HOOK_PATH=$T/no-such-hook shim $ARGS start
expect_fail "no hook" "the hook $T/no-such-hook can't be run; install portcullis there or set PORTCULLIS_HOOK_PATH"
# shellcheck disable=SC2086
WRAPPER_AT=$T/no-wrapper shim $ARGS start
expect_fail "no runc wrapper" "the runc wrapper $T/no-wrapper/runc can't be run (containers joining this shim would start unchecked)"
mkdir -p "$T/a:b"
ln -s "$WRAPPER" "$T/a:b/runc"
# shellcheck disable=SC2086
WRAPPER_AT="$T/a:b" shim $ARGS start
expect_fail "a ':' in the wrapper's folder" "PORTCULLIS_RUNC_WRAPPER_DIR=$T/a:b holds a ':', which PATH can't hold"
# shellcheck disable=SC2086
DELEGATE=containerd-shim-nonexistent-v2 shim $ARGS start
expect_fail "no delegate" "the delegate shim containerd-shim-nonexistent-v2 is not in PATH"
# shellcheck disable=SC2086
shim $ARGS -new-flag x start
expect_fail "unknown flag" "unknown command line for start"
cmp -s "$B/config.json" "$B/config.json.orig" || fail "a failure changed config.json"

# 5. the delegate is looked up in PATH, past a copy of ourselves there.
mkdir -p "$T/path1" "$T/path2"
ln -s "$SHIM" "$T/path1/containerd-shim-runc-v2"
ln -s "$T/delegate" "$T/path2/containerd-shim-runc-v2"
# shellcheck disable=SC2086
PATH=$T/path1:$T/path2:$PATH DELEGATE= shim $ARGS start
[ "$RC" -eq 0 ] && [ "$(cat "$T/delegate.out")" = "$ARGS start" ] || fail "PATH lookup: $RC $ERR"

# ---- the runc wrapper alone ---------------------------------------------------
# The real shim runs runc from its PATH, where the shim put the wrapper
# first; here the runc past it is a recording one.
mkdir -p "$T/realrunc"
printf '#!/bin/sh\necho "$*" >>"%s/runc.out"\nexit 0\n' "$T" >"$T/realrunc/runc"
chmod 755 "$T/realrunc/runc"
# wrap ARGS...: runs the wrapper as the real shim would; sets ERR and RC
wrap() {
        rm -f "$T/runc.out"
        (cd "$T" && PATH=$WRAPPER_DIR:$T/realrunc:$PATH PORTCULLIS_HOOK_PATH=$HOOK \
                PORTCULLIS_CONFIG=/etc/portcullis/test.json runc "$@" 2>"$T/err"); RC=$?
        ERR=$(cat "$T/err")
}
RARGS="--root /run/containerd/runc/ns2 --log $T/runc-log.json --log-format json"
# R1. create: the hook is added (the namespace from --root, the id from the
#     command line), then the real runc runs with the same arguments.
install -m 640 "$B/config.json.orig" "$B/config.json"
# shellcheck disable=SC2086
wrap $RARGS create --bundle "$B" --pid-file "$T/pid" --console-socket /x.sock c10
[ "$RC" -eq 0 ] && [ "$(cat "$T/runc.out")" = "$RARGS create --bundle $B --pid-file $T/pid --console-socket /x.sock c10" ] ||
        fail "wrapper create: rc $RC err '$ERR' runc got '$(cat "$T/runc.out" 2>/dev/null)'"
hook_added ns2 c10 || fail "wrapper create: config.json not as expected"
cp "$B/config.json" "$T/after-wrap"
# runc takes a command's flags after its arguments too (urfave/cli moves
# them first): the bundle named there is the one edited.
install -m 640 "$B/config.json.orig" "$B/config.json"
wrap run c11 -b="$B" --detach --pidfd-socket /p.sock
[ "$RC" -eq 0 ] && grep -q '"c11"' "$B/config.json" || fail "wrapper run with the flags last: rc $RC err '$ERR'"
# an empty --bundle is runc's working folder, as no --bundle is
install -m 640 "$B/config.json.orig" "$B/config.json"
rm -f "$T/runc.out"
(cd "$B" && PATH=$WRAPPER_DIR:$T/realrunc:$PATH PORTCULLIS_HOOK_PATH=$HOOK runc create --bundle= c14 2>"$T/err"); RC=$?
[ "$RC" -eq 0 ] && grep -q '"c14"' "$B/config.json" && [ ! -e /config.json ] ||
        fail "wrapper, --bundle=: rc $RC $(cat "$T/err")"
# --help=0 (or -h=F: Go's ParseBool) is no help: runc creates the container
for h in --help=0 -h=F; do
        install -m 640 "$B/config.json.orig" "$B/config.json"
        wrap create "$h" -b "$B" c15
        [ "$RC" -eq 0 ] && grep -q '"c15"' "$B/config.json" || fail "wrapper, create $h: rc $RC err '$ERR'"
done
# restore creates the container from the bundle as create does (runc runs
# its createRuntime hooks at criu's setup-namespaces)
install -m 640 "$B/config.json.orig" "$B/config.json"
wrap restore --image-path /ckpt --work-path=/w --tcp-established --manage-cgroups-mode soft -d -b "$B" c16
[ "$RC" -eq 0 ] && grep -q '"c16"' "$B/config.json" && grep -qx "restore .* c16" "$T/runc.out" ||
        fail "wrapper restore: rc $RC err '$ERR'"
# once
install -m 640 "$T/after-wrap" "$B/config.json"
# shellcheck disable=SC2086
wrap $RARGS create -b "$B" c10
[ "$RC" -eq 0 ] && cmp -s "$B/config.json" "$T/after-wrap" || fail "wrapper: a second create changed config.json"
# R2. every other command, and create's help, go to runc untouched.
for cmd in "state c10" "delete --force c10" "start c10" "create --help" "--version"; do
        # shellcheck disable=SC2086
        wrap $cmd
        [ "$RC" -eq 0 ] && [ "$(cat "$T/runc.out")" = "$cmd" ] || fail "wrapper: '$cmd' not passed on: $RC $ERR"
done
cmp -s "$B/config.json" "$T/after-wrap" || fail "wrapper: another command changed config.json"
# R3. a create it can't read or can't gate fails, runc not run: the reason on
#     stderr and in runc's JSON log, where containerd's shim reads it.
expect_wrap_fail() {
        local what=$1 pattern=$2
        [ "$RC" -eq 1 ] && grep -qF -- "$pattern" <<<"$ERR" && [ ! -e "$T/runc.out" ] ||
                fail "wrapper, $what: rc $RC err '$ERR'"
        tail -1 "$T/runc-log.json" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["level"] == "error", d
assert d["msg"].startswith("portcullis runc wrapper: not creating the container: ") and sys.argv[1] in d["msg"], d
' "$pattern" || fail "wrapper, $what: the JSON log: $(tail -1 "$T/runc-log.json")"
}
# shellcheck disable=SC2086
wrap $RARGS create --new-flag -b "$B" c12
expect_wrap_fail "unknown flag" "unknown command line for create, run or restore"
# shellcheck disable=SC2086
wrap $RARGS create -b "$B" c12 c13
expect_wrap_fail "two ids" "unknown command line for create, run or restore"
# shellcheck disable=SC2086
wrap $RARGS create -b "$B" --root /x c12
expect_wrap_fail "a global flag after create" "unknown command line for create, run or restore"
printf 'this is not JSON' >"$B/config.json"
# shellcheck disable=SC2086
wrap $RARGS create -b "$B" c12
expect_wrap_fail "not JSON" "$B/config.json: not valid JSON"
# shellcheck disable=SC2086
wrap $RARGS create -b "$T/no-bundle" c12
expect_wrap_fail "no bundle" "open $T/no-bundle/config.json: No such file"
install -m 640 "$T/after-wrap" "$B/config.json"
# R4. the real runc is the one in PATH past the wrapper, or
#     PORTCULLIS_RUNC_DELEGATE; never the wrapper itself.
(cd "$T" && PATH=$WRAPPER_DIR:/nonexistent PORTCULLIS_HOOK_PATH=$HOOK runc state c1 2>"$T/err"); RC=$?
[ "$RC" -eq 1 ] && grep -qF "the real runc runc is not in PATH ($WRAPPER_DIR:/nonexistent)" "$T/err" ||
        fail "wrapper without a real runc: $RC $(cat "$T/err")"
rm -f "$T/runc.out"
(cd "$T" && PATH=$WRAPPER_DIR PORTCULLIS_RUNC_DELEGATE=$T/realrunc/runc runc state c1 2>"$T/err"); RC=$?
[ "$RC" -eq 0 ] && [ "$(cat "$T/runc.out")" = "state c1" ] || fail "PORTCULLIS_RUNC_DELEGATE: $RC $(cat "$T/err")"
# a copy of the wrapper (not the same file) past it in PATH: they would run
# each other forever; the copy refuses, naming itself
mkdir -p "$T/copy"
cp "$WRAPPER" "$T/copy/runc"
(cd "$T" && timeout 20 env PATH="$WRAPPER_DIR:$T/copy:$T/realrunc" runc state c1 2>"$T/err"); RC=$?
[ "$RC" -eq 1 ] && grep -qF "$T/copy/runc, which a runc wrapper ran as the real runc, is a runc wrapper too" "$T/err" ||
        fail "a copy of the wrapper in PATH: $RC $(head -c 300 "$T/err")"
# the mark the wrapper leaves (hooks inherit it from runc) does not stop a
# runc run later, by a hook say
rm -f "$T/runc.out"
(cd "$T" && PORTCULLIS_RUNC_WRAPPED=$T/realrunc/runc PATH=$WRAPPER_DIR:$T/realrunc runc state c1 2>"$T/err"); RC=$?
[ "$RC" -eq 0 ] && [ "$(cat "$T/runc.out")" = "state c1" ] || fail "a runc run under the mark: $RC $(cat "$T/err")"

# ---- under containerd --------------------------------------------------------
if [ "$fails" -ne 0 ]; then
        echo "$fails failures"
        exit 1
fi
skip() { echo "ok (shim alone); skip containerd: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
for t in containerd ctr runc containerd-shim-runc-v2 umoci; do command -v "$t" >/dev/null || skip "$t not installed"; done
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || skip "no static busybox (busybox-static)"

# The images: one OCI layout, two tags, one layer each (lib.sh).
curl_oci_images &&
        tar -C "$T/oci" -cf "$T/images.tar" . || { echo "FAIL: building the images"; exit 1; }

# The hook's settings: the example feed, enforce at HIGH, a log file.
DB=$T/vulndb.sqlite
"$P" db import "$SRC/feed" --db "$DB" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$DB" "$T/cache.db" "$T/policy.json" "$T/audit.log" >"$T/pc-config.json"

# containerd with only what ctr run needs: no CRI, no remote snapshotters.
cat >"$T/containerd.toml" <<EOF
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
                    "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",
                    "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = "$T/debug.sock"
[plugins."io.containerd.monitor.v1.cgroups"]
  no_prometheus = true
EOF
mkdir -p "$T/bin"
ln -s "$SHIM" "$T/bin/containerd-shim-portcullis-v2"
# The real shim behind ours, save that a container annotated pc.test/joiner
# loses our hook from its config.json: it stands for one that containerd 2.x
# creates through a pod's running shim, for which no start runs (section 11).
cat >"$T/strip.py" <<'PY'
import json, sys
c = json.load(open("config.json"))
if "pc.test/joiner" in c.get("annotations", {}):
    c["hooks"]["createRuntime"] = [h for h in c["hooks"]["createRuntime"] if h["path"] != sys.argv[1]]
    json.dump(c, open("config.json", "w"))
PY
printf '#!/bin/sh
case " $* " in *" start "*) python3 %s/strip.py %s || exit 1;; esac
exec %s "$@"
' \
        "$T" "$HOOK" "$(command -v containerd-shim-runc-v2)" >"$T/bin/real-shim"
chmod 755 "$T/bin/real-shim"
PATH=$T/bin:$PATH PORTCULLIS_HOOK_PATH=$HOOK PORTCULLIS_CONFIG=$T/pc-config.json PORTCULLIS_RUNC_WRAPPER_DIR=$WRAPPER_DIR \
        PORTCULLIS_SHIM_DELEGATE=$T/bin/real-shim containerd --config "$T/containerd.toml" >"$T/containerd.log" 2>&1 &
CTD_PID=$!
CTR="ctr -a $SOCK -n $NS"
for _ in $(seq 50); do $CTR version >/dev/null 2>&1 && break; sleep 0.1; done
$CTR version >/dev/null 2>&1 || { echo "FAIL: containerd did not start:"; tail -20 "$T/containerd.log"; exit 1; }

# overlayfs where the kernel and the file system under $T allow it.
SNAP=native
$CTR plugins ls 2>/dev/null | grep -Eq '^io\.containerd\.snapshotter\.v1 +overlayfs .* ok *$' && SNAP=overlayfs
echo "containerd $(containerd --version | awk '{print $3}'), snapshotter $SNAP"
$CTR images import --snapshotter "$SNAP" --base-name localhost/pc "$T/images.tar" >/dev/null ||
        { echo "FAIL: ctr images import"; exit 1; }

# run NAME IMAGE [ctr run options...]: sets OUT and RC
run() {
        local id=$1 img=$2
        shift 2
        OUT=$(timeout 30 $CTR run --snapshotter "$SNAP" --runtime io.containerd.portcullis.v2 "$@" \
                "localhost/pc:$img" "$id" /bin/sh -c 'echo started' 2>&1 </dev/null); RC=$?
}

# 6. vulnerable: the task never starts; ctr's error carries the block line.
run pc-vuln vuln --rm
[ "$RC" -ne 0 ] || fail "vulnerable image started"
grep -q started <<<"$OUT" && fail "vulnerable image: the process ran"
grep -qF "portcullis: blocked container pc-vuln: 1 CRITICAL at or above HIGH (PCEX-CVE-2023-38545 libcurl4); policy $T/policy.json" \
        <<<"$OUT" || fail "vulnerable image: no block line in: $OUT"
tail -1 "$T/audit.log" 2>/dev/null | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["decision"] == "deny" and d["container"] == "pc-vuln" and d["containerd_namespace"] == sys.argv[1], d' "$NS" ||
        fail "vulnerable image: audit line: $(tail -1 "$T/audit.log" 2>/dev/null)"

# 7. fixed: starts.
run pc-fixed fixed --rm
[ "$RC" -eq 0 ] && [ "$OUT" = started ] || fail "fixed image did not start: $RC $OUT"

# 7b. the fixed image again: with the overlayfs snapshotter, a cache hit on
#     the identity of the image's layers (ctr names no digest), so the hit
#     read nothing of the rootfs (the inventory is the only reader of it).
run pc-fixed2 fixed --rm
[ "$RC" -eq 0 ] && [ "$OUT" = started ] || fail "fixed image, second start: $RC $OUT"
if [ "$SNAP" = overlayfs ]; then
        tail -1 "$T/audit.log" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["container"] == "pc-fixed2" and d["cache"] == "hit", d
assert d["identity_source"] == "overlay" and d["identity"].startswith("overlay:sha256:"), d' ||
                fail "second start of the fixed image: not an overlay hit: $(tail -2 "$T/audit.log")"
else
        echo "note: snapshotter $SNAP, not overlayfs: the overlay identity is not tested here"
fi

# 8. the bundle containerd made holds the hook once, after a detached start.
OUT=$(timeout 30 $CTR run -d --snapshotter "$SNAP" --runtime io.containerd.portcullis.v2 localhost/pc:fixed pc-long \
        /bin/sleep 30 2>&1) || fail "detached start: $OUT"
CFG=$T/state/io.containerd.runtime.v2.task/$NS/pc-long/config.json
python3 - "$CFG" "$HOOK" "$T/pc-config.json" "$NS" <<'PY' || fail "bundle config.json: $(head -c 2000 "$CFG")"
import json, sys
c = json.load(open(sys.argv[1]))
ours = [h for h in c["hooks"]["createRuntime"] if h["path"] == sys.argv[2]]
assert len(ours) == 1, ours
assert ours[0]["args"] == ["portcullis-hook", "--containerd-namespace", sys.argv[4], "--containerd-id", "pc-long",
                           "--config", sys.argv[3]], ours
PY
$CTR tasks kill -s KILL pc-long >/dev/null 2>&1
for _ in $(seq 50); do $CTR tasks ls 2>/dev/null | grep -q '^pc-long .*RUNNING' || break; sleep 0.1; done
$CTR tasks delete pc-long >/dev/null 2>&1 || fail "task delete through the shim"
$CTR containers delete pc-long >/dev/null 2>&1 || fail "container delete"

# 9. warn: the task starts, ctr shows nothing of the hook (runc drops a
#    successful hook's stderr), the warning is in syslog at LOG_WARNING
#    (84, authpriv) with the container; ctr names no image, so "image=-".
python3 "$SRC/tests/syslog-listener.py" "$T/log.sock" "$T/received" &
LISTENER=$!
for _ in $(seq 50); do [ -S "$T/log.sock" ] && break; sleep 0.1; done
printf '{"mode": "warn", "severity": "HIGH"}\n' >"$T/policy.json"
printf '{"db": "%s", "cache": "%s", "policy": "%s", "log": {"syslog": true, "syslog_socket": "%s", "file": "%s"}}\n' \
        "$DB" "$T/cache.db" "$T/policy.json" "$T/log.sock" "$T/audit.log" >"$T/pc-config.json"
run pc-warn vuln --rm
[ "$RC" -eq 0 ] && [ "$OUT" = started ] || fail "warned image did not start (or ctr showed more): $RC $OUT"
sleep 0.2
grep -q "^<84>.*portcullis: warning: container pc-warn: 1 CRITICAL at or above HIGH.*\[container=pc-warn image=-\]$" \
        "$T/received" || fail "warn: not in syslog: $(cat "$T/received" 2>/dev/null)"

# 10. a pod: containers of one group share the first one's shim process
#     (containerd-shim-runc-v2 groups them by io.containerd.runc.v2.group, as
#     by CRI's sandbox id), and containerd still runs the shim binary's
#     start for each: the second, vulnerable, is blocked too.
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$T/policy.json"
OUT=$(timeout 30 $CTR run -d --snapshotter "$SNAP" --runtime io.containerd.portcullis.v2 \
        --annotation io.containerd.runc.v2.group=pc-pod localhost/pc:fixed pc-pod-a /bin/sleep 30 2>&1) ||
        fail "pod, first container: $OUT"
OUT=$(timeout 30 $CTR run -d --snapshotter "$SNAP" --runtime io.containerd.portcullis.v2 \
        --annotation io.containerd.runc.v2.group=pc-pod localhost/pc:fixed pc-pod-b /bin/sleep 30 2>&1) ||
        fail "pod, second container: $OUT"
[ "$(pgrep -fc -- "-id pc-pod-b( |$)")" -eq 0 ] && [ "$(pgrep -fc -- "-id pc-pod-a( |$)")" -eq 1 ] ||
        fail "pod: not one shim process for both: $(pgrep -fa containerd-shim)"
grep -q '"container":"pc-pod-b"' "$T/audit.log" || fail "pod, second container: no audit line (the hook did not run)"
run pc-pod-c vuln --rm --annotation io.containerd.runc.v2.group=pc-pod
[ "$RC" -ne 0 ] && grep -qF "portcullis: blocked container pc-pod-c: 1 CRITICAL" <<<"$OUT" ||
        fail "pod, a vulnerable container joining it: not blocked: $RC $OUT"

# 11. containerd 2.x creates a pod's later containers through its running
#     shim without running our start (its CRI puts every container in its
#     pod's sandbox; the shim manager then only loads the sandbox's shim):
#     a config.json without our hook, as the annotated one is by the time
#     the real shim sees it.  The real shim runs runc through the wrapper,
#     first in the PATH it has from us: blocked all the same.
SHIM_PID=$(pgrep -f -- "-id pc-pod-a( |$)" | head -1)
tr '\0' '\n' <"/proc/$SHIM_PID/environ" 2>/dev/null | grep -qx "PATH=$WRAPPER_DIR:.*" ||
        fail "pod: the shim process's PATH does not start with the runc wrapper's folder"
run pc-pod-d vuln --rm --annotation io.containerd.runc.v2.group=pc-pod --annotation pc.test/joiner=1
[ "$RC" -ne 0 ] && grep -qF "portcullis: blocked container pc-pod-d: 1 CRITICAL" <<<"$OUT" ||
        fail "pod, a vulnerable container created without our start: not blocked: $RC $OUT"
tail -1 "$T/audit.log" | grep -q '"container":"pc-pod-d".*"decision":"deny"\|"decision":"deny".*"container":"pc-pod-d"' ||
        fail "pod, created without our start: no deny audit line: $(tail -1 "$T/audit.log")"
for c in pc-pod-b pc-pod-a; do
        $CTR tasks kill -s KILL "$c" >/dev/null 2>&1
        for _ in $(seq 50); do $CTR tasks ls 2>/dev/null | grep -q "^$c .*RUNNING" || break; sleep 0.1; done
        $CTR tasks delete "$c" >/dev/null 2>&1
        $CTR containers delete "$c" >/dev/null 2>&1
done

# 12. the wrapper alone, as a runtime's runc (containerd's runc options
#     BinaryName; ctr run --runc-binary), containerd's own runc shim: blocked.
OUT=$(timeout 30 $CTR run --snapshotter "$SNAP" --runtime io.containerd.runc.v2 --runc-binary "$WRAPPER" --rm \
        localhost/pc:vuln pc-binaryname /bin/sh -c 'echo started' 2>&1 </dev/null); RC=$?
[ "$RC" -ne 0 ] && ! grep -q started <<<"$OUT" && grep -qF "portcullis: blocked container pc-binaryname: 1 CRITICAL" <<<"$OUT" ||
        fail "runc wrapper as BinaryName: the vulnerable image was not blocked: $RC $OUT"
OUT=$(timeout 30 $CTR run --snapshotter "$SNAP" --runtime io.containerd.runc.v2 --runc-binary "$WRAPPER" --rm \
        localhost/pc:fixed pc-binaryname2 /bin/sh -c 'echo started' 2>&1 </dev/null); RC=$?
[ "$RC" -eq 0 ] && [ "$OUT" = started ] || fail "runc wrapper as BinaryName: the fixed image did not start: $RC $OUT"

if [ "$fails" -ne 0 ]; then
        echo "--- containerd log (tail)"
        tail -20 "$T/containerd.log"
fi
[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
