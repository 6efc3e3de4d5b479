#!/bin/sh
# Runs real containers with Podman (runc, vfs storage, cgroupfs, a private
# --root/--runroot), first with a hooks.d file whose hook is a small
# recording script, not portcullis-hook.  Proves that
#  - Podman runs a createRuntime hook from an oci-hooks(5) 1.0.0 file;
#  - the state on the hook's stdin, and the bundle's config.json it points
#    to, parse with oci_state_parse()/oci_config_load() (test-oci --state),
#    with the container's annotations, and the rootfs is the image's;
#  - a hook that exits non-zero stops the start, and its stderr is in the
#    error Podman prints (which is what a user sees when we block).
# Then portcullis-hook through the hooks.d file the build made: Podman loads
# it (debug log), blocks a vulnerable image (named from the vfs driver's
# own files), and a warned start shows nothing in Podman's output but is in
# syslog (a listener socket).
# Needs root, podman, runc and busybox-static; skips (77) without them.
set -eu

. "$(dirname "$0")/podman-lib.sh"
test_oci="${PC_BUILD_ROOT:?}/tests/test-oci"
[ -x "$test_oci" ] || fail "$test_oci not built"
podman_init vfs pc-podman
mkdir -p "$tmp/rootfs/etc"
podman_busybox_image

# The hook: records its stdin, parses it with the library while the bundle
# exists, and refuses when the container carries portcullis.test/deny.
cat >"$tmp/hook" <<EOF
#!/bin/sh
n=\$(ls "$tmp" | grep -c '^state-' || true)
cat >"$tmp/state-\$n.json"
"$test_oci" --state "$tmp/state-\$n.json" >"$tmp/parsed-\$n.txt" 2>&1
if grep -q '"portcullis.test/deny"' "$tmp/state-\$n.json"; then
        echo "portcullis-test: blocked: image localhost/pc-busybox:test has 1 CRITICAL (TEST-0001)" >&2
        exit 1
fi
exit 0
EOF
chmod 755 "$tmp/hook"
cat >"$tmp/hooks.d/portcullis-test.json" <<EOF
{
  "version": "1.0.0",
  "hook": {"path": "$tmp/hook", "args": ["portcullis-hook"], "timeout": 30},
  "when": {"always": true},
  "stages": ["createRuntime"]
}
EOF

# 1. An allowed start: the hook ran once, the state parsed.
# shellcheck disable=SC2086
out=$($P run --name pc-allowed --network none $LIMITS --annotation portcullis.test/mark=hello \
        localhost/pc-busybox:test /bin/sh -c 'echo started') || fail "allowed container did not run"
[ "$out" = "started" ] || fail "unexpected output: $out"
[ -f "$tmp/parsed-0.txt" ] || fail "the hook did not run"
[ ! -f "$tmp/parsed-1.txt" ] || fail "the hook ran more than once"
cat "$tmp/parsed-0.txt" >&2
id=$($P inspect --format '{{.Id}}' pc-allowed)
grep -qx "id=$id" "$tmp/parsed-0.txt" || fail "state id is not the container's ($id)"
grep -q '^bundle=/' "$tmp/parsed-0.txt" || fail "no absolute bundle"
grep -qx 'status=creating' "$tmp/parsed-0.txt" || fail "createRuntime state is not 'creating'"
grep -qx 'busybox=yes' "$tmp/parsed-0.txt" || fail "root.path does not lead to the image's rootfs"
grep -qx 'state.annotation.portcullis.test/mark=hello' "$tmp/parsed-0.txt" || fail "annotation not in the state"
grep -qx 'config.annotation.portcullis.test/mark=hello' "$tmp/parsed-0.txt" || fail "annotation not in config.json"
grep -q '^pid=[1-9]' "$tmp/parsed-0.txt" || fail "no pid in the state"
# Podman names no image in the annotations (CRI-O and containerd do): the
# hook has to identify the image some other way.
grep -qx 'image=' "$tmp/parsed-0.txt" || echo "note: podman now passes an image name annotation" >&2

# 2. A refused start: podman fails, with the hook's message, and the
# container's process never ran.
# shellcheck disable=SC2086
if err=$($P run --name pc-denied --network none $LIMITS --annotation portcullis.test/deny=yes \
        localhost/pc-busybox:test /bin/sh -c 'echo started' 2>&1); then
        fail "a container started although its hook exited 1: $err"
fi
echo "$err" >&2
case "$err" in
*"portcullis-test: blocked: image localhost/pc-busybox:test has 1 CRITICAL (TEST-0001)"*) ;;
*) fail "the hook's stderr is not in podman's error" ;;
esac
case "$err" in *started*) fail "the container's process ran" ;; esac
grep -q '^id=' "$tmp/parsed-1.txt" || fail "the denied container's state did not parse"
echo "ok: podman ran the hook, the state parsed, a refusal blocked the start with our message" >&2

# Now the real portcullis-hook through hooks.d: an image with curl one
# update behind DSA-5523-1 is blocked under enforce, the fixed one runs.
hook_bin="${PORTCULLIS_HOOK:?}"
rm -f "$tmp/hooks.d/portcullis-test.json"
"${PORTCULLIS:?}" db import "${PC_SOURCE_ROOT:?}/feed" --db "$tmp/vulndb.sqlite" >/dev/null || fail "db import"
printf '{"mode": "enforce", "severity": "HIGH"}\n' >"$tmp/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": false, "file": "%s"}}\n' \
        "$tmp/vulndb.sqlite" "$tmp/cache.db" "$tmp/locks" "$tmp/policy.json" "$tmp/audit.log" >"$tmp/config.json"
