#!/bin/bash
# portcullis install / uninstall on files only, under --root (a temporary
# "host"): the dry run's diff is exactly what install then writes (GNU
# patch applies it to a copy: same tree), a second install changes
# nothing, uninstall gives back the tree as it was (diff -r: bytes, and no
# file or folder left), the files it must refuse are left as they were
# with exit 2 and a message naming them, runc's fragment is JSON for
# config.json.  The real runtimes are in install-runtimes.sh.
set -u
P=${PORTCULLIS:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export TMPDIR=$T
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
command -v patch >/dev/null || { echo "skip: GNU patch not installed"; exit 77; }

H=$T/host
DROPIN=/etc/containerd/conf.d/portcullis.toml
# A node's config.toml: containerd's own settings, no CRI section.
new_host() {
        rm -rf "$H" "$T/orig"
        mkdir -p "$H/etc/containerd" "$H/usr/lib/systemd/system" "$H/var/lib"
        cat >"$H/etc/containerd/config.toml" <<'TOML'
version = 2
root = "/var/lib/containerd"   # the default
oom_score = -999

[grpc]
  address = "/run/containerd/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "/var/lib/containerd/opt"
TOML
        # a package already installed the gc units: install writes none of those
        touch "$H/usr/lib/systemd/system/portcullis-gc.service" "$H/usr/lib/systemd/system/portcullis-gc.timer"
        cp -a "$H" "$T/orig"
}
# run ARGS...: sets OUT, ERR and RC
run() {
        OUT=$("$P" "$@" 2>"$T/err"); RC=$?
        ERR=$(cat "$T/err")
}
same_tree() { diff -r "$T/orig" "$H" >"$T/tree.diff" 2>&1; }

# 1. --dry-run: a diff, nothing written; patch applies it to a copy, which
#    then equals the tree install writes (state folder aside).
new_host
run install containerd --root "$H" --dry-run
[ "$RC" -eq 0 ] && same_tree || fail "dry run: rc $RC, wrote: $(cat "$T/tree.diff") $ERR"
grep -qx "+imports = \[\"$DROPIN\"\] # added by portcullis install" <<<"$OUT" && grep -qx -- "+++ b$DROPIN" <<<"$OUT" ||
        fail "dry run: not the expected diff: $(head -20 <<<"$OUT")"
cp -a "$H" "$T/patched"
patch -s -p1 -d "$T/patched" <<<"$OUT" || fail "dry run: patch could not apply the diff"
run install containerd --root "$H"
[ "$RC" -eq 0 ] || fail "install: rc $RC $ERR"
grep -q "restart containerd to load it: systemctl restart containerd" <<<"$OUT" || fail "install: no restart note: $OUT"
cp -a "$H" "$T/installed" && rm -r "$T/installed/var/lib/portcullis"
diff -r "$T/patched" "$T/installed" >/dev/null || fail "dry run's diff is not what install wrote: $(diff -r "$T/patched" "$T/installed")"
for f in etc/containerd/conf.d/portcullis.toml etc/portcullis/config.json etc/portcullis/policy.json \
        etc/systemd/system/portcullis-update.service etc/systemd/system/portcullis-update.timer \
        etc/systemd/system/portcullis-fill.service etc/systemd/system/portcullis-fill.timer etc/tmpfiles.d/portcullis.conf; do
        [ -f "$H/$f" ] || fail "install: no $f"
done
[ -e "$H/etc/systemd/system/portcullis-gc.service" ] && fail "install wrote a unit the host's /usr/lib has"
grep -q '^runtime_type\|^  runtime_type = "io.containerd.portcullis.v2"$' "$H$DROPIN" || fail "drop-in: $(cat "$H$DROPIN")"
grep -q default_runtime_name "$H$DROPIN" && fail "drop-in names a default runtime without --default-runtime"
grep -q '^ExecStart=/usr/local/bin/portcullis db update$\|^ExecStart=.*/bin/portcullis db update$' \
        "$H/etc/systemd/system/portcullis-update.service" || fail "update unit: no ExecStart"
python3 -c 'import json,sys; json.load(open(sys.argv[1])); json.load(open(sys.argv[2]))' \
        "$H/etc/portcullis/config.json" "$H/etc/portcullis/policy.json" || fail "config or policy is not JSON"

# 2. again: nothing changes, and it says so.
cp -a "$H" "$T/after-first"
run install containerd --root "$H"
[ "$RC" -eq 0 ] && grep -q "^nothing to change" <<<"$OUT" || fail "second install: rc $RC: $OUT"
diff -r "$T/after-first" "$H" >/dev/null || fail "second install changed files"
run install containerd --root "$H" --dry-run
[ "$RC" -eq 0 ] && [ -z "$OUT" ] && grep -q "nothing would change" <<<"$ERR" || fail "second dry run: '$OUT' '$ERR'"

# 3. --default-runtime rewrites our drop-in (ours), uninstall still restores.
run install containerd --root "$H" --default-runtime
grep -q '^  default_runtime_name = "portcullis"$' "$H$DROPIN" && grep -q "^changed $H$DROPIN" <<<"$OUT" ||
        fail "--default-runtime: $OUT $(cat "$H$DROPIN")"

# 4. uninstall: the tree as it was, byte for byte, nothing left.
run uninstall containerd --root "$H" --dry-run
grep -qx -- "-imports = \[\"$DROPIN\"\] # added by portcullis install" <<<"$OUT" && grep -qx -- "+++ /dev/null" <<<"$OUT" ||
        fail "uninstall --dry-run: $(head -20 <<<"$OUT")"
[ -f "$H$DROPIN" ] || fail "uninstall --dry-run removed the drop-in"
run uninstall containerd --root "$H"
[ "$RC" -eq 0 ] || fail "uninstall: rc $RC $ERR"
cmp -s "$T/orig/etc/containerd/config.toml" "$H/etc/containerd/config.toml" || fail "config.toml not restored"
same_tree || fail "uninstall did not restore the tree: $(cat "$T/tree.diff")"
run uninstall containerd --root "$H"
[ "$RC" -eq 0 ] && grep -q "^nothing to change" <<<"$OUT" && same_tree || fail "second uninstall: $RC $OUT $ERR"

# 5. config.toml edited after install: uninstall takes out only our entry,
#    and restores the rest (drop-in removed, shared files too).
new_host
"$P" -q install containerd --root "$H" >/dev/null || fail "install (5)"
printf '# an admin was here\n' >>"$H/etc/containerd/config.toml"
run uninstall containerd --root "$H"
{ cat "$T/orig/etc/containerd/config.toml"; printf '# an admin was here\n'; } | cmp -s - "$H/etc/containerd/config.toml" ||
        fail "edited config.toml: not the original plus the admin's line: $(cat "$H/etc/containerd/config.toml")"
grep -q "changed since install: only $DROPIN was taken out of its imports" <<<"$OUT" || fail "edited config.toml: no note: $OUT"
[ -e "$H$DROPIN" ] && fail "edited config.toml: drop-in left"

# 6. no config.toml: created with version 2; uninstall removes it again.
new_host
rm "$H/etc/containerd/config.toml" "$T/orig/etc/containerd/config.toml"
"$P" -q install containerd --root "$H" >/dev/null
[ "$(cat "$H/etc/containerd/config.toml")" = "$(printf 'version = 2\nimports = ["%s"]' "$DROPIN")" ] ||
        fail "created config.toml: $(cat "$H/etc/containerd/config.toml")"
"$P" -q uninstall containerd --root "$H" >/dev/null
same_tree || fail "uninstall after a created config.toml: $(cat "$T/tree.diff")"

# 7. files it must refuse: left as they are, exit 2, the file named.
refuse() {      # refuse WHAT PATTERN: config.toml holds the case
        cp -a "$H" "$T/before"
        run install containerd --root "$H"
        [ "$RC" -eq 2 ] && grep -qF -- "$2" <<<"$ERR" && diff -r "$T/before" "$H" >/dev/null ||
                fail "$1: rc $RC, stderr '$ERR'"
        rm -rf "$T/before"
}
CFG=$H/etc/containerd/config.toml
new_host
printf 'version = 2\n[plugins\n' >"$CFG"
refuse "not TOML" "portcullis: install containerd: $CFG: line 2: a table header without its closing ']'; it was left as it is"
printf 'version = 2\nimports = "/etc/containerd/x.toml"\n' >"$CFG"
refuse "imports a string" "$CFG: line 2: 'imports' is not an array; this editor changes only a plain list of strings: add the entry to 'imports' by hand"
printf 'version = 2\nimports = [["/a"]]\n' >"$CFG"
refuse "imports nested" "$CFG: line 2: 'imports' is not a list of one-line strings"
printf 'version = 3\n' >"$CFG"
refuse "containerd 2 config" "$CFG: config version 3; this edits containerd's config version 2"
printf 'root = "/r"\n' >"$CFG"
refuse "no version" "$CFG: no top-level 'version'"
printf 'version = 2\nimports = ["/etc/containerd/mirrors.toml"]\n' >"$CFG"
printf '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n' >"$H/etc/containerd/mirrors.toml"
refuse "CRI section in another import" "$H/etc/containerd/mirrors.toml: line 1 configures containerd's CRI plugin"
rm "$H/etc/containerd/mirrors.toml"
printf 'version = 2\n' >"$CFG"
mkdir -p "$H/etc/containerd/conf.d"
printf '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.portcullis]\n  runtime_type = "x"\n' >"$H$DROPIN"
refuse "someone else's drop-in" "$H$DROPIN exists and is not a containerd drop-in written by portcullis; it was left as it is"
rm -rf "$H/etc/containerd/conf.d"
ln -s /etc/hostname "$CFG.link" && rm "$CFG" && mv "$CFG.link" "$CFG"
refuse "a symbolic link" "$CFG is a symbolic link"

# 8. podman: the hooks.d file, in the folder Podman reads (its hooks_dir,
# tests/podman-install-hooks.sh with the real Podman); someone else's file
# of that name is refused.
new_host
HD=$H/usr/share/containers/oci/hooks.d/portcullis.json
run install podman --root "$H"
[ "$RC" -eq 0 ] && python3 - "$HD" <<'PY' || fail "podman hooks.d file: $RC $ERR $(cat "$HD")"
import json, sys
h = json.load(open(sys.argv[1]))
assert h["version"] == "1.0.0" and h["stages"] == ["createRuntime"] and h["when"] == {"always": True}, h
assert h["hook"]["path"].endswith("/libexec/portcullis/portcullis-hook") and h["hook"]["args"] == ["portcullis-hook"], h
PY
grep -q "nothing to restart: Podman reads hooks.d at every container start" <<<"$OUT" || fail "podman note: $OUT"
# Podman 4 reads /usr/share/containers/oci/hooks.d alone unless hooks_dir
# says otherwise (tests/podman-hooks-unread.sh): the file goes there.
grep -qF "Podman reads hooks.d from /usr/share/containers/oci/hooks.d (its default: no hooks_dir is set): the file is $HD" <<<"$OUT$ERR" ||
        fail "podman: no note of the default hooks_dir: $OUT $ERR"
[ -e "$H/etc/containers" ] && fail "podman: install wrote under /etc/containers: $(find "$H/etc/containers")"
# hooks_dir set (containers.conf, a drop-in, crio.conf and its drop-ins):
# /etc/containers/oci/hooks.d when listed, else the last folder listed;
# the runtime's files are not edited; an empty list is refused.
# hooks_dir_case NAME RUNTIME FILE LIST WANT: install RUNTIME with FILE
# setting hooks_dir = [LIST]; the hooks.d file must be WANT (a host path).
hooks_dir_case() {
        H2=$T/hooks-dir && rm -rf "$H2" && mkdir -p "$H2/var/lib" "$(dirname "$H2$3")"
        if [ "$2" = crio ]; then sect=crio.runtime; else sect=engine; fi
        printf '[%s]\nhooks_dir = [%s]\n' "$sect" "$4" >"$H2$3"
        cp "$H2$3" "$T/conf.orig"
        out=$("$P" install "$2" --root "$H2" 2>&1) || fail "$1: install $2: $out"
        [ -f "$H2$5" ] || fail "$1: no $5: $(find "$H2" -name portcullis.json) $out"
        [ "$(find "$H2" -name portcullis.json | wc -l)" -eq 1 ] || fail "$1: more than one file: $(find "$H2" -name portcullis.json)"
        grep -qF "reads hooks.d from the folders of its hooks_dir (hooks_dir in $3): the file is $H2$5" <<<"$out" ||
                fail "$1: note: $out"
        cmp -s "$H2$3" "$T/conf.orig" || fail "$1: install edited $3"
        out=$("$P" uninstall "$2" --root "$H2" 2>&1) || fail "$1: uninstall: $out"
        [ -e "$H2$5" ] && fail "$1: uninstall left $5"
        rm -rf "$H2"
}
hooks_dir_case "both folders" podman /etc/containers/containers.conf \
        '"/usr/share/containers/oci/hooks.d", "/etc/containers/oci/hooks.d"' /etc/containers/oci/hooks.d/portcullis.json
hooks_dir_case "/etc first" podman /usr/share/containers/containers.conf \
        '"/etc/containers/oci/hooks.d", "/srv/hooks.d"' /etc/containers/oci/hooks.d/portcullis.json
hooks_dir_case "without /etc: the last one" podman /etc/containers/containers.conf.d/50-site.conf \
        '"/usr/share/containers/oci/hooks.d", "/srv/hooks.d", "/opt/hooks.d"' /opt/hooks.d/portcullis.json
hooks_dir_case "crio drop-in" crio /etc/crio/crio.conf.d/10-site.conf \
        '"/usr/share/containers/oci/hooks.d", "/etc/containers/oci/hooks.d"' /etc/containers/oci/hooks.d/portcullis.json
hooks_dir_case "crio.conf" crio /etc/crio/crio.conf '"/run/hooks.d"' /run/hooks.d/portcullis.json
H2=$T/hooks-dir-empty && rm -rf "$H2" && mkdir -p "$H2/etc/containers" "$H2/var/lib"
printf '[engine]\nhooks_dir = []\n' >"$H2/etc/containers/containers.conf"
cp -a "$H2" "$T/before"
out=$("$P" install podman --root "$H2" 2>&1) && fail "hooks_dir = []: installed: $out"
grep -qF "hooks_dir in /etc/containers/containers.conf lists no folder, so Podman runs no oci-hooks file: nothing was changed" <<<"$out" &&
        diff -r "$T/before" "$H2" >/dev/null || fail "hooks_dir = []: $out"
rm -rf "$H2" "$T/before"
# An earlier install's file in /etc/containers/oci/hooks.d (unchanged):
# removed when the file moves, and said; uninstall then gives back the
# tree; one changed since stays, and is said.
earlier_case() {
        new_host
        mkdir -p "$H/etc/containers/oci/hooks.d"
        "$P" -q install podman --root "$H" >/dev/null || fail "earlier: install"
        python3 - "$HD" "$H/etc/containers/oci/hooks.d/portcullis.json" "$H/var/lib/portcullis/install/oci-hooks.json" "$1" <<'PY' ||
import json, os, sys
new, old, recfile, edit = sys.argv[1:]
text = open(new).read()
if edit == "edited":
    text = text.replace('"timeout": 30', '"timeout": 60')
open(old, "w").write(open(new).read())
rec = json.load(open(recfile))
f = rec["files"][0]
rec["files"].append(dict(f, path="/etc/containers/oci/hooks.d/portcullis.json",
                        dirs=["/etc/containers/oci/hooks.d", "/etc/containers/oci", "/etc/containers"]))
json.dump(rec, open(recfile, "w"))
if edit == "edited":
    open(old, "w").write(text)
os.unlink(new)
PY
                fail "earlier: the earlier install's record"
}
earlier_case same
run install podman --root "$H"
[ "$RC" -eq 0 ] && [ -f "$HD" ] && [ ! -e "$H/etc/containers/oci/hooks.d/portcullis.json" ] &&
        grep -qx "removed $H/etc/containers/oci/hooks.d/portcullis.json" <<<"$OUT" &&
        grep -qF "$H/etc/containers/oci/hooks.d/portcullis.json, which an earlier install wrote, is not read by Podman: removed (the file is /usr/share/containers/oci/hooks.d/portcullis.json now)" <<<"$OUT$ERR" ||
        fail "earlier install's /etc file: rc $RC $OUT $ERR"
python3 -c 'import json, sys; assert [f["path"] for f in json.load(open(sys.argv[1]))["files"]] == ["/usr/share/containers/oci/hooks.d/portcullis.json"]' \
        "$H/var/lib/portcullis/install/oci-hooks.json" || fail "earlier install's /etc file: the record still names it"
run uninstall podman --root "$H"
[ "$RC" -eq 0 ] && same_tree || fail "earlier install's /etc file: uninstall: rc $RC $ERR $(cat "$T/tree.diff")"
earlier_case edited
run install podman --root "$H"
[ "$RC" -eq 0 ] && [ -f "$HD" ] && [ -f "$H/etc/containers/oci/hooks.d/portcullis.json" ] &&
        grep -qF "$H/etc/containers/oci/hooks.d/portcullis.json, which an earlier install wrote, changed since and was left as it is; Podman does not read it: remove it" <<<"$OUT$ERR" ||
        fail "earlier install's edited /etc file: rc $RC $OUT $ERR"
# CRI-O installed first, its hooks_dir listing /etc/containers/oci/hooks.d:
# its file there stays when Podman's goes to its default folder; both go
# with the last uninstall.
new_host
mkdir -p "$H/etc/crio/crio.conf.d" "$T/orig/etc/crio/crio.conf.d"
printf '[crio.runtime]\nhooks_dir = ["/etc/containers/oci/hooks.d"]\n' | tee "$T/orig/etc/crio/crio.conf.d/10-site.conf" \
        >"$H/etc/crio/crio.conf.d/10-site.conf"
"$P" -q install crio --root "$H" >/dev/null 2>&1 || fail "crio then podman: install crio"
run install podman --root "$H"
[ "$RC" -eq 0 ] && [ -f "$HD" ] && [ -f "$H/etc/containers/oci/hooks.d/portcullis.json" ] &&
        ! grep -q "which an earlier install wrote" <<<"$OUT$ERR" || fail "crio then podman: rc $RC $OUT $ERR"
"$P" -q uninstall podman --root "$H" >/dev/null 2>&1
[ -f "$H/etc/containers/oci/hooks.d/portcullis.json" ] || fail "crio then podman: uninstall podman removed CRI-O's file"
run uninstall crio --root "$H"
[ "$RC" -eq 0 ] && same_tree || fail "crio then podman: uninstall crio: rc $RC $ERR $(cat "$T/tree.diff")"
# A packaged install (meson --prefix=/usr) put the same file there: taken
# as it is, not recorded, left by uninstall to the package; a packaged file
# that names another hook is refused (the package's, not ours to replace).
new_host
mkdir -p "${HD%/*}"
mkdir -p "$T/scratch" && "$P" install podman --root "$T/scratch" >/dev/null 2>&1 || fail "packaged: the file install writes"
cp "$T/scratch/usr/share/containers/oci/hooks.d/portcullis.json" "$HD" && cp "$HD" "$T/packaged.json" && rm -rf "$T/scratch"
run install podman --root "$H"
[ "$RC" -eq 0 ] && ! grep -q "^[a-z]* .*portcullis.json$" <<<"$OUT" && cmp -s "$HD" "$T/packaged.json" || fail "packaged file: rc $RC $OUT $ERR"
grep -q "hooks.d" "$H/var/lib/portcullis/install/oci-hooks.json" 2>/dev/null && fail "packaged file: recorded"
"$P" -q uninstall podman --root "$H" >/dev/null
[ -f "$HD" ] || fail "packaged file: uninstall removed the package's file"
new_host
mkdir -p "${HD%/*}"
mkdir -p "$T/scratch" && "$P" install podman --root "$T/scratch" >/dev/null 2>&1
sed 's|"path": "[^"]*"|"path": "/usr/libexec/portcullis/portcullis-hook"|' "$T/scratch/usr/share/containers/oci/hooks.d/portcullis.json" >"$HD"
rm -rf "$T/scratch"
run install podman --root "$H"
[ "$RC" -eq 2 ] && grep -qF "$HD exists and is not an oci-hooks file written by portcullis (its hook.path is \"/usr/libexec/portcullis/portcullis-hook\"" <<<"$ERR" ||
        fail "packaged file of another prefix: rc $RC $ERR"
new_host
run install podman --root "$H"
# On a Podman host whoever runs a container sets its annotations: the config
# it writes does not trust them to name the image (README "Configuration");
# one already there that does is said (a containerd install's).
grep -q '"trust_image_digest": false,' "$H/etc/portcullis/config.json" ||
        fail "install podman: config.json trusts annotations: $(cat "$H/etc/portcullis/config.json")"
H2=$T/podman-after-containerd && rm -rf "$H2" && mkdir -p "$H2/etc/containerd" && printf 'version = 2\n' >"$H2/etc/containerd/config.toml"
"$P" -q install containerd --root "$H2" >/dev/null 2>&1 || fail "install containerd before podman"
out=$("$P" install podman --root "$H2" 2>&1)
grep -q "trusts the containers' annotations (trust_image_digest true): on a Podman host" <<<"$out" ||
        fail "install podman beside a trusting config: no note: $out"
grep -q '"trust_image_digest": true' "$H2/etc/portcullis/config.json" || fail "install podman rewrote an existing config"
rm -rf "$H2"
# crio shares the file (and the shared files): uninstalling podman keeps them
run install crio --root "$H"
[ "$RC" -eq 0 ] && grep -q "^nothing to change" <<<"$OUT" || fail "crio after podman: $RC $OUT"
"$P" -q uninstall podman --root "$H" >/dev/null
[ -f "$H/etc/portcullis/config.json" ] || fail "uninstall podman removed the files crio still uses"
"$P" -q uninstall crio --root "$H" >/dev/null
[ -f "$H/etc/portcullis/config.json" ] && fail "the last uninstall left config.json"
new_host
mkdir -p "${HD%/*}"
printf '{"version": "1.0.0", "hook": {"path": "/usr/bin/other-hook"}, "when": {"always": true}, "stages": ["prestart"]}\n' >"$HD"
cp -a "$H" "$T/orig2"
run install podman --root "$H"
[ "$RC" -eq 2 ] && grep -qF "$HD exists and is not an oci-hooks file written by portcullis (its hook.path is \"/usr/bin/other-hook\", where install writes \"" <<<"$ERR" &&
        diff -r "$T/orig2" "$H" >/dev/null || fail "someone else's hooks.d file: $RC $ERR"

# 9. an existing config.json / policy.json is never touched.
new_host
mkdir -p "$H/etc/portcullis"
printf '{"db": "/srv/db.sqlite"}\n' >"$H/etc/portcullis/config.json"
"$P" -q install podman --root "$H" >/dev/null
[ "$(cat "$H/etc/portcullis/config.json")" = '{"db": "/srv/db.sqlite"}' ] || fail "install overwrote config.json"
"$P" -q uninstall podman --root "$H" >/dev/null
[ "$(cat "$H/etc/portcullis/config.json")" = '{"db": "/srv/db.sqlite"}' ] || fail "uninstall touched config.json"

# 10. runc: a fragment for config.json, nothing written.
new_host
run install runc --root "$H"
[ "$RC" -eq 0 ] && same_tree || fail "install runc: rc $RC or wrote files"
python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert list(d) == ["hooks"], d
h = d["hooks"]["createRuntime"]
assert len(h) == 1 and h[0]["path"].endswith("/portcullis-hook") and h[0]["args"] == ["portcullis-hook"], h
assert 0 < h[0]["timeout"] <= 60, h' "$OUT" || fail "runc fragment: $OUT"

# 11. usage errors.
for a in "install" "install moby" "install runc --default-runtime" "install containerd --root rel" "uninstall podman --binaries"; do
        # shellcheck disable=SC2086
        run $a
        [ "$RC" -eq 2 ] && [ -n "$ERR" ] || fail "'$a': rc $RC '$ERR'"
done

# 12. Debian 12's config.toml (its exact text, containerd 1.6.20~ds1-1+deb12u3)
#     configures the CRI plugin (its CNI folders), whose whole section
#     containerd 1.6 would replace with a drop-in's: the runtime goes into
#     config.toml itself, after a marker line, with runc's table (containerd's
#     default runc is lost once config.toml defines a runtime); no drop-in.
debian12() {
        new_host
        { printf 'version = 2\n\n'; cat "${PC_SOURCE_ROOT:?}/tests/debian12-containerd-plugins.toml"; } >"$CFG"
        cp "$CFG" "$T/orig/etc/containerd/config.toml"
}
ADDED='
# added by portcullis install
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.portcullis]
  runtime_type = "io.containerd.portcullis.v2"'
