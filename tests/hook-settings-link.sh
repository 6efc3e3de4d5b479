#!/bin/bash
# A config.json or policy.json at its default path that is a symbolic link
# to a file that is gone (a ConfigMap key or a config-management target
# removed) is a file someone put there, broken: the hook blocks (on_error,
# config.json's, deny by default) with a line naming the link and its
# target, instead of taking the defaults or the built-in policy as when
# nothing is there.  The default paths are /etc/portcullis/...: the hook
# (static) runs in a mount namespace of its own whose /etc is the test's
# folder and /var/lib and /run empty tmpfs.
set -u
HOOK=${PORTCULLIS_HOOK:?}
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (a mount namespace)"; exit 77; }
command -v unshare >/dev/null && unshare -m true 2>/dev/null || { echo "skip: no unshare -m"; exit 77; }
! ldd "$HOOK" >/dev/null 2>&1 || { echo "skip: the hook is not static (it runs with an empty /etc)"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/pc-settings-link-XXXXXX")
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"          # fail(), curl_image()

# A clean image (curl at the fixed version): the built-in policy and the
# defaults let it start, so only the broken link can block it.
curl_image "$T" 7.88.1-10+deb12u4 reg/app:1
"$P" db import "$SRC/feed" --db "$T/db.sqlite" >/dev/null || { echo "FAIL: import"; exit 1; }
printf '{"db": "%s", "cache": "%s", "lock_dir": "%s", "policy": "/etc/portcullis/policy.json", "log": {"syslog": false, "file": "%s"}}\n' \
        "$T/db.sqlite" "$T/cache.db" "$T/locks" "$T/audit.log" >"$T/config.json"

# hook SETUP: the hook, with no --config, where /etc is a fresh folder
# in which SETUP (shell, run there outside the namespace) made
# portcullis/; sets OUT and RC.  /etc is bound last: after it only the
# static hook runs.
n=0
hook() {
        n=$((n + 1))
        mkdir -p "$T/etc$n/portcullis"
        (cd "$T/etc$n/portcullis" && eval "$1") || { fail "setup $n: $1"; return; }
        OUT=$(timeout 60 unshare -m sh -c '
                mount -t tmpfs tmpfs /var/lib && mount -t tmpfs tmpfs /run && mount --bind "$1" /etc || exit 99
                exec "$2" <"$3"' hook "$T/etc$n" "$HOOK" "$T/state.json" 2>&1)
        RC=$?
}

# The baseline: the config (a real file) and no policy at the default
# path: the built-in policy, which starts the clean image.
hook "cp '$T/config.json' config.json"
[ "$RC" -eq 0 ] || fail "config, no policy: not started: $RC $OUT"
tail -1 "$T/audit.log" | grep -q '"decision":"allow".*"policy":"(built-in default)"' ||
        fail "config, no policy: audit: $(tail -1 "$T/audit.log")"

# policy.json a link to a policy that is gone.
hook "cp '$T/config.json' config.json && ln -s /srv/policies/prod.json policy.json"
[ "$RC" -eq 1 ] || fail "dangling policy link: not blocked: $RC $OUT"
grep -q "portcullis: blocked .*/etc/portcullis/policy.json is a symbolic link to /srv/policies/prod.json, which does not exist.*on_error is deny" \
        <<<"$OUT" || fail "dangling policy link: message: $OUT"

# config.json a link to a file that is gone (the hook then has no log file:
# the line on stderr is the record).
hook "ln -s /srv/portcullis/config.json config.json"
[ "$RC" -eq 1 ] || fail "dangling config link: not blocked: $RC $OUT"
grep -q "portcullis: blocked .*/etc/portcullis/config.json is a symbolic link to /srv/portcullis/config.json, which does not exist" \
        <<<"$OUT" || fail "dangling config link: message: $OUT"

# A link to a file that is there is read as the file.
hook "cp '$T/config.json' ../real.json && ln -s /etc/real.json config.json"
[ "$RC" -eq 0 ] || fail "config link to a file: $RC $OUT"

# portcullis doctor on the node itself (no --root, the system's /etc with
# the test's portcullis/ over it) says the same, not "absent: the built-in
# policy applies".
mkdir -p "$T/ov/up/portcullis" "$T/ov/work"
cp "$T/config.json" "$T/ov/up/portcullis/config.json"
ln -s /srv/policies/prod.json "$T/ov/up/portcullis/policy.json"
OUT=$(timeout 120 unshare -m sh -c 'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/up,workdir=$1/work" /etc ||
        exit 99; exec "$2" doctor' doctor "$T/ov" "$P" 2>&1)
if [ $? -eq 99 ]; then
        echo "note: no overlay mount over /etc here: doctor not checked"
else
        grep -q "^policy  *FAIL  */etc/portcullis/policy.json is a symbolic link to /srv/policies/prod.json, which does not exist" \
                <<<"$OUT" || fail "doctor, dangling policy link: $(grep -A1 "^policy" <<<"$OUT")"
fi

[ "$fails" -eq 0 ] && echo ok || echo "$fails failures"
[ "$fails" -eq 0 ]
