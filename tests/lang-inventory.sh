#!/bin/bash
# Language packages as their own tools see them, on real artifacts:
#  - Python: the dist-info/egg-info metadata of Debian's python3-* packages
#    installed on this machine, copied into a rootfs, against what
#    importlib.metadata lists for that folder;
#  - npm: a real `npm install` from the npm registry (nested and scoped
#    packages), against `npm ls --all --json`.
# `portcullis inventory --format json` must list exactly the same name and
# version pairs, each with its ecosystem, purl and the file it came from.
set -u
P=${PORTCULLIS:?}
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ran=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- Python -----------------------------------------------------------------
SITE=/usr/lib/python3/dist-packages
if ls "$SITE"/*.dist-info "$SITE"/*.egg-info >/dev/null 2>&1; then
        R=$T/py
        D=$R/usr/lib/python3/dist-packages
        mkdir -p "$D"
        # the metadata only (the modules themselves are not read)
        for m in "$SITE"/*.dist-info "$SITE"/*.egg-info; do
                if [ -d "$m" ]; then
                        mkdir -p "$D/$(basename "$m")"
                        for f in METADATA PKG-INFO; do
                                [ -f "$m/$f" ] && cp "$m/$f" "$D/$(basename "$m")/"
                        done
                else
                        cp "$m" "$D/"
                fi
        done
        "$P" inventory "$R" --format json >"$T/py.json" 2>"$T/py.err" || fail "python: inventory: $(cat "$T/py.err")"
        python3 - "$D" "$T/py.json" <<'PY' || fail "python: differs from importlib.metadata"
import importlib.metadata, json, sys
d, ours = sys.argv[1], json.load(open(sys.argv[2]))
theirs = set()
for dist in importlib.metadata.distributions(path=[d]):
    name, version = dist.metadata["Name"], dist.version
    if name and version:
        theirs.add((name, version))
got = {(p["name"], p["version"]) for p in ours["packages"] if p["ecosystem"] == "PyPI"}
bad = [p for p in ours["packages"] if p["ecosystem"] == "PyPI" and
       (not p["purl"].startswith("pkg:pypi/") or not p["origin_file"].startswith("/usr/lib/python3/dist-packages/"))]
if got != theirs or bad or not got:
    print("only ours:", sorted(got - theirs)); print("only importlib:", sorted(theirs - got)); print("bad:", bad[:3])
    sys.exit(1)
print("python: %d distributions, as importlib.metadata lists them" % len(got))
PY
        ran=$((ran + 1))
else
        echo "python: no dist-packages metadata on this machine; part skipped"
fi

# ---- npm --------------------------------------------------------------------
if command -v npm >/dev/null; then
        A=$T/npm/app
        mkdir -p "$A"
        printf '{"name": "pc-test-app", "version": "1.0.0", "private": true}\n' >"$A/package.json"
        if (cd "$A" && timeout 180 npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
                        minimist@1.2.0 lodash@4.17.20 express@4.16.4 @babel/parser@7.23.6 >"$T/npm-install.log" 2>&1); then
                (cd "$A" && npm ls --all --json >"$T/npm-ls.json" 2>/dev/null)
                "$P" inventory "$T/npm" --format json >"$T/npm.json" 2>"$T/npm.err" || fail "npm: inventory: $(cat "$T/npm.err")"
                python3 - "$T/npm-ls.json" "$T/npm.json" <<'PY' || fail "npm: differs from npm ls"
import json, sys
tree, ours = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
theirs = set()
def walk(deps):
    for name, d in (deps or {}).items():
        if "version" in d and not d.get("missing"):
            theirs.add((name, d["version"]))
        walk(d.get("dependencies"))
walk(tree.get("dependencies"))
got = {(p["name"], p["version"]) for p in ours["packages"] if p["ecosystem"] == "npm"}
if ("pc-test-app", "1.0.0") in got:
    print("the project's own package.json was listed"); sys.exit(1)
if got != theirs or len(got) < 40:
    print("only ours:", sorted(got - theirs)); print("only npm ls:", sorted(theirs - got)); sys.exit(1)
scoped = [p for p in ours["packages"] if p["name"] == "@babel/parser"]
assert scoped and scoped[0]["purl"] == "pkg:npm/%40babel/parser@7.23.6", scoped
print("npm: %d packages, as npm ls lists them" % len(got))
PY
                ran=$((ran + 1))
        else
                echo "npm: the npm registry is not reachable ($(tail -1 "$T/npm-install.log")); part skipped"
        fi
else
        echo "npm: not installed; part skipped"
fi

[ "$fails" -eq 0 ] || exit 1
[ "$ran" -gt 0 ] || { echo "skip: neither part could run"; exit 77; }