debian12
run install containerd --root "$H" --dry-run
[ "$RC" -eq 0 ] && same_tree || fail "debian12 dry run: rc $RC $ERR $(cat "$T/tree.diff")"
grep -qx -- "+# added by portcullis install" <<<"$OUT" && ! grep -q -- "+++ b$DROPIN" <<<"$OUT" ||
        fail "debian12 dry run: not the expected diff: $(head -20 <<<"$OUT")"
rm -rf "$T/patched" "$T/installed" && cp -a "$H" "$T/patched"
patch -s -p1 -d "$T/patched" <<<"$OUT" || fail "debian12: patch could not apply the dry run's diff"
run install containerd --root "$H"
[ "$RC" -eq 0 ] && grep -q "configures containerd's CRI plugin: the runtime was added to it" <<<"$ERR$OUT" ||
        fail "debian12 install: rc $RC $OUT $ERR"
{ cat "$T/orig/etc/containerd/config.toml"; printf '%s\n' "$ADDED"; } | cmp -s - "$CFG" ||
        fail "debian12: config.toml is not the original plus our lines: $(cat "$CFG")"
[ -e "$H$DROPIN" ] && fail "debian12: a drop-in was written"
cp -a "$H" "$T/installed" && rm -r "$T/installed/var/lib/portcullis"
diff -r "$T/patched" "$T/installed" >/dev/null || fail "debian12: the dry run's diff is not what install wrote"
cp -a "$H" "$T/deb-first"
run install containerd --root "$H"
[ "$RC" -eq 0 ] && grep -q "^nothing to change" <<<"$OUT" && diff -r "$T/deb-first" "$H" >/dev/null ||
        fail "debian12 second install: rc $RC $OUT"
