#!/bin/sh
# The reference pages against the parsers and the option tables (what
# cli-help.sh does not check): every key lib/config.c knows is in
# portcullis-config(5), and every key that page lists is one it knows;
# every key lib/policy.c knows (top level, scope, match, allowlist entry) is
# in portcullis-policy(5) and docs/policy.md, and every top-level key they
# list is one it knows; every option of the hook's getopt table is in
# portcullis-hook(8) and the reverse; every option on a command's synopsis
# line in portcullis(1) is in that command's help.  A key or option added,
# renamed or dropped on one side only fails here.
set -u
P=${PORTCULLIS:?}
SRC=${PC_SOURCE_ROOT:?}
MAN=$SRC/docs/man
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# keys FILE ARRAY: the words of `static const char *const ARRAY[] = { ... };`
keys() {
        awk -v a=" $2[] = {" 'index($0, a) { on = 1 } on { print } on && /};/ { exit }' "$1" |
                grep -o '"[a-z_]*"' | tr -d '"'
}

# section FILE TITLE: the lines of a man page's "# TITLE" section.
section() {
        sed -n "/^# $2\$/,/^# /p" "$1"
}

# rows FILE TITLE: the first cells, `key`, of the tables of the markdown
# section "## TITLE".
rows() {
        # shellcheck disable=SC2016
        sed -n "/^## $2\$/,/^## /p" "$1" | sed -n 's/^| `\([a-z_]*\)` |.*/\1/p'
}

# headings: the names of a scd definition list read on stdin (the lines
# starting '*name*', maybe several, comma-separated).
headings() {
        grep '^\*' | grep -o '\*[a-z_.]*\*' | tr -d '*'
}

# --- portcullis-config(5) ------------------------------------------------
conf_keys=$(keys "$SRC/lib/config.c" top_keys | grep -vx 'log\|update')
for k in $(keys "$SRC/lib/config.c" log_keys); do conf_keys="$conf_keys log.$k"; done
for k in $(keys "$SRC/lib/config.c" update_keys); do conf_keys="$conf_keys update.$k"; done
[ "$(echo "$conf_keys" | wc -w)" -ge 20 ] || fail "lib/config.c: read only these keys: $conf_keys"
man_conf=$(section "$MAN/portcullis-config.5.scd" KEYS | headings)
for k in $conf_keys; do
        echo "$man_conf" | grep -qx "$k" || fail "portcullis-config(5) does not list '$k', a key lib/config.c reads"
done
for k in $man_conf; do
        echo "$conf_keys" | tr ' ' '\n' | grep -qx "$k" || fail "portcullis-config(5) lists '$k', which lib/config.c does not read"
done

# --- portcullis-policy(5) and docs/policy.md -----------------------------
POL=$SRC/lib/policy.c
MD=$SRC/docs/policy.md
top=$(keys "$POL" top_keys)
[ "$(echo "$top" | wc -w)" -ge 15 ] || fail "lib/policy.c: read only these top-level keys: $top"
man_top=$(section "$MAN/portcullis-policy.5.scd" "TOP LEVEL" | headings)
md_top=$(rows "$MD" "Top level")
for k in $top; do
        echo "$man_top" | grep -qx "$k" || fail "portcullis-policy(5) TOP LEVEL does not list '$k', a key lib/policy.c reads"
        echo "$md_top" | grep -qx "$k" || fail "docs/policy.md's top-level table has no row for '$k', a key lib/policy.c reads"
done
for k in $man_top; do
        echo "$top" | grep -qx "$k" || fail "portcullis-policy(5) lists '$k', which is no top-level key of lib/policy.c"
done
for k in $md_top; do
        echo "$top" | grep -qx "$k" || fail "docs/policy.md's top-level table has '$k', which is no top-level key of lib/policy.c"
done
# a scope's keys: the man page's scopes paragraph and docs/policy.md's
# Scopes tables name each
man_scopes=$(section "$MAN/portcullis-policy.5.scd" "TOP LEVEL" | sed -n '/^\*scopes\*$/,/^\*/p')
md_scopes=$(sed -n '/^## Scopes$/,/^## /p' "$MD")
for k in $(keys "$POL" scope_keys) $(keys "$POL" match_keys); do
        echo "$man_scopes" | grep -q "\*$k\*\|\"$k\"" || fail "portcullis-policy(5) scopes does not name '$k', a scope key lib/policy.c reads"
        echo "$md_scopes" | grep -q "\`$k\`" || fail "docs/policy.md's Scopes does not name '$k', a scope key lib/policy.c reads"
done
md_allow=$(rows "$MD" Allowlist)
man_allow=$(section "$MAN/portcullis-policy.5.scd" "TOP LEVEL" | sed -n '/^\*allowlist\*$/,/^\*/p')
for k in $(keys "$POL" allow_keys); do
        echo "$md_allow" | grep -qx "$k" || fail "docs/policy.md's allowlist table has no row for '$k', a key lib/policy.c reads"
        echo "$man_allow" | grep -q "\"$k\"" || fail "portcullis-policy(5) allowlist does not name '$k', a key lib/policy.c reads"
done
for k in $md_allow; do
        keys "$POL" allow_keys | grep -qx "$k" || fail "docs/policy.md's allowlist table has '$k', which lib/policy.c does not read"
done

# --- portcullis-hook(8) --------------------------------------------------
hook_opts=$(grep -ho '{ "[a-z][a-z-]*", \(required\|no\)_argument' "$SRC"/hook/*.c | sed 's/{ "\([^"]*\)".*/\1/' | sort -u)
[ -n "$hook_opts" ] || fail "hook/*.c: no getopt table found"
man_hook=$(section "$MAN/portcullis-hook.8.scd" OPTIONS | grep '^\*' | grep -o '\*--[a-z-]*\*' | tr -d '*' | sed 's/^--//')
for o in $hook_opts; do
        echo "$man_hook" | grep -qx -- "$o" || fail "portcullis-hook(8) OPTIONS does not list --$o, which the hook takes"
done
for o in $man_hook; do
        echo "$hook_opts" | grep -qx -- "$o" || fail "portcullis-hook(8) lists --$o, which the hook does not take"
done

# --- portcullis(1): the options of each command's synopsis line ----------
# '*db import* _PATH_... [*--db* _FILE_]': the command is the words of the
# first '*...*'; 'cache ls|show|...' pools the help of every cache command.
n=0
section "$MAN/portcullis.1.scd" COMMANDS | grep '^\*[a-z]' >"${TMPDIR:-/tmp}/synopsis.$$"
while IFS= read -r line; do
        cmd=$(echo "$line" | sed 's/^\*\([a-z ]*\)\*.*/\1/')
        # shellcheck disable=SC2086
        case $cmd in
        cache*) help=$(for c in ls show purge gc rescan fill; do "$P" cache $c --help; done) ;;
        *) help=$("$P" $cmd --help 2>&1) || { fail "portcullis(1) names '$cmd', which has no help: $help"; continue; } ;;
        esac
        n=$((n + 1))
        for o in $(echo "$line" | grep -o '\*--[a-z-]*\*' | tr -d '*'); do
                echo "$help" | grep -q -- "$o\b" || fail "portcullis(1) shows $o for '$cmd', which its help does not list"
        done
done <"${TMPDIR:-/tmp}/synopsis.$$"
rm -f "${TMPDIR:-/tmp}/synopsis.$$"
[ "$n" -ge 15 ] || fail "portcullis(1): only $n command synopses found"

[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }
echo "docs-keys: all passed"