# The hooks.d file the build made (config/meson.build), pointed at the
# hook under test and this test's config; the rest exactly as installed.
python3 - "${PC_BUILD_ROOT:?}/config/portcullis.json" "$hook_bin" "$tmp/config.json" >"$tmp/hooks.d/portcullis.json" <<'PY' ||
import json, sys
h = json.load(open(sys.argv[1]))
h["hook"]["path"] = sys.argv[2]
h["hook"]["args"] += ["--config", sys.argv[3]]
print(json.dumps(h))
PY
        fail "the generated hooks.d file"
mkdir -p "$tmp/rootfs/var/lib/dpkg"
printf 'ID=debian\nVERSION_ID="12"\n' >"$tmp/rootfs/etc/os-release"
for v in 7.88.1-10+deb12u3 7.88.1-10+deb12u4; do
        printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: %s\n\n' "$v" \
                >"$tmp/rootfs/var/lib/dpkg/status"
        tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
        $P import "$tmp/rootfs.tar" "localhost/pc-curl:${v##*+}" >/dev/null || fail "podman import $v"
done
if err=$($P run --name pc-vuln --network none $LIMITS localhost/pc-curl:deb12u3 /bin/sh -c 'echo started' 2>&1); then
        fail "the vulnerable image started: $err"
fi
case "$err" in
*"portcullis: blocked localhost/pc-curl:deb12u3: 1 CRITICAL at or above HIGH (PCEX-CVE-2023-38545 libcurl4)"*) ;;
*) fail "no block line naming the image from portcullis-hook in podman's error: $err" ;;
esac
out=$($P run --name pc-fixed --network none $LIMITS localhost/pc-curl:deb12u4 /bin/sh -c 'echo started' 2>&1) ||
        fail "the fixed image did not start: $out"
[ "$out" = "started" ] || fail "fixed image output: $out"
[ "$(grep -c '"decision"' "$tmp/audit.log")" -eq 2 ] || fail "audit log: $(cat "$tmp/audit.log")"
echo "ok: portcullis-hook blocked the vulnerable image under podman and let the fixed one start" >&2

# The vulnerable image mounted into the fixed one (--mount type=image) with
# the vfs driver: the image's folder vfs/dir/ID is judged (by its
# inventory: a plain folder, no overlay) and blocks the start.
# shellcheck disable=SC2086
if err=$($P run --rm --network none $LIMITS --mount type=image,source=localhost/pc-curl:deb12u3,target=/img \
        localhost/pc-curl:deb12u4 /bin/sh -c 'echo started' 2>&1); then
        fail "the vulnerable image mounted into the fixed one started (vfs): $err"
fi
case "$err" in
*"image mounted at /img ($tmp/root/vfs/dir/"*"): 1 finding, identity inventory:sha256:"*"portcullis: blocked localhost/pc-curl:deb12u4: 1 CRITICAL at or above HIGH (PCEX-CVE-2023-38545 libcurl4)"*) ;;
*) fail "no block line for the image mounted at /img (vfs): $err" ;;
esac
echo "ok: an image mounted in with the vfs driver is judged with the container" >&2

# The generated file was loaded: Podman's debug log names it (this is the
# check the README gives; a file whose hook path does not exist is skipped
# with no other word).
# shellcheck disable=SC2086
dbg=$($P --log-level=debug run --rm --network none $LIMITS localhost/pc-curl:deb12u4 /bin/sh -c true 2>&1) ||
        fail "debug run: $dbg"
case "$dbg" in
*"hook portcullis.json matched; adding to stages [createRuntime]"*) ;;
*) fail "podman did not load the generated hooks.d file: $(printf "%s\n" "$dbg" | grep -i hook)" ;;
esac

# warn: Podman starts the container and shows none of the hook's stderr;
# the warning is in syslog at LOG_WARNING (84: authpriv) with the container
# and the image (no annotation names it: the vfs driver's containers.json
# and images.json do, as the overlay driver's do in podman-overlay.sh).
python3 "$PC_SOURCE_ROOT/tests/syslog-listener.py" "$tmp/log.sock" "$tmp/received" &
listener=$!
trap 'kill $listener 2>/dev/null; podman_cleanup' EXIT
for _ in $(seq 50); do [ -S "$tmp/log.sock" ] && break; sleep 0.1; done
printf '{"mode": "warn", "severity": "HIGH"}\n' >"$tmp/policy.json"
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "%s", "log": {"syslog": true, "syslog_socket": "%s", "file": "%s"}}\n' \
        "$tmp/vulndb.sqlite" "$tmp/cache.db" "$tmp/locks" "$tmp/policy.json" "$tmp/log.sock" "$tmp/audit.log" >"$tmp/config.json"
# shellcheck disable=SC2086
out=$($P run --name pc-warn --network none $LIMITS localhost/pc-curl:deb12u3 /bin/sh -c 'echo started' 2>&1) ||
        fail "the warned image did not start: $out"
[ "$out" = "started" ] || fail "podman showed more than the container's output: $out"
id=$($P inspect --format '{{.Id}}' pc-warn)
sleep 0.2
img=localhost/pc-curl:deb12u3
grep -q "^<84>.*portcullis: warning: $img: 1 CRITICAL at or above HIGH.*\\[container=$id image=$img\\]\$" \
        "$tmp/received" || fail "the warning is not in syslog: $(cat "$tmp/received")"
echo "ok: podman loaded the generated hooks.d file; a warned start is in syslog, not in podman's output" >&2