# --default-runtime: config.toml has no containerd table: appended too; without it again: taken out
run install containerd --root "$H" --default-runtime
grep -Fxq '[plugins."io.containerd.grpc.v1.cri".containerd]' "$CFG" && grep -qx '  default_runtime_name = "portcullis"' "$CFG" ||
        fail "debian12 --default-runtime: $RC $ERR $(cat "$CFG")"
run install containerd --root "$H"
cmp -s "$T/deb-first/etc/containerd/config.toml" "$CFG" || fail "debian12 without --default-runtime again: $(cat "$CFG")"
run uninstall containerd --root "$H"
[ "$RC" -eq 0 ] && cmp -s "$T/orig/etc/containerd/config.toml" "$CFG" && same_tree ||
        fail "debian12 uninstall: rc $RC $ERR $(cat "$T/tree.diff")"
# a containerd table of its own gets the default line in it
debian12
printf '    [plugins."io.containerd.grpc.v1.cri".containerd]\n      snapshotter = "overlayfs"\n' >>"$CFG"
"$P" -q install containerd --root "$H" --default-runtime >/dev/null || fail "debian12 + containerd table: install"
grep -qx '      default_runtime_name = "portcullis" # added by portcullis install' "$CFG" ||
        fail "debian12 + containerd table: $(cat "$CFG")"
