#!/bin/sh
# "Installed but not in the path": hooks.d files that Podman (runc, vfs, a
# private --root/--runroot) does not run, each tried with a real start
# whose hook records a marker, and what portcullis doctor says of the same
# file laid under a --root with a podman on it:
#  - Podman 4's default hooks_dir is /usr/share/containers/oci/hooks.d
#    alone: a file in /etc/containers/oci/hooks.d (where install writes)
#    is not run (a real podman with no containers.conf, the file in the
#    host's folders, removed again), and doctor fails naming hooks_dir;
#    with hooks_dir listing the folder in containers.conf it is run, and
#    doctor is ok; a containers.conf.d drop-in that sets hooks_dir again
#    without it: not run, doctor fails naming the drop-in;
#  - "when" with "always" and also "commands": not run for others; warn;
#  - "version" other than 1.0.0: every start refused; doctor fails;
#  - a hook for another machine (an ELF of another e_machine) or no
#    executable at all: every start refused by runc; doctor fails (it said
#    ok: the file was regular, executable and root's).
# Needs root, podman, runc and busybox-static; skips (77) without them.
set -u

. "$(dirname "$0")/podman-lib.sh"
PC=${PORTCULLIS:?}
podman_init vfs pc-hooks-unread
podman_busybox_image

hook=$tmp/hook
printf '#!/bin/sh\necho ran >>%s/marker\n' "$tmp" >"$hook"
chmod 0755 "$hook"

# The --root doctor looks at: podman on it, the hook at the same path.
R=$tmp/host
mkdir -p "$R/usr/bin" "$R$tmp" "$R/etc/containers/oci/hooks.d" "$R/usr/share/containers/oci/hooks.d"
printf '#!/bin/sh\n' >"$R/usr/bin/podman"
chmod 0755 "$R/usr/bin/podman"
cp -p "$hook" "$R$hook"

# hooksfile [WHEN [VERSION]]: the oci-hooks(5) text; WHEN narrows it to this
# test's containers by default (the host's folders are read by any podman).
hooksfile() {
        printf '{"version": "%s", "hook": {"path": "%s", "args": ["portcullis-hook"]}, "when": %s, "stages": ["createRuntime"]}\n' \
                "${2:-1.0.0}" "$hook" "${1:-{\"always\": true\}}"
}

# run [PODMAN...]: one start (annotated pc.hooks-unread=yes); sets RAN
# (yes/no) and OUT
run() {
        rm -f "$tmp/marker"
        # shellcheck disable=SC2086
        OUT=$(${1:-$P} run --rm --network none $LIMITS --annotation pc.hooks-unread=yes localhost/pc-busybox:test \
                /bin/sh -c 'echo started' 2>&1)
        RC=$?
        if [ -f "$tmp/marker" ]; then RAN=yes; else RAN=no; fi
}

# row: the runtime.oci-hooks row of doctor --root "$R", and its fix
row() { "$PC" doctor --root "$R" 2>/dev/null | grep -A1 '^runtime.oci-hooks '; }

