#!/bin/bash
# The command line's help, man pages, completion and option errors (issue
# 15): every command and sub-command answers --help and `help CMD` on
# stdout with exit 0; every option a command's getopt table accepts is in
# its help and in portcullis(1); the man pages render without warnings; the
# completion scripts load and complete; a bad option names the command and
# points to its help.
set -u
P=${PORTCULLIS:?}
H=${PORTCULLIS_HOOK:?}
SRC=${PC_SOURCE_ROOT:?}
BUILD=${PC_BUILD_ROOT:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export TMPDIR=$T
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

CMDS=("scan" "inventory" "db" "db import" "db update" "db status" "db sign" "db publish" "db export" "vercmp" "cvss" "policy"
      "policy check" "check" "doctor" "report" "cache" "cache ls" "cache show" "cache purge" "cache gc" "cache rescan" "cache fill" "metrics" "ps" "install" "uninstall")

for c in "${CMDS[@]}"; do
        # shellcheck disable=SC2086
        out=$("$P" $c --help 2>"$T/err"); rc=$?
        [ "$rc" -eq 0 ] || fail "$c --help: exit $rc"
        [ -s "$T/err" ] && fail "$c --help wrote to stderr: $(cat "$T/err")"
        grep -q "^Usage: portcullis $c" <<<"$out" || fail "$c --help: no 'Usage: portcullis $c' in: $out"
        # shellcheck disable=SC2086
        [ "$("$P" help $c 2>&1)" = "$out" ] || fail "help $c differs from $c --help"
        # shellcheck disable=SC2086
        [ "$("$P" $c -h 2>&1)" = "$out" ] || fail "$c -h differs from $c --help"
done
# Exit status 1 (the policy says no) comes only from scan (--fail-on),
# check (a block) and doctor (a check failed); every other command's help
# says it never exits 1.
for f in $(grep -l "EXIT_POLICY" "$SRC"/cli/verb-*.c); do
        case $(basename "$f") in
        verb-scan.c | verb-check.c | verb-doctor.c) ;;
        *) fail "$(basename "$f") returns EXIT_POLICY: its commands' help says they never exit 1 (cli/help.c)" ;;
        esac
done
for c in "${CMDS[@]}"; do
        # shellcheck disable=SC2086
        out=$("$P" $c --help 2>&1)
        case $c in
        scan) grep -q "^Exit status: 0 pass, 1 the policy says no, 2 usage or error" <<<"$out" || fail "scan --help: exit 1" ;;
        check) grep -q "^Exit status: 0 start, 1 block, 2" <<<"$out" || fail "check --help: exit status" ;;
        doctor) grep -q "^Exit status: 0 nothing failed, 1 a check failed, 2" <<<"$out" || fail "doctor --help: exit status" ;;
        *) grep -q "^Exit status: 0 done, 2 usage or error (never 1)" <<<"$out" || fail "$c --help: says it may exit 1" ;;
        esac
done
out=$("$P" help 2>&1) && grep -q "^  scan  " <<<"$out" || fail "help: no command list: $out"
"$P" help frob >/dev/null 2>&1 && fail "help frob: exit 0"
out=$("$H" --help 2>"$T/err"); rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$T/err" ] && grep -q "^Usage: portcullis-hook" <<<"$out" ||
        fail "portcullis-hook --help: exit $rc, stderr $(cat "$T/err"), stdout $out"
out=$("$H" --frob </dev/null 2>&1); rc=$?
[ "$rc" -eq 1 ] && grep -q "see 'portcullis-hook --help'" <<<"$out" || fail "portcullis-hook --frob: exit $rc: $out"