"$P" -q uninstall containerd --root "$H" >/dev/null
cmp -s - "$CFG" < <(cat "$T/orig/etc/containerd/config.toml"; printf '    [plugins."io.containerd.grpc.v1.cri".containerd]\n      snapshotter = "overlayfs"\n') ||
        fail "debian12 + containerd table: uninstall: $(cat "$CFG")"
# changed since install: uninstall takes out only the marked lines
debian12
"$P" -q install containerd --root "$H" --default-runtime >/dev/null || fail "debian12 (edited): install"
printf '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n' >>"$CFG"
run uninstall containerd --root "$H"
{ cat "$T/orig/etc/containerd/config.toml"; printf '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n'; } |
        cmp -s - "$CFG" || fail "debian12 edited: not the original plus the admin's lines: $(cat "$CFG")"
grep -q "changed since install: only the lines marked \`added by portcullis install\` were taken out" <<<"$ERR$OUT" ||
        fail "debian12 edited: no note: $OUT $ERR"
# refused: the runtime defined by hand, another default, a CRI section in an import
debian12
printf '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.portcullis]\n  runtime_type = "x"\n' >>"$CFG"
refuse "runtime already in config.toml" "$CFG: line 10: already defines the runtime's table"
debian12
printf '[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "crun"\n' >>"$CFG"
cp -a "$H" "$T/before"
run install containerd --root "$H" --default-runtime
[ "$RC" -eq 2 ] && grep -qF "$CFG: line 11: sets CRI's default_runtime_name to another runtime" <<<"$ERR" &&
        diff -r "$T/before" "$H" >/dev/null || fail "another default runtime: rc $RC '$ERR'"