# 1. The host's folders, as Podman reads them by default (no
# containers.conf: CONTAINERS_CONF names an empty one).  The files are
# named for this test, narrowed to its containers, and removed on exit.
: >"$tmp/empty.conf"
# The folders are made when missing and left (other tests, run at the same
# time, may be using them); each file is written beside under a name
# Podman does not read, then renamed, so no run ever sees half of it.
mkdir -p /etc/containers/oci/hooks.d /usr/share/containers/oci/hooks.d
trap 'rm -f /etc/containers/oci/hooks.d/zz-pc-hooks-unread-$$.json /usr/share/containers/oci/hooks.d/zz-pc-hooks-unread-$$.json /etc/containers/oci/hooks.d/.zz-pc-hooks-unread-$$ /usr/share/containers/oci/hooks.d/.zz-pc-hooks-unread-$$; podman_cleanup' EXIT
narrow='{"annotations": {"^pc\\.hooks-unread$": "^yes$"}}'
for d in /etc/containers/oci/hooks.d /usr/share/containers/oci/hooks.d; do
        hooksfile "$narrow" >"$d/.zz-pc-hooks-unread-$$" && mv "$d/.zz-pc-hooks-unread-$$" "$d/zz-pc-hooks-unread-$$.json"
        run "env CONTAINERS_CONF=$tmp/empty.conf $PD"
        rm -f "$d/zz-pc-hooks-unread-$$.json"
        case "$d:$RAN" in
        /etc/*:no | /usr/*:yes) ;;
        /etc/*:yes) bad "podman ran a hook of /etc/containers/oci/hooks.d with no hooks_dir set: OCI_HOOKS_DIR_DEFAULT (lib/doctor.h) is out of date" ;;
        *) bad "podman did not run a hook of $d with no hooks_dir set ($RC: $OUT)" ;;
        esac
done

hooksfile >"$R/etc/containers/oci/hooks.d/portcullis.json"
r=$(row)
echo "$r" | grep -q "^runtime.oci-hooks  *FAIL  *$R/etc/containers/oci/hooks.d/portcullis.json exists, but Podman reads oci-hooks files only from /usr/share/containers/oci/hooks.d (its default: no hooks_dir is set): it checks none of its container starts" ||
        bad "default hooks_dir: $r"
echo "$r" | grep -qF 'what to do: portcullis install podman (it writes the file where Podman reads it), or add "/etc/containers/oci/hooks.d" to hooks_dir under [engine] in /etc/containers/containers.conf (hooks_dir = ["/usr/share/containers/oci/hooks.d", "/etc/containers/oci/hooks.d"] where none was set)' ||
        bad "default hooks_dir: fix: $r"

# 2. hooks_dir in containers.conf: the folder listed, run; a drop-in that
# sets it again without the folder, not run.  The same files for podman
# (CONTAINERS_CONF: the one file containers/common reads then, the drop-in
# appended) and for doctor under the root.
mkdir -p "$tmp/etc-hooks.d" "$tmp/share-hooks.d"
hooksfile >"$tmp/etc-hooks.d/portcullis.json"
printf '[engine]\nhooks_dir = [\n  "%s",\n  "%s",  # portcullis\n]\n' "$tmp/share-hooks.d" "$tmp/etc-hooks.d" >"$tmp/containers.conf"
run "env CONTAINERS_CONF=$tmp/containers.conf $PD"
[ "$RAN" = yes ] || bad "hooks_dir listing the folder: not run ($RC: $OUT)"
printf '[engine]\nhooks_dir = [\n  "/usr/share/containers/oci/hooks.d",\n  "/etc/containers/oci/hooks.d",  # portcullis\n]\n' \
        >"$R/etc/containers/containers.conf"
r=$(row)
echo "$r" | grep -q "^runtime.oci-hooks  *ok  *$R/etc/containers/oci/hooks.d/portcullis.json names $hook; read by podman" ||
        bad "hooks_dir listing the folder: $r"

printf '[engine]\nhooks_dir = ["%s"]\n' "$tmp/share-hooks.d" >"$tmp/containers.conf"
run "env CONTAINERS_CONF=$tmp/containers.conf $PD"
[ "$RAN" = no ] || bad "hooks_dir set again without the folder: the hook ran"
mkdir -p "$R/etc/containers/containers.conf.d"
printf '[engine]\nhooks_dir = ["/usr/share/containers/oci/hooks.d"]\n' >"$R/etc/containers/containers.conf.d/10-site.conf"
r=$(row)
echo "$r" | grep -q "^runtime.oci-hooks  *FAIL  .*exists, but Podman reads oci-hooks files only from /usr/share/containers/oci/hooks.d (hooks_dir in /etc/containers/containers.conf.d/10-site.conf)" ||
        bad "drop-in without the folder: $r"
echo "$r" | grep -qF 'what to do: portcullis install podman (it writes the file where Podman reads it), or add "/etc/containers/oci/hooks.d" to hooks_dir under [engine] in /etc/containers/containers.conf.d/10-site.conf' ||
        bad "drop-in without the folder: fix: $r"
rm -r "$R/etc/containers/containers.conf.d"

# The remaining files are tried with --hooks-dir (this test's folder), and
# doctor reads the same text where its containers.conf points.
try() {
        rm -f "$tmp/hooks.d/"*
        cp "$R/etc/containers/oci/hooks.d/portcullis.json" "$tmp/hooks.d/portcullis.json"
        run
}

# 3. "always" and "commands": a container must match both
hooksfile '{"always": true, "commands": ["^/usr/bin/never$"]}' >"$R/etc/containers/oci/hooks.d/portcullis.json"
try
[ "$RAN" = no ] && [ "$RC" -eq 0 ] || bad "always+commands: ran=$RAN rc=$RC"
r=$(row)
echo "$r" | grep -q "^runtime.oci-hooks  *warn  .*but only for some containers: \"when\" holds commands besides \"always\"" ||
        bad "always+commands: $r"

# 4. another version: Podman refuses every start
hooksfile '' 2.0.0 >"$R/etc/containers/oci/hooks.d/portcullis.json"
try
[ "$RC" -ne 0 ] && [ "$RAN" = no ] && echo "$OUT" | grep -q "unrecognized hook version" || bad "version 2.0.0: rc=$RC $OUT"
r=$(row)
echo "$r" | grep -q "^runtime.oci-hooks  *FAIL  .*portcullis.json: version is \"2.0.0\", not \"1.0.0\": Podman and CRI-O refuse every container start" ||
        bad "version 2.0.0: $r"

# 5. a hook runc can't run: an ELF for another machine, then no program
hooksfile >"$R/etc/containers/oci/hooks.d/portcullis.json"
if [ "$(od -An -tx1 -j18 -N2 /proc/self/exe | tr -d ' ')" = b700 ]; then m='\076\000'; else m='\267\000'; fi
for kind in elf text; do
        if [ $kind = elf ]; then
                # shellcheck disable=SC2059
                printf "\\177ELF\\002\\001\\001\\000\\000\\000\\000\\000\\000\\000\\000\\000\\002\\000$m" >"$hook"
        else
                printf 'echo hello\n' >"$hook"
        fi
        cp -p "$hook" "$R$hook"
        try
        [ "$RC" -ne 0 ] && [ "$RAN" = no ] && echo "$OUT" | grep -q "exec format error" || bad "$kind hook: rc=$RC $OUT"
        r=$(row)
        echo "$r" | grep -q "^runtime.oci-hooks  *FAIL  .*names the hook $hook, which can't run: $R$hook is .*exec format error" ||
                bad "$kind hook: $r"
done

[ "$fails" -eq 0 ] || exit 1
echo "ok"