# Every long option in cli/*.c's getopt tables is in the help of the
# command whose file it is in, and in portcullis(1).
MAN=$BUILD/docs/man/portcullis.1
for f in "$SRC"/cli/verb-*.c; do
        verb=$(basename "$f" .c); verb=${verb#verb-}; verb=${verb%%-*}   # verb-db-oci.c: db
        for o in $(grep -o '{ "[a-z][a-z-]*", \(required\|no\)_argument' "$f" | sed 's/{ "\([^"]*\)".*/\1/' | sort -u); do
                all=""
                for c in "${CMDS[@]}"; do
                        # shellcheck disable=SC2086
                        [ "${c%% *}" = "$verb" ] && all+=$("$P" $c --help)
                done
                grep -q -- "--$o\b" <<<"$all" || fail "$verb: option --$o is in $f but in no help of '$verb'"
                if [ -f "$MAN" ]; then
                        MANWIDTH=200 man -l "$MAN" 2>/dev/null | grep -q -- "--$o\b" || fail "portcullis(1) does not mention --$o ($verb)"
                fi
        done
done

# Per command: every option it accepts is in its own help (the check above
# pools the sub-commands of one file: db export took --config unsaid).  An
# option is accepted when the error is about what follows it; the invalid
# option after it stops every command before it does anything.
all_opts=$(grep -ho '{ "[a-z][a-z-]*", \(required\|no\)_argument' "$SRC"/cli/*.c | sed 's/{ "\([^"]*\)".*/\1/' | sort -u)
for c in "${CMDS[@]}"; do
        case $c in db | cache | policy | vercmp) continue ;; esac     # no options of their own
        # shellcheck disable=SC2086
        help=$("$P" $c --help)
        for o in $all_opts; do
                # shellcheck disable=SC2086
                err=$("$P" $c "--$o=x" --zzzz-invalid 2>&1 >/dev/null)
                grep -q "unknown or ambiguous option '--$o'" <<<"$err" && continue
                grep -q -- "--$o\b" <<<"$help" || fail "$c accepts --$o, which its help does not list"
        done
done

# Option errors: prefix, the command, what is wrong, where to look.
chk() {     # chk PATTERN ARGS...: exit 2 and PATTERN on stderr, nothing on stdout
        local pat=$1 out
        shift
        out=$("$P" "$@" 2>"$T/err" </dev/null); rc=$?
        [ "$rc" -eq 2 ] || fail "portcullis $*: exit $rc, wanted 2"
        [ -z "$out" ] || fail "portcullis $*: stdout: $out"
        grep -qE -- "$pat" "$T/err" || fail "portcullis $*: no /$pat/ in: $(cat "$T/err")"
}
chk "^portcullis: scan: unknown or ambiguous option '--formt'; see 'portcullis scan --help'" scan --formt json /
chk "^portcullis: scan: option '--format' needs a value" scan / --format
chk "^portcullis: scan: unknown option '-x'" scan -x /
# a value for an option that takes none: named as given, not as its getopt val ('-N')
chk "^portcullis: ps: option '--no-inventory' takes no value; see 'portcullis ps --help'" ps --no-inventory=yes
chk "^portcullis: scan: option '--ignore-unfixed' takes no value" scan --ignore-unfixed=1 /
chk "^portcullis: db import: unknown or ambiguous option '--bogus'; see 'portcullis db import --help'" db import --bogus x
chk "^portcullis: cache gc: unknown or ambiguous option '--tll'; see 'portcullis cache gc --help'" cache gc --tll 5
chk "^portcullis: db: unknown subcommand 'frob'.*'portcullis db --help'" db frob
# an option before the sub-command is not an "unknown subcommand '--db'"
chk "^portcullis: db: '--db' comes after the sub-command: portcullis db SUBCOMMAND \[OPTIONS\]" db --db x.sqlite import x
chk "^portcullis: cache: '--config' comes after the sub-command" cache --config x.json ls
chk "^portcullis: report: --last: 'abc' is not a count" report --last abc --log /dev/null
chk "^portcullis: db sign: --serial: ' 5' is not a count" db sign --key k.pem --serial " 5" --expires 2099-01-01T00:00:00Z .
chk "^portcullis: db sign: --serial: '\\+5' is not a count" db sign --key k.pem --serial +5 --expires 2099-01-01T00:00:00Z .
chk "save it to a file first \(docker save alpine:3.11" scan alpine:3.11
chk "save it to a file first" inventory docker.io/library/nginx
chk "^portcullis: unknown command 'sacn'; see 'portcullis --help'" sacn /
mkdir "$T/dbdir"
chk "vulnerability database $T/dbdir is a folder" scan / --db "$T/dbdir"
chk "db import: --db $T/dbdir is a folder" db import "$SRC/config" --db "$T/dbdir"
# install runc --binaries: its --dry-run listed the copies, the run made none
chk "^portcullis: install: runc's install writes no file, so it takes no --binaries" install runc --binaries --dry-run --root "$T"
# doctor --root that is no folder: a usage error, as for install, not 13 failed checks
chk "^portcullis: doctor: --root $T/no-host: No such file or directory; give the folder where the host's / is mounted" \
        doctor --root "$T/no-host"
chk "report: /etc/os-release: none of its last [0-9]+ lines is a Portcullis audit record" report --log /etc/os-release
# --last 0 shows no decision, but the file is still checked (--html's chart reads it all)
chk "report: /etc/os-release: none of its last 1 lines is a Portcullis audit record" report --log /etc/os-release --last 0
chk "report: /etc/os-release: none of its last 1 lines" report --log /etc/os-release --last 0 --format json
chk "cache ls: unknown or ambiguous option" cache ls --frob
# --config where the config is read
printf '{"cache": "%s"}\n' "$T/c/cache.db" >"$T/config.json"
out=$("$P" cache ls --config "$T/config.json" 2>&1); rc=$?
[ "$rc" -eq 0 ] && grep -q "no cache at $T/c/cache.db yet" <<<"$out" || fail "cache ls --config: exit $rc: $out"
chk "config" cache ls --config "$T/missing.json"
# a --config named beside the option that overrides what it would give
# (--cache, --db, $PORTCULLIS_DB, --log) is read all the same: one that is
# missing or wrong was passed over in silence (portcullis-config(5): a file
# named with --config that is missing is an error)
printf '{"cache": "%s/c.db", "frob": 1}\n' "$T" >"$T/bad-config.json"
for c in ls purge gc rescan; do
        chk "missing.json: No such file" cache $c --cache "$T/none.db" --config "$T/missing.json"
        chk "bad-config.json:1:[0-9]+: unknown key 'frob'" cache $c --cache "$T/none.db" --config "$T/bad-config.json"
done
chk "missing.json: No such file" cache show 0123456789ab --cache "$T/none.db" --config "$T/missing.json"
chk "^portcullis: scan: .*missing.json: No such file" scan / --db "$T/none.sqlite" --config "$T/missing.json"
PORTCULLIS_DB=$T/none.sqlite chk "^portcullis: scan: .*bad-config.json:1:[0-9]+: unknown key 'frob'" \
        scan / --config "$T/bad-config.json"
chk "^portcullis: db status: .*missing.json: No such file" db status --db "$T/none.sqlite" --config "$T/missing.json"
chk "^portcullis: db import: .*missing.json: No such file" db import "$SRC/feed" --db "$T/none.sqlite" --config "$T/missing.json"
[ -e "$T/none.sqlite" ] && fail "db import with a missing --config wrote $T/none.sqlite"
chk "missing.json: No such file" report --log /etc/os-release --config "$T/missing.json"

# policy check reports every error of the file, in the file's order.
cat >"$T/bad-policy.json" <<'JSON'
{
  "mode": "block",
  "severity": "SEVERE",
  "colour": 1,
  "allowlist": [
    {"id": "CVE-1", "reason": ""},
    {"id": "CVE-2", "reason": "ok", "expires": "soon"},
    {"id": "CVE-3", "reason": "fine"}
  ],
  "scopes": [
    {"name": "a", "match": {"images": []}},
    {"match": {}},
    {"name": "b", "mode": "warn", "ignore_paths": [1]}
  ],
  "deadline_ms": 0
}
JSON
out=$("$P" policy check "$T/bad-policy.json" 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "policy check of a bad policy: exit $rc"
lines=$(grep -o "bad-policy.json:[0-9]*:[0-9]*" <<<"$out" | cut -d: -f2 | tr '\n' ' ')
[ "$lines" = "2 3 4 6 7 11 12 13 15 " ] || fail "policy check: error lines '$lines', wanted every error in order: $out"
grep -q "bad-policy.json: 9 errors$" <<<"$out" || fail "policy check: no count: $out"

# -q silences warnings, -v says which files; both before or after the command.
printf '{"cache": "%s", "db": "%s"}\n' "$T/c/cache.db" "$T/missing.sqlite" >"$T/config.json"
out=$("$P" -v cache ls --config "$T/config.json" 2>&1)
grep -q "^portcullis: cache: $T/c/cache.db" <<<"$out" || fail "-v cache ls: no path said: $out"
out=$("$P" cache ls --config "$T/config.json" --verbose 2>&1)
grep -q "^portcullis: cache: $T/c/cache.db" <<<"$out" || fail "cache ls --verbose: no path said: $out"
out=$("$P" report --log /etc/os-release -v 2>&1)
grep -q "^portcullis: report: audit log /etc/os-release$" <<<"$out" || fail "report -v: no file said: $out"
out=$("$P" ps --config "$T/config.json" --state-root /run/runc -v 2>&1)
grep -q "^portcullis: ps: configuration $T/config.json, policy .*, database $T/missing.sqlite, cache $T/c/cache.db$" <<<"$out" &&
        grep -q "^portcullis: ps: state folder /run/runc$" <<<"$out" || fail "ps -v: no files said: $out"
R=$T/rootfs; mkdir -p "$R/etc" "$R/var/lib/dpkg"; printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
printf 'Package: broken\nStatus: install ok installed\n\n' >"$R/var/lib/dpkg/status"
out=$("$P" inventory "$R" 2>&1 >/dev/null)
grep -q "warning:\|note:" <<<"$out" || fail "inventory of an empty rootfs gave no warning to silence: $out"
out=$("$P" -q inventory "$R" 2>&1 >/dev/null)
[ -z "$out" ] || fail "-q inventory still wrote: $out"
# -v on a scan: each step and how long it took, each file packages came from.
printf 'Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.88.1-10+deb12u3\n\n' \
        >"$R/var/lib/dpkg/status"
"$P" db import "$SRC/feed" --db "$T/feed.sqlite" >/dev/null || fail "import of the example feed"
out=$("$P" scan "$R" --db "$T/feed.sqlite" -v 2>&1 >/dev/null)
grep -q "^portcullis: $R: inventory, 1 package, matched against $T/feed.sqlite (revision sha256:[0-9a-f]*, data of .*), [1-9][0-9]* findings\? (one sandboxed child): [0-9]* ms$" \
        <<<"$out" || fail "scan -v: no inventory and match step: $out"
grep -q "^portcullis: read /var/lib/dpkg/status: 1 package (Debian:12)$" <<<"$out" || fail "scan -v: no file read: $out"
grep -q "^portcullis: table report, [1-9][0-9]* findings after the filters: [0-9]* ms$" <<<"$out" || fail "scan -v: no report step: $out"
out=$("$P" scan "$R" --db "$T/feed.sqlite" 2>&1 >/dev/null)
grep -q " ms$" <<<"$out" && fail "scan without -v said its steps: $out"
out=$("$P" inventory "$R" -v 2>&1 >/dev/null)
grep -q "^portcullis: $R: inventory, 1 package (sandboxed child): [0-9]* ms$" <<<"$out" || fail "inventory -v: no step: $out"

# Man pages: each renders, without groff warnings.
if command -v man >/dev/null && [ -d "$BUILD/docs/man" ]; then
        n=0
        for m in "$BUILD"/docs/man/*.[158]; do
                n=$((n + 1))
                out=$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
                [ -z "$out" ] || fail "man -l $m: $out"
                MANWIDTH=80 man -l "$m" 2>/dev/null | grep -q "^NAME" || fail "man -l $m: no NAME section"
        done
        [ "$n" -eq 5 ] || fail "expected 5 man pages in $BUILD/docs/man, found $n"
else
        echo "note: man or scdoc missing: man pages not checked"
fi

# bash completion: loads without error and completes commands, sub-commands
# and options from the program's help.
comp() {    # comp WORDS...: the completions of the last word
        bash --norc -c '
                PATH=$(dirname "$1"):$PATH
                source "$2" || exit 3
                shift 2
                COMP_WORDS=("$@"); COMP_WORDS[0]=$P; COMP_CWORD=$(($# - 1))
                _portcullis; printf "%s\n" "${COMPREPLY[@]}"' _ "$P" "$SRC/completion/portcullis.bash" "$@"
}
export P
out=$(comp portcullis sc) && grep -qx scan <<<"$out" || fail "bash completion of 'sc': $out"
out=$(comp portcullis cache "") && [ "$(echo $out)" = "ls show purge gc rescan fill" ] || fail "bash completion of 'cache ': $out"
out=$(comp portcullis scan --fo) && grep -qx -- --format <<<"$out" || fail "bash completion of 'scan --fo': $out"
# Sub-commands are the help's own list: 'db ' offered no publish or export.
for c in db cache policy; do
        want=$("$P" help $c | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\).*/\1/p' | tr '\n' ' ')
        out=$(comp portcullis $c "" | tr '\n' ' ')
        [ "$out" = "$want" ] || fail "bash completion of '$c ': '$out', wanted the help's '$want'"
done
out=$(comp portcullis help db "" | tr '\n' ' ')
[ "$out" = "import update status sign publish export " ] || fail "bash completion of 'help db ': '$out'"
out=$(comp portcullis help scan "")
[ -z "$out" ] || fail "bash completion of 'help scan ': $out"
[ "$("$P" help db | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\).*/\1/p' | tr '\n' ' ')" = \
        "import update status sign publish export " ] || fail "db --help: not the six sub-commands: $("$P" help db)"
out=$(comp portcullis db import --al) && grep -qx -- --allow-shrink <<<"$out" || fail "bash completion of 'db import --al': $out"
out=$(comp portcullis scan --sort "") && [ "$(echo $out)" = "severity package id fixed kev epss" ] || fail "bash completion of '--sort ': $out"
if command -v zsh >/dev/null; then
        zsh -n "$SRC/completion/_portcullis" || fail "zsh: _portcullis does not parse"
        out=$(zsh -fc "fpath=($SRC/completion \$fpath); autoload -Uz compinit; compinit -u -D; autoload -Uz _portcullis; whence -w _portcullis" 2>&1)
        grep -q "_portcullis: function" <<<"$out" || fail "zsh: _portcullis does not load: $out"
        # compadd and _files stubbed: what the function offers after 'db '
        out=$(zsh -fc 'compadd() { [[ $1 == -a ]] && print -l ${(P)2} || print -l "$@"; }; _files() { :; }
                _describe() { :; }; source "$1"; words=("$2" db ""); CURRENT=3; PREFIX=""; _portcullis' \
                _ "$SRC/completion/_portcullis" "$P" 2>&1 | tr '\n' ' ')
        [ "$out" = "import update status sign publish export " ] || fail "zsh completion of 'db ': $out"
        # a value that is no file: nothing offered (was every file name, after --ttl)
        out=$(zsh -fc 'compadd() { print -l "$@"; }; _files() { print FILES; }
                _describe() { :; }; source "$1"; words=("$2" cache gc --ttl ""); CURRENT=5; PREFIX=""; _portcullis' \
                _ "$SRC/completion/_portcullis" "$P" 2>&1)
        [ -z "$out" ] || fail "zsh completion of 'cache gc --ttl ': $out"
        # after help: the commands (was the folder's files)
        out=$(zsh -fc '_files() { print FILES; }; _describe() { print -l ${(P)4}; }
                source "$1"; words=("$2" help ""); CURRENT=3; PREFIX=""; _portcullis' \
                _ "$SRC/completion/_portcullis" "$P" 2>&1)
        grep -qx "scan:scan a root filesystem or an image file for vulnerable packages" <<<"$out" &&
                ! grep -q FILES <<<"$out" || fail "zsh completion of 'help ': $out"
        out=$(zsh -fc 'compadd() { [[ $1 == -a ]] && print -l ${(P)2} || print -l "$@"; }; _files() { print FILES; }
                _describe() { :; }; source "$1"; words=("$2" help db ""); CURRENT=4; PREFIX=""; _portcullis' \
                _ "$SRC/completion/_portcullis" "$P" 2>&1 | tr '\n' ' ')
        [ "$out" = "import update status sign publish export " ] || fail "zsh completion of 'help db ': $out"
else
        echo "note: zsh missing: its completion not checked"
fi

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "cli-help: all passed"