rm -rf "$T/before"
debian12
sed -i '1a imports = ["/etc/containerd/mirrors.toml"]' "$CFG"
printf '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n' >"$H/etc/containerd/mirrors.toml"
refuse "CRI in config.toml and in an import" "$H/etc/containerd/mirrors.toml: line 1 configures containerd's CRI plugin"

# 13. An imports glob that covers the drop-in (containerd's imports are
#     Go filepath.Glob patterns): no second, explicit entry, config.toml
#     unchanged, and the drop-in it matches is ours, not "a file with a CRI
#     section": a second install changes nothing (a DaemonSet reinstalls at
#     every start).  The same for a relative glob, a glob in a folder name,
#     and the config.toml an earlier version left (the glob and the explicit
#     entry).
for imports in '"/etc/containerd/conf.d/*.toml"' '"conf.d/*.toml"' '"/etc/containerd/*/portcullis.t?ml"' \
        '"/etc/containerd/conf.d/*.toml", "/etc/containerd/conf.d/portcullis.toml"'; do
        new_host
        mkdir -p "$H/etc/containerd/conf.d" "$T/orig/etc/containerd/conf.d"
        printf 'version = 2\nimports = [%s]\n' "$imports" | tee "$CFG" >"$T/orig/etc/containerd/config.toml"
        run install containerd --root "$H"
        [ "$RC" -eq 0 ] && [ -f "$H$DROPIN" ] && cmp -s "$T/orig/etc/containerd/config.toml" "$CFG" ||
                fail "glob [$imports]: rc $RC $ERR, config.toml: $(cat "$CFG")"
        cp -a "$H" "$T/glob-first"
        run install containerd --root "$H"
        [ "$RC" -eq 0 ] && grep -q "^nothing to change" <<<"$OUT" && diff -r "$T/glob-first" "$H" >/dev/null ||
                fail "glob [$imports]: second install: rc $RC $OUT $ERR"
        rm -rf "$T/glob-first"
        run uninstall containerd --root "$H"
        [ "$RC" -eq 0 ] && same_tree || fail "glob [$imports]: uninstall: rc $RC $ERR $(cat "$T/tree.diff")"
done
# a glob matching another file with a CRI section is still refused, naming it
new_host
mkdir -p "$H/etc/containerd/conf.d"
printf 'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n' >"$CFG"
printf '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n' >"$H/etc/containerd/conf.d/mirrors.toml"
refuse "CRI section in a globbed import" "$H/etc/containerd/conf.d/mirrors.toml: line 1 configures containerd's CRI plugin"
# config.toml with a CRI section of its own (the runtime goes into it), and
# a glob covering an earlier install's drop-in, which would replace that
# section: refused
debian12
sed -i '1a imports = ["/etc/containerd/conf.d/*.toml"]' "$CFG"
mkdir -p "$H/etc/containerd/conf.d"
printf '%s\nversion = 2\n' "# Written by \`portcullis install containerd\`" >"$H$DROPIN"
refuse "glob over an earlier drop-in, CRI in config.toml" "$CFG imports $DROPIN (an earlier install)"

# 14. --root: a folder on the way that is an absolute symbolic link is
#     resolved under the root, as the host resolves it once the root is its
#     / (not on this system, where the same path may exist elsewhere or not
#     at all); uninstall follows the same way.  A link whose target is not
#     under the root is refused, naming it, and nothing is written.
new_host
E=$T/elsewhere          # exists here, and as $H$E under the root
mkdir -p "$E/containers" "$E/varlib" "$H$E/containers" "$H$E/varlib" "$T/orig$E/containers" "$T/orig$E/varlib"
mkdir -p "$H/usr/share" "$T/orig/usr/share"
ln -s "$E/containers" "$H/usr/share/containers" && ln -s "$E/containers" "$T/orig/usr/share/containers"
ln -s "$E/varlib" "$H/var/lib/portcullis" && ln -s "$E/varlib" "$T/orig/var/lib/portcullis"
run install podman --root "$H"
[ "$RC" -eq 0 ] && [ -f "$H$E/containers/oci/hooks.d/portcullis.json" ] && [ -f "$H$E/varlib/install/podman.json" ] ||
        fail "symlinked folders: not written under the root: rc $RC $ERR $(find "$H$E")"
[ -z "$(find "$E" -mindepth 2)" ] || fail "symlinked folders: written outside the root: $(find "$E" -mindepth 2)"
grep -qx "created $H/usr/share/containers/oci/hooks.d/portcullis.json" <<<"$OUT" || fail "symlinked folders: output: $OUT"
run install podman --root "$H"
[ "$RC" -eq 0 ] && grep -q "^nothing to change" <<<"$OUT" || fail "symlinked folders: second install: rc $RC $OUT $ERR"
run uninstall podman --root "$H"
[ "$RC" -eq 0 ] && same_tree && [ -z "$(find "$E" -mindepth 2)" ] ||
        fail "symlinked folders: uninstall: rc $RC $ERR $(cat "$T/tree.diff")"
# the links' targets exist here only: refused, nothing written anywhere
rm -rf "${H:?}$E" "$T/orig$E"
cp -a "$H" "$T/before"
run install podman --root "$H"
[ "$RC" -eq 2 ] && grep -qF "$H/usr/share/containers is a symbolic link to $E/containers, which is no folder under $H" <<<"$ERR" &&
        diff -r "$T/before" "$H" >/dev/null && [ -z "$(find "$E" -mindepth 2)" ] ||
        fail "link out of the root: rc $RC '$ERR' $(find "$E" -mindepth 2)"
rm -rf "$T/before" "$E"

# 15. An oci-hooks file of our name that is an admin's, even with a hook
#     called portcullis-hook (their own build, their --config, timeout and
#     "when"), is refused, naming the field; one an earlier install wrote
#     (its record's sha256), or the same JSON, is ours and is updated.
new_host
mkdir -p "${HD%/*}"
printf '%s\n' '{"version": "1.0.0",' \
        ' "hook": {"path": "/opt/site/bin/portcullis-hook", "args": ["portcullis-hook", "--config", "/etc/portcullis/prod.json"], "timeout": 60},' \
        ' "when": {"annotations": {"^io\\.portcullis/check$": "^on$"}}, "stages": ["createRuntime"]}' >"$HD"
cp -a "$H" "$T/before"
run install podman --root "$H"
[ "$RC" -eq 2 ] && grep -qF "$HD exists and is not an oci-hooks file written by portcullis (its hook.path is \"/opt/site/bin/portcullis-hook\", where install writes \"" <<<"$ERR" &&
        grep -qF "it was left as it is: move it away" <<<"$ERR" && diff -r "$T/before" "$H" >/dev/null ||
        fail "admin's hooks.d file: rc $RC '$ERR'"
rm -rf "$T/before"
# our path, the admin's args
new_host
"$P" -q install podman --root "$H" >/dev/null || fail "install podman (15)"
python3 -c 'import json, sys
h = json.load(open(sys.argv[1]))
h["hook"]["args"] += ["--config", "/etc/portcullis/prod.json"]
json.dump(h, open(sys.argv[1], "w"))' "$HD"
cp "$HD" "$T/edited.json"
run install podman --root "$H"
[ "$RC" -eq 2 ] && grep -qF 'its hook.args is ["portcullis-hook","--config","/etc/portcullis/prod.json"], where install writes ["portcullis-hook"]' <<<"$ERR" &&
        cmp -s "$T/edited.json" "$HD" || fail "edited hooks.d file: rc $RC '$ERR'"
# the same JSON, written otherwise: ours
python3 -c 'import json, sys
h = json.load(open(sys.argv[1]))
h["hook"]["args"] = ["portcullis-hook"]
json.dump(h, open(sys.argv[1], "w"))' "$HD"
run install podman --root "$H"
[ "$RC" -eq 0 ] && grep -qx "changed $HD" <<<"$OUT" || fail "reformatted hooks.d file: rc $RC $OUT $ERR"
# what an earlier install wrote (another template: timeout 10), per its record: updated
python3 -c 'import hashlib, json, sys
h = json.load(open(sys.argv[1]))
h["hook"]["timeout"] = 10
text = json.dumps(h, indent=2) + "\n"
open(sys.argv[1], "w").write(text)
rec = json.load(open(sys.argv[2]))
for f in rec["files"]:
    if f["path"] == "/usr/share/containers/oci/hooks.d/portcullis.json":
        f["written"] = hashlib.sha256(text.encode()).hexdigest()
json.dump(rec, open(sys.argv[2], "w"))' "$HD" "$H/var/lib/portcullis/install/oci-hooks.json"
run install podman --root "$H"
[ "$RC" -eq 0 ] && grep -qx "changed $HD" <<<"$OUT" &&
        python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["hook"]["timeout"] == 30' "$HD" ||
        fail "earlier install's hooks.d file: rc $RC $OUT $ERR"
run uninstall podman --root "$H"
[ "$RC" -eq 0 ] && same_tree || fail "uninstall podman (15): rc $RC $ERR $(cat "$T/tree.diff")"

# 16. The containerd drop-in an admin edited after install (our first line
# still on it): refused, never replaced in silence; one no install record
# names likewise; as install left it, it is ours (--default-runtime).
new_host
run install containerd --root "$H"
[ "$RC" -eq 0 ] || fail "install (16): rc $RC $ERR"
run install containerd --root "$H" --default-runtime
[ "$RC" -eq 0 ] && grep -qx "changed $H$DROPIN" <<<"$OUT" || fail "--default-runtime over our drop-in (16): rc $RC $OUT $ERR"
printf '\n# the site'"'"'s own\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.gvisor]\n  runtime_type = "io.containerd.runsc.v1"\n' \
        >>"$H$DROPIN"
refuse "an edited drop-in" "$H$DROPIN exists and is not a containerd drop-in written by portcullis (it begins as ours, but was changed since an install wrote it, or no install record names it); it was left as it is"
grep -q gvisor "$H$DROPIN" || fail "an edited drop-in: the edit is gone"

# 17. A root without /var (a node image being built): /var and /var/lib
# made as every system has them (0755), only the state folders 0700 (they
# were all 0700: every service but root's lost /var); uninstall removes them.
new_host
rm -r "$H/var" "$T/orig/var"
run install podman --root "$H"
[ "$RC" -eq 0 ] || fail "install without /var (17): rc $RC $ERR"
for d in var:755 var/lib:755 var/lib/portcullis:700 var/lib/portcullis/install:700; do
        [ "$(stat -c %a "$H/${d%%:*}")" = "${d##*:}" ] || fail "install without /var (17): /${d%%:*} is not ${d##*:}"
done
run uninstall podman --root "$H"
[ "$RC" -eq 0 ] && same_tree || fail "uninstall without /var (17): rc $RC $ERR $(cat "$T/tree.diff")"

# 18. docker: the runc wrapper as runtime "portcullis" in daemon.json (made
# when absent), the site's keys kept; --default-runtime; another program of
# that name, or another default asked to be replaced, refused; uninstall
# gives the bytes back, or after an edit takes out only ours.
new_host
D=/etc/docker/daemon.json
run install docker --root "$H"
[ "$RC" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d == {"runtimes": {"portcullis": {"path": "/usr/local/libexec/portcullis/runc/runc"}}}, d' "$H$D" ||
        fail "install docker, no daemon.json (18): rc $RC $ERR"
grep -q "restart Docker to load it: systemctl restart docker" <<<"$OUT" || fail "install docker (18): no restart note: $OUT"
run uninstall docker --root "$H"
[ "$RC" -eq 0 ] && same_tree || fail "uninstall docker, no daemon.json (18): rc $RC $ERR $(cat "$T/tree.diff")"
mkdir -p "$H/etc/docker"
printf '{\n  "log-driver": "journald",\n  "runtimes": {"nvidia": {"path": "nvidia-container-runtime"}}\n}\n' >"$H$D"
cp -a "$H/etc/docker" "$T/orig/etc/"
run install docker --root "$H" --default-runtime
[ "$RC" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["log-driver", "runtimes", "default-runtime"] and d["default-runtime"] == "portcullis", d
assert d["runtimes"] == {"nvidia": {"path": "nvidia-container-runtime"},
                         "portcullis": {"path": "/usr/local/libexec/portcullis/runc/runc"}}, d' "$H$D" ||
        fail "install docker --default-runtime (18): rc $RC $ERR $(cat "$H$D")"
run install docker --root "$H" --default-runtime
[ "$RC" -eq 0 ] && grep -q "^nothing to change" <<<"$OUT" || fail "install docker again (18): $OUT $ERR"
run uninstall docker --root "$H"
[ "$RC" -eq 0 ] && same_tree || fail "uninstall docker (18): rc $RC $ERR $(cat "$T/tree.diff")"
run install docker --root "$H" --default-runtime
python3 - "$H$D" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["debug"] = True
json.dump(d, open(sys.argv[1], "w"))
PY
run uninstall docker --root "$H"
[ "$RC" -eq 0 ] && grep -q "daemon.json changed since install: only runtimes.portcullis" <<<"$OUT$ERR" && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d == {"log-driver": "journald", "runtimes": {"nvidia": {"path": "nvidia-container-runtime"}}, "debug": True}, d' "$H$D" ||
        fail "uninstall docker after an edit (18): rc $RC $OUT $ERR $(cat "$H$D")"
cp "$T/orig$D" "$H$D"
for c in 'another program|{"runtimes": {"portcullis": {"path": "/usr/bin/runc"}}}|runtimes.portcullis names /usr/bin/runc, not the runc wrapper' \
         'another default|{"default-runtime": "nvidia"}|default-runtime is nvidia; it was left as it is' \
         'not JSON|{"runtimes": |daemon.json:2:0: unexpected token' 'runtimes not an object|{"runtimes": []}|'"'"'runtimes'"'"' is not a JSON object' \
         'a key twice|{"debug": true, "debug": false}|daemon.json:1:23: duplicate object key near '"'"'"debug"'"'"' (dockerd takes the last one; keep only that one'; do
        IFS='|' read -r what json pattern <<<"$c"
        printf '%s\n' "$json" >"$H$D"
        cp "$H$D" "$T/daemon.before"
        run install docker --root "$H" --default-runtime
        [ "$RC" -eq 2 ] && grep -qF -- "$pattern" <<<"$ERR" && cmp -s "$H$D" "$T/daemon.before" ||
                fail "install docker, $what (18): rc $RC $ERR"
done

# 19. An upgrade: install again after a newer Portcullis replaced an older
#     one.  What the older install wrote and nobody changed since (its
#     record's sha256 says so) is brought to this version's text, as dpkg
#     does with an unmodified conffile; it kept the older tmpfiles.d file
#     and units, and said "nothing to change" (a node upgraded from before
#     1a81cf1 never got the audit log's folder).  One an admin edited since
#     is left as it is.  Uninstall still gives back the tree as it was.
#     The older files are made here: the old text, the record of it.
new_host
run install containerd --root "$H"
[ "$RC" -eq 0 ] || fail "install (19): rc $RC $ERR"
TF=/etc/tmpfiles.d/portcullis.conf
UNIT=/etc/systemd/system/portcullis-update.timer
cp "$H$TF" "$T/tmpfiles.now"
cp "$H$UNIT" "$T/unit.now"
printf 'd /var/lib/portcullis 0700 root root -\n' >"$H$TF"
printf '[Timer]\nOnCalendar=daily\n' >"$H$UNIT"
python3 - "$H/var/lib/portcullis/install/common.json" "$H" "$TF" "$UNIT" <<'PY'
import hashlib, json, sys
rec, root, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
r = json.load(open(rec))
for f in r["files"]:
    if f["path"] in paths:
        f["written"] = hashlib.sha256(open(root + f["path"], "rb").read()).hexdigest()
json.dump(r, open(rec, "w"))
PY
printf '# the admin\n' >>"$H$UNIT"
cp "$H$UNIT" "$T/unit.admin"
run install containerd --root "$H"
[ "$RC" -eq 0 ] && grep -qx "changed $H$TF" <<<"$OUT" || fail "install over an older install (19): rc $RC: $OUT $ERR"
cmp -s "$H$TF" "$T/tmpfiles.now" || fail "the older tmpfiles.d file was kept (19): $(cat "$H$TF")"
cmp -s "$H$UNIT" "$T/unit.admin" || fail "a unit the admin edited was replaced (19): $(cat "$H$UNIT")"
run install containerd --root "$H"
[ "$RC" -eq 0 ] && grep -q "^nothing to change" <<<"$OUT" || fail "install again (19): rc $RC: $OUT"
rm "$H$UNIT"
run uninstall containerd --root "$H"
[ "$RC" -eq 0 ] && same_tree || fail "uninstall after the upgrade (19): rc $RC $ERR $(cat "$T/tree.diff")"

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
